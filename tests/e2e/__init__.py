"""End-to-end tests: a real server, set up through the CLI, used by real client libraries."""
