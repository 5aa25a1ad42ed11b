# Two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install setup browser db demo model serve test-sqlite test-postgres clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

db: install
	$(FLASK) db upgrade
	$(FLASK) moderation seed-known

demo: db
	$(FLASK) forum seed-demo

model: install
	@$(FLASK) moderation ensure-model

setup: demo model

run: setup
	@echo "Serving http://127.0.0.1:5000 (worker running beside it); Ctrl-C stops both."
	@exec $(PY) scripts/serve.py "$(FLASK) moderation worker" \
	  "$(VENV)/bin/gunicorn --workers 2 --bind 127.0.0.1:5000 --access-logfile - wsgi:app"

test: install browser
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(PY) -m pytest -q -p no:cacheprovider
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== test suite on PostgreSQL =="; $(PY) -m pytest -q -p no:cacheprovider -m "not e2e"; fi

clean:
	rm -rf $(VENV) instance
