# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test assets demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Serve the workbench on http://127.0.0.1:8000 with demo data in var/ (demo mode: a generated secret).
run: $(STAMP)
	WORKBENCH_DEMO=$${WORKBENCH_DEMO:-on} $(BIN)/workbench migrate
	WORKBENCH_DEMO=$${WORKBENCH_DEMO:-on} $(BIN)/workbench demo --if-empty --cases $${DEMO_CASES:-3000}
	WORKBENCH_DEMO=$${WORKBENCH_DEMO:-on} $(BIN)/workbench serve --host 127.0.0.1 --port $${PORT:-8000}

# The whole suite: unit and integration on SQLite, integration on PostgreSQL, browser tests in Chromium.
test: $(STAMP)
	$(BIN)/python -m tests.suites

# Rebuild the vendored front-end assets from the npm registry (pinned in frontend/package.json).
assets:
	npm --prefix frontend ci && npm --prefix frontend run build

clean:
	rm -rf $(VENV) var *.egg-info
