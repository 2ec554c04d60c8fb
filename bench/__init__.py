"""Load benchmarks: the product under gunicorn against a bare baseline app, driven by wrk."""
