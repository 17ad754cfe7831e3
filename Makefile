# Every routine task of the project. `make help` lists them.
# The two commands a newcomer needs: `make run` and `make test` (see README).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip
MANAGE := $(PY) manage.py
PYTEST_WORKERS ?= auto
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYTHONDONTWRITEBYTECODE := 1

DEMO_USER     ?= admin
DEMO_PASSWORD ?= consorcio-demo
HOST          ?= 127.0.0.1
PORT          ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install install-dev requirements services stop status migrate demo run web \
        browser test test-fast test-embedded stress lint fmt bench messages clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed-base: requirements/base.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-base requirements/dev.txt
	$(PIP) install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed-base ## create .venv and install the pinned run-time requirements

install-dev: $(VENV)/.installed-dev ## install the pinned development requirements too

requirements: install-dev ## re-pin requirements/*.txt from requirements/*.in
	$(BIN)/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras \
	  -o requirements/base.txt requirements/base.in
	$(BIN)/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras \
	  -o requirements/dev.txt requirements/dev.in

services: install ## start the embedded PostgreSQL/Redis for every URL left unset
	$(PY) -m config.embedded start

stop: ## stop the embedded servers
	@test -x $(PY) && $(PY) -m config.embedded stop || true

status: install ## show the embedded servers and their URLs
	$(PY) -m config.embedded status

migrate: services ## apply database migrations
	$(MANAGE) migrate --noinput

demo: migrate ## load the demo data (idempotent)
	$(MANAGE) seed_demo --username "$(DEMO_USER)" --password "$(DEMO_PASSWORD)"
	$(MANAGE) seed_demo_members
	$(MANAGE) seed_demo_groups
	$(MANAGE) seed_demo_finance

run: demo ## start web + Celery worker + beat on the embedded default, with demo data
	$(MANAGE) collectstatic --noinput -v 0
	@echo ""
	@echo "  Consórcio is starting at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Demo login: $(DEMO_USER) / $(DEMO_PASSWORD)   (one user per role, same password:"
	@echo "              operacoes, vendas, financeiro, credito, auditoria)"
	@echo "  Health: http://$(HOST):$(PORT)/health/ready   Stop with Ctrl-C, then 'make stop'."
	@echo ""
	HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile

browser: ## install Debian's Chromium for the browser tests (never `playwright install`)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: install-dev services browser ## run the whole suite (embedded servers unless the URLs are set)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=20 $(PYTEST_ARGS)

test-fast: install-dev services ## the inner loop: no browser, no slow tests
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow and not browser and not stress" $(PYTEST_ARGS)

test-embedded: install-dev services ## the smoke subset CI runs on the embedded servers
	$(BIN)/pytest -m embedded --create-db $(PYTEST_ARGS)

stress: install-dev services ## long seeded fault and race campaigns (outside CI); prints counts
	HYPOTHESIS_PROFILE=stress STRESS=1 $(BIN)/pytest -m stress -s $(PYTEST_ARGS)

lint: install-dev services ## ruff, format check, mypy, import-linter, migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run

fmt: install-dev ## format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev services ## run every benchmark in bench/ (prints `name value unit` lines)
	$(PY) -m bench

messages: install ## compile the pt_BR translation catalogue
	$(MANAGE) compilemessages -l pt_BR

clean: stop ## remove the venv and local runtime data
	rm -rf $(VENV) var
