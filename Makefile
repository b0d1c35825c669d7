# Liaison — the two commands: `make up` (run everything locally) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KAFKA_LIBS := var/kafka/libs/.complete
TEST_WORKERS ?= 2

.PHONY: up test test-unit lint bench bench-quick kafka-up kafka-down clean help

help:
	@echo "make up     start Kafka, the three services and the gateway (Ctrl-C stops them)"
	@echo "make test   the whole test suite, on a real Kafka broker and a real PostgreSQL"
	@echo "make bench  benchmarks (they print figures, end with one table, kept in var/bench/latest.json)"
	@echo "make bench-quick  the same at the small sizes only (a few minutes)"

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(KAFKA_LIBS): infra/kafka/pom.xml
	infra/kafka/fetch.sh

up: $(VENV)/.installed $(KAFKA_LIBS)
	$(PY) -m infra.run

# The static checks run first: they take seconds and catch what a 5-minute run would only hint at.
# mypy: strict on services/kit and gateway, default elsewhere (pyproject.toml); its cache is .mypy_cache.
# lint-imports: the architecture's contracts (.importlinter). contracts/ holds schemas, never code.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	@test -z "$$(find contracts -name '*.py')" || { echo "contracts/ must hold no Python code"; exit 1; }

# The services' and the gateway's own tests run in-process, each on its own databases: two workers (one
# per core here) share them. The whole-system suites under tests/ start real processes with fixed
# timings of their own (the fault suite kills things on a schedule): they run alone, after.
test: lint $(KAFKA_LIBS)
	infra/system-packages.sh
	infra/k8s/tools.sh
	$(PY) -m pytest -n $(TEST_WORKERS) services gateway; first=$$?; \
	  $(PY) -m pytest --durations=25 tests; second=$$?; \
	  exit $$(( first || second ))

# Unit tests only: no broker, no PostgreSQL, a few seconds.
test-unit: $(VENV)/.installed
	$(PY) -m pytest -m "not kafka and not postgres and not processes" services gateway

bench: $(VENV)/.installed $(KAFKA_LIBS)
	infra/system-packages.sh
	$(PY) -m tests.bench

bench-quick: $(VENV)/.installed $(KAFKA_LIBS)
	infra/system-packages.sh
	LIAISON_BENCH_QUICK=1 $(PY) -m tests.bench

# With this machine's secrets (var/secrets.env, made if absent): the broker's admin, the services' users.
kafka-up: $(VENV)/.installed $(KAFKA_LIBS)
	eval "$$($(PY) -m infra.local_secrets --exports)" && infra/kafka/start.sh \
	  && $(PY) -m infra.kafka.admin setup --bootstrap 127.0.0.1:$${KAFKA_PORT:-9092}

kafka-down:
	infra/kafka/stop.sh

clean:
	rm -rf var/*.db var/*.db-* var/log .pytest_cache
