# Kerbside: `make run` sets up everything and serves the portal; `make test` sets up and runs every test.
# Set DATABASE_URL to use an existing PostGIS database instead of the private cluster under instance/, and
# RATELIMIT_STORAGE_URI to use an existing rate-limit store instead of the private redis under instance/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := portal.app:create_app
HOST ?= 127.0.0.1
PORT ?= 5000
# Tests run in parallel, one test database per worker (pytest-xdist); TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 2

.PHONY: run test serve stop setup prepare bench chromium

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

prepare: $(STAMP)
	$(BIN)/python -m devtools.cluster ensure >/dev/null
	$(BIN)/python -m devtools.redis_server ensure >/dev/null
	$(BIN)/flask demo prepare

# Development mail: unless MAIL_HOST is set, a local SMTP server prints every email (sign-up and reset links
# included) in this terminal.
run: prepare
	@echo "Kerbside is serving on http://$(HOST):$(PORT)  (Ctrl-C to stop the web server; 'make stop' stops the database and redis)"
	@echo "The mail worker (flask outbox send) runs beside it, sending to $${MAIL_HOST:-127.0.0.1}:$${MAIL_PORT:-8025}"
	@if [ -z "$$MAIL_HOST" ]; then echo "Emails are printed here by a local SMTP server (set MAIL_HOST to use a real one)"; fi
	mail=; if [ -z "$$MAIL_HOST" ]; then $(BIN)/python -m aiosmtpd -n -c devtools.devmail.PrintMail -l 127.0.0.1:$${MAIL_PORT:-8025} & mail=$$!; fi; \
	  $(BIN)/flask outbox send & worker=$$!; trap 'kill $$worker $$mail 2>/dev/null' EXIT INT TERM; \
	  BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/flask run --host $(HOST) --port $(PORT)

serve: prepare
	$(BIN)/flask outbox send & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn -w $${WORKERS:-4} -b $(HOST):$(PORT) 'portal.app:create_app()'

# Browser tests use the system Chromium; install it when we may (root), else they are skipped with a reason.
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: browser tests will be skipped (apt-get install chromium)"

test: $(STAMP) chromium
	$(BIN)/python -m devtools.cluster ensure --test >/dev/null
	$(BIN)/python -m devtools.redis_server ensure >/dev/null
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --durations=15 $(PYTEST_ARGS)

stop:
	$(BIN)/python -m devtools.redis_server stop
	$(BIN)/python -m devtools.cluster stop

bench: $(STAMP)
	$(BIN)/python -m bench.run
