#!/bin/sh
# BROWSER for the examples of docs/api.md that open one: see tests/docs_browser.py.
exec python -m tests.docs_browser "$1"
