# `make run`: set everything up and serve on http://localhost:5000 (SQLite, keys, demo data).
# `make test`: set everything up and run ruff, mypy and the whole test suite.
# `make serve`: production mode (gunicorn, gunicorn.conf.py), no demo data.
# `make bench`: the load benchmark (needs wrk: apt-get install -y wrk; the oidc-provider peer
# needs Node.js); BENCH_ARGS="--servers sync,gthread,granian" compares WSGI servers; see
# docs/performance.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed-stamp
AXE := node_modules/axe-core/axe.min.js
HOST ?= 127.0.0.1
PORT ?= 5000
BIND ?= 127.0.0.1:8000
WORKERS ?=

.PHONY: run serve bench setup install lint test clean

# FLASK_RUN_HOST/PORT also make the issuer (tokens' iss, the metadata, the demo's links) follow
# the address, unless config.yml sets oauth2_server.issuer or OAUTHAPP_ISSUER is set.
run: setup
	FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT) $(FLASK) run

serve: install
	$(FLASK) db upgrade
	$(FLASK) oauth generate-keys
	OAUTHAPP_BIND=$(BIND) WEB_CONCURRENCY=$(WORKERS) exec $(BIN)/gunicorn -c gunicorn.conf.py app:app

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

setup: install
	$(FLASK) db upgrade
	$(FLASK) oauth generate-keys
	FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT) $(FLASK) demo

install: $(STAMP) $(AXE)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# axe-core and openid-client (npm) for the accessibility and OpenID Connect browser tests, and
# oidc-provider, the benchmark's peer; without npm they are skipped and say why.
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $(AXE); \
	else \
	  echo "npm not found: the accessibility tests will be skipped (install Node.js and npm)"; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy oauthapp

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache *.egg-info
