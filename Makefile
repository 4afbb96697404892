# Comptoir: `make demo` runs the demo shop, `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml 2>/dev/null | cut -c1-12)
PYTEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-deps demo serve worker test test-sqlite test-postgresql check format \
	bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

system-deps:
	./scripts/install-system-deps.sh

## The demo shop on a SQLite file in var/; `comptoir demo` prints the owner's sign-in.
demo: install
	$(BIN)/comptoir demo
	COMPTOIR_DEMO_STOREFRONT=true $(BIN)/comptoir serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/comptoir migrate
	$(BIN)/comptoir serve --host $(HOST) --port $(PORT)

worker: install
	$(BIN)/comptoir worker

## The whole suite on SQLite, then on PostgreSQL when COMPTOIR_TEST_DATABASE_URL is set.
test: install system-deps test-sqlite test-postgresql

test-sqlite: install
	mkdir -p build
	env -u COMPTOIR_TEST_DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal \
		--durations=10 --junitxml=build/test-sqlite.xml

test-postgresql: install
	@if [ -n "$$COMPTOIR_TEST_DATABASE_URL" ]; then \
		mkdir -p build && \
		$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=10 \
			--junitxml=build/test-postgresql.xml; \
	else \
		echo "COMPTOIR_TEST_DATABASE_URL is not set: PostgreSQL run skipped"; \
	fi

check: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install
	$(BIN)/python bench/outbox.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

-include i18n.mk
