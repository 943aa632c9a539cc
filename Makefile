# Atlas Santé: the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The PostgreSQL + Redis backend used by the second test pass and by `make bench`.
PG_URL ?= postgres://postgres@127.0.0.1:5432/atlas
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14
PYTEST_ARGS ?=

.PHONY: install system-deps demo serve test test-embedded test-postgres bench lock clean vendor

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	touch $@

install: $(BIN)/.installed

# Debian's Chromium for the browser tests (Playwright's own browser download is not used), wrk for the
# API load benchmark.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installing Debian's wrk for the API load benchmark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# Fetch DATA_DIR (nothing to download when it is complete), migrate, import the geography and every source
# file, load the catalog, compute every indicator in this process, then serve on http://$(HOST):$(PORT).
# Idempotent: sha256 of the source files and definitions decide what is imported and computed again.
MANAGE = SECRET_KEY=$$(cat var/secret_key) ATLAS_HTTPS=0 $(BIN)/python manage.py
demo: install var/secret_key
	$(MANAGE) fetch_data
	$(MANAGE) migrate --noinput
	$(MANAGE) demo_data
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) runserver $(HOST):$(PORT)

serve: install var/secret_key
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) runserver $(HOST):$(PORT)

# Both backends: the embedded default (SQLite, in-process tasks), then PostgreSQL + Redis + celery worker.
test: install system-deps node_modules/.installed
	$(MAKE) test-embedded
	$(MAKE) test-postgres

test-embedded: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks run on PostgreSQL (the targets are for it); each creates its own *_bench_* database as needed.
bench: install system-deps var/secret_key
	@psql "$(PG_URL)" -Atc "select 1" >/dev/null 2>&1 || createdb -h 127.0.0.1 -U postgres $(notdir $(PG_URL))
	SECRET_KEY=$$(cat var/secret_key) DATABASE_URL=$(PG_URL) $(BIN)/python manage.py migrate --noinput -v0
	SECRET_KEY=$$(cat var/secret_key) DATABASE_URL=$(PG_URL) $(BIN)/python -m benchmarks.run $(BENCH)

lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^atlas-sante' > requirements.lock

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache

# Browser assets from npm (package.json / package-lock.json). The plotly.js partial bundle (scatter and bar
# traces: all the atlas draws) and its French locale are copied into static/vendor and committed, so a
# deployment needs no npm; axe-core stays in node_modules and is served by the accessibility tests only.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

vendor: node_modules/.installed
	cp node_modules/plotly.js-basic-dist-min/plotly-basic.min.js node_modules/plotly.js-basic-dist-min/LICENSE static/vendor/plotly-basic/
	{ echo "/* plotly.js-locales fr (npm), wrapped to register itself with the page's Plotly: make vendor. */"; \
	  echo "(function () { var module = { exports: {} };"; cat node_modules/plotly.js-locales/fr.js; \
	  echo "window.Plotly.register(module.exports); })();"; } > static/vendor/plotly-basic/plotly-locale-fr.js
