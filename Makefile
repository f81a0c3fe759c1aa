# Two commands on a fresh machine: `make run` (the app) and `make test` (every test).
# Both create .venv when it is missing and (re)install when a requirements file changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
REPLICAS ?= 2
# Where the app listens: every interface by default (a class reaches the server by its address);
# ADDRESS=127.0.0.1 keeps it on this machine (a laptop demo).
ADDRESS ?=
BIND = $(if $(ADDRESS),--server.address $(ADDRESS))
# apt-get needs root: sudo when make runs as a user
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run dev serve test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip

$(VENV)/.app-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.app-installed $@

# The served app: no file watcher (.streamlit/config.toml), so an idle server uses no CPU; serve.py
# serves app.py and loads TensorFlow and the model as the server starts, before the first visitor.
run: $(VENV)/.app-installed
	$(BIN)/python -m streamlit run serve.py --server.port $(PORT) $(BIND)

# Development: reruns on save. Polling watches only the app's own files; watchdog would watch the
# project folder recursively, .venv included (modules in .venv are never reloaded: "**/.*" is on
# Streamlit's default folderWatchBlacklist). It runs app.py itself: the warm-up starts with the first session.
dev: $(VENV)/.app-installed
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) $(BIND) --server.fileWatcherType poll --server.runOnSave true

# N app processes behind HAProxy (sticky sessions by cookie) on PORT; Ctrl-C stops them all. They share
# one store: DATABASE_URL=postgresql://user@host:port/db (replicas on several hosts), else the SQLite
# file in data/ (CNNLAB_DATA_DIR).
serve: $(VENV)/.app-installed
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { \
	  echo "== installing Debian haproxy"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq haproxy >/dev/null; }
	$(BIN)/python scripts/serve_cluster.py --replicas $(REPLICAS) --port $(PORT) --address $(or $(ADDRESS),0.0.0.0) $(if $(DATABASE_URL),--database-url '$(DATABASE_URL)')

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

bench: $(VENV)/.dev-installed
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
