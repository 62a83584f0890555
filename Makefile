# fieldforms — the two commands are `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-test assets run test test-clock bench lint system-deps clean

# Runtime install: the virtualenv and the package in editable mode.
install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

# Test install: test extras on top of the runtime install.
install-test: $(VENV)/.installed-test assets

# schemathesis without its pins (see pyproject's test extras: its requirements are there,
# but for the jsonschema-rs version it pins below ours).
SCHEMATHESIS := schemathesis==4.32.5

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[test]'
	$(PIP) install -q --no-deps '$(SCHEMATHESIS)'
	touch $@

# Browser and PDF assets from npm (package-lock.json pins them), copied where the renderers
# serve them: signature_pad's ES module and the DejaVu fonts embedded in PDF reports. Then
# the phone's scripts and styles minified by esbuild (its first load is held to 120 KB,
# bench/client.py): one copy per source, named by the source's sha256, which the server
# sends at the source's own URL (webapp/mobile/minified.py); a source edited since is sent
# as it is until the next `make assets`. Nothing generated is committed (see .gitignore).
ASSETS_STAMP := renderers/static/vendor/.assets
MIN_DIR := webapp/mobile/min
MIN_SOURCES := $(wildcard webapp/static/m/*.js webapp/static/m/*.css renderers/static/*.js renderers/static/*.css)

assets: $(ASSETS_STAMP) $(MIN_DIR)/.stamp

$(ASSETS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p renderers/static/vendor/signature_pad renderers/fonts
	cp node_modules/signature_pad/dist/signature_pad.js node_modules/signature_pad/LICENSE renderers/static/vendor/signature_pad/
	cp node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf \
	   node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-BoldOblique.ttf \
	   node_modules/dejavu-fonts-ttf/LICENSE renderers/fonts/
	touch $@

$(MIN_DIR)/.stamp: $(ASSETS_STAMP) $(MIN_SOURCES) webapp/mobile/minify.mjs
	node webapp/mobile/minify.mjs $(MIN_DIR) webapp/static/m renderers/static
	touch $@

# Debian packages the tests use (headless Chromium, pdftoppm, DejaVu fonts), installed only
# when missing and when we are root; otherwise the tests that need them say why they skip.
system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  missing=""; \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	  command -v faketime >/dev/null || missing="$$missing faketime"; \
	  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  fi; \
	fi

# The database (migrations), the demo when it is empty, the logins, then gunicorn as in
# production (PORT=5077 make run; FIELDFORMS_WORKERS, FIELDFORMS_THREADS: see the README).
run: install
	@$(VENV)/bin/fieldforms run --host $(HOST) --port $(PORT)

test: install-test system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite (browser tests aside, on SQLite) again with the whole process's clock moved by
# libfaketime to awkward instants of the company's clock, the process itself in another time
# zone each time: a Sunday at 23:59, New Year's Eve at 23:30, and 02:30 on the night the
# clocks go back in Paris (the first of the two). The clock then runs on from there.
FAKED_CLOCKS := 2026-11-29T23:59:00+01:00@America/Los_Angeles 2026-12-31T23:30:00+01:00@Pacific/Kiritimati 2026-10-25T02:30:00+02:00@UTC

test-clock: install-test system-deps
	@command -v faketime >/dev/null || { echo "faketime is missing (apt-get install faketime)"; exit 1; }
	@set -e; for spec in $(FAKED_CLOCKS); do \
	  at=$${spec%@*}; zone=$${spec#*@}; \
	  offset=$$(( $$(date -d "$$at" +%s) - $$(date +%s) )); \
	  echo "== the suite at $$at (process time zone $$zone)"; \
	  env -u TEST_DATABASE_URL -u TEST_REDIS_URL TZ=$$zone FAKETIME_DONT_RESET=1 faketime -f "$$(printf '%+d' $$offset)" \
	    $(PY) -m pytest -q -p no:cacheprovider --ignore=tests/e2e $(PYTEST_ARGS); \
	done

# The load benchmark's tools on top of the test install (pyproject's "load" extras).
$(VENV)/.installed-load: $(VENV)/.installed-test pyproject.toml
	$(PIP) install -q -e '.[test,load]'
	touch $@

bench: install-test $(VENV)/.installed-load
	@for f in bench/*.py; do case $$f in */common.py|*/__init__.py) continue;; esac; echo "== $$f"; $(PY) $$f || exit 1; done

lint: install
	$(VENV)/bin/fieldforms lint form_definitions

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
