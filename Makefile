# Civicard — the two commands: `make demo` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT ?= 8000
UV_VERSION ?= 0.13.9
UV := .tools/bin/uv
CIVICARD := .venv/bin/civicard
PYTEST := .venv/bin/pytest
PG_URL ?= postgres://postgres@127.0.0.1:5432/civicard
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: install demo test imports test-sqlite test-postgres test-browser messages lint bench

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --quiet --python $(PYTHON)

demo: install
	$(CIVICARD) migrate --no-input -v0
	$(CIVICARD) demo --url http://127.0.0.1:$(PORT)
	@echo ""
	@echo "Civicard demo: http://127.0.0.1:$(PORT)/   (Ctrl+C to stop)"
	CIVICARD_DEBUG=1 CIVICARD_REQUIRE_STAFF_MFA=0 $(CIVICARD) runserver 127.0.0.1:$(PORT)

test: install imports test-sqlite test-postgres test-browser

# The import contracts of pyproject.toml: no cycle between apps, core imports no domain app…
imports:
	.venv/bin/lint-imports

test-sqlite:
	$(PYTEST) -m "not browser" -q

# The replica's tests (tests/core/test_routers.py) run against Django's test mirror of the
# test database: DATABASE_REPLICA_URL names the primary itself here.
test-postgres:
	DATABASE_URL=$(PG_URL) DATABASE_REPLICA_URL=$(PG_URL) $(PYTEST) -m "not browser" -q

test-browser:
	DATABASE_URL=$(PG_URL) $(PYTEST) -m browser -q

# Catalogs: one per app that has its own locale/, the project's for the rest, each in every UI
# language but English (the source language of the msgids). tests/core/test_catalogs.py requires
# them complete.
MESSAGE_LANGUAGES = fr de it es pt uk ru ar fa tr sq ti so ta

messages: install
	for app in $$(ls -d civicard/*/locale 2>/dev/null); do (cd $$(dirname $$app) && ../../$(CIVICARD) makemessages $(addprefix -l ,$(MESSAGE_LANGUAGES)) --no-obsolete -v0 && ../../$(CIVICARD) compilemessages -v0); done
	cd civicard && ../$(CIVICARD) makemessages $(addprefix -l ,$(MESSAGE_LANGUAGES)) --no-obsolete -v0 --ignore "static/*" $$(for app in $$(ls -d */locale 2>/dev/null); do printf -- "--ignore %s " $$(dirname $$app); done) && ../$(CIVICARD) compilemessages -v0

# Every benchmark against one scale database (BENCH_DATABASE_URL, else DATABASE_URL, else
# civicard_scale; made by `civicard migrate && civicard seed-scale --residents N`): writes
# bench/results.json and docs/benchmarks.md. BENCH_QUICK=1: fewer rounds; BENCH_ONLY=pages,scan:
# some scripts; BENCH_ARGS: more options of bench/run.py.
bench: install
	BENCH_QUICK=$(BENCH_QUICK) BENCH_ONLY=$(BENCH_ONLY) .venv/bin/python bench/run.py $(BENCH_ARGS)

lint: install
	.venv/bin/ruff check .
