"""Load benchmarks: the product under a WSGI server against a bare baseline app, driven by wrk."""
