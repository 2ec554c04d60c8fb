"""OAuth applications: creation, switches and lookups."""
