# motcua — the two commands are `make run` and `make test`; the rest is for developers and ops.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11

# uv from PATH, else from the interpreter's site-packages (installed below from PyPI).
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
SOURCES := shared services gateway catalog-svc dossier-svc payment-svc notify-svc tests bench conftest.py

.PHONY: help uv install kafka-libs run test lint format stack stack-status stack-down bench bench-deps up down clean toxiproxy chaos \
	node web web-api web-check web-dev

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv>=0.5"

install: uv ## install the workspace (Python 3.11, locked dependencies)
	$(UV) sync --frozen --all-packages

kafka-libs: install ## fetch Apache Kafka's jars from Maven Central into the cache (once)
	$(UV) run --frozen python -c "from motcua.infra.kafka import kafka_libs; print('kafka jars:', kafka_libs())"

PORT ?= 8000

run: install web ## the platform, embedded and seeded, with the web clients, on http://127.0.0.1:8000 (desk at /desk/; PORT=8100)
	$(UV) run --frozen motcua run --port $(PORT)

test: install kafka-libs toxiproxy lint web-check ## lint, type-check, and every test tier (starts and stops Kafka and PostgreSQL)
	$(UV) run --frozen pytest

# -- the web clients (web/): Node and npm from Debian when missing, packages from package-lock.json ----------
# The clients web/clients.json lists (app, desk, …), each built into web/<name>/dist.
WEB_CLIENTS := $(shell sed -n 's/.*"name": *"\([^"]*\)".*/\1/p' web/clients.json)
WEB_DISTS := $(WEB_CLIENTS:%=web/%/dist/index.html)
WEB_SOURCES := $(shell find web/ui web/api web/scripts $(WEB_CLIENTS:%=web/%) -type f -not -path '*/dist/*' -not -path '*/node_modules/*' 2>/dev/null) \
	web/package.json web/package-lock.json web/tsconfig.json web/clients.json web/vite.shared.ts

node: ## Node.js and npm (Debian's packages when missing)
	@command -v npm >/dev/null 2>&1 || { s=""; [ "$$(id -u)" -eq 0 ] || s=sudo; \
	  $$s apt-get update -qq && $$s apt-get install -y -qq --no-install-recommends nodejs npm; }

web/node_modules/.package-lock.json: web/package-lock.json | node
	cd web && npm ci --no-audit --no-fund

$(WEB_DISTS) &: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

web: $(WEB_DISTS) ## build the web clients when their sources changed (the gateway serves the app at /, the desk at /desk/)

web-api: install web/node_modules/.package-lock.json ## refresh web/api from the platform's merged /openapi.json
	MOTCUA_LOG_LEVEL=WARNING $(UV) run --frozen motcua openapi web/api/openapi.json
	cd web && npm run api:types

web-check: web ## the clients' type check and unit tests (the build type-checks too)
	cd web && npm test

web-dev: web/node_modules/.package-lock.json ## the app with hot reload on :5173, its API proxied to `make run`
	cd web && npm run dev

lint: install ## ruff and mypy
	$(UV) run --frozen ruff check $(SOURCES)
	$(UV) run --frozen ruff format --check $(SOURCES)
	$(UV) run --frozen mypy $(SOURCES)

format: install ## apply ruff's fixes and formatting
	$(UV) run --frozen ruff check --fix $(SOURCES)
	$(UV) run --frozen ruff format $(SOURCES)

REPLICAS ?= 1
BROKERS ?= 1
stack: install kafka-libs ## Kafka, PostgreSQL and one process per service (gateway on :8000; REPLICAS=2 behind nginx, BROKERS=3)
	$(UV) run --frozen motcua stack up --replicas $(REPLICAS) --brokers $(BROKERS)

TOXIPROXY_VERSION := $(shell sed -n 's/^VERSION = "\(.*\)"/\1/p' services/src/motcua/infra/toxiproxy.py)
TOXIPROXY := $(or $(MOTCUA_CACHE),$(HOME)/.cache/motcua)/toxiproxy-$(TOXIPROXY_VERSION)/server

$(TOXIPROXY):
	GOBIN=$(dir $@) go install github.com/Shopify/toxiproxy/v2/cmd/server@v$(TOXIPROXY_VERSION)

toxiproxy: $(TOXIPROXY) ## Toxiproxy (Go module proxy) for `stack up --proxy` and `make chaos`

COUNT ?= 10000
chaos: install kafka-libs toxiproxy ## the resilience suite: COUNT submissions while brokers, replicas, PostgreSQL and the network fail (bench/results/chaos.md)
	$(UV) run --frozen python bench/chaos.py --count $(COUNT)

stack-status: ## what the stack runs, and whether it is ready
	$(UV) run --frozen motcua stack status

stack-down: ## stop everything `make stack` started
	$(UV) run --frozen motcua stack down

BENCHES := backbone catalog_search gateway_proxy dossier_submit payment_flow notify_inapp web_budgets

bench-deps:
	@command -v wrk >/dev/null 2>&1 || { s=""; [ "$$(id -u)" -eq 0 ] || s=sudo; $$s apt-get install -y -qq wrk; }

bench: install kafka-libs bench-deps web ## every benchmark (BENCH_ARGS=--quick for a smoke run); writes bench/results/
	@for b in $(BENCHES); do echo "== bench/$$b.py $(BENCH_ARGS)"; $(UV) run --frozen python bench/$$b.py $(BENCH_ARGS) || exit 1; done
	@echo "summaries: bench/results/*.md"

up: ## the containers (docker compose; needs secrets/gateway-signing-key.pem)
	@test -f secrets/gateway-signing-key.pem || { mkdir -p secrets && $(UV) run --frozen python -m gateway.identity.keygen > secrets/gateway-signing-key.pem; }
	docker compose up -d --build

down: ## stop the containers
	docker compose down

clean: ## remove local state (SQLite files, stack data, caches)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
