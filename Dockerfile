# syntax=docker/dockerfile:1
# One image recipe for every motcua service; the build argument SERVICE picks which one runs:
#   docker build --build-arg SERVICE=catalog_svc --build-arg PORT=8001 -t motcua/catalog .
# SERVICE is the Python package (catalog_svc, dossier_svc, payment_svc, notify_svc, gateway); its
# distribution is the same name with dashes (catalog-svc, ...). docker-compose.yml builds all five.
#
# Layout follows uv's Docker guide (https://docs.astral.sh/uv/guides/integration/docker/):
# uv copied from its distroless image at a pinned version, dependencies synced in their own layer
# from the pyproject.toml files + uv.lock (`--no-install-workspace`, `--frozen` since the sources are
# not there yet), then the sources and a second sync that installs the workspace members (editable,
# so `<svc>/src/<pkg>/app.py` still finds `<svc>/migrations`). The runtime stage is the same
# python image as the builder, so the venv's interpreter path (/usr/local/bin/python3.11) holds.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

# --------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ARG SERVICE
COPY --from=uv /uv /uvx /bin/

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11

WORKDIR /app

RUN case "${SERVICE:-}" in \
      catalog_svc|dossier_svc|payment_svc|notify_svc|gateway) ;; \
      *) echo "build argument SERVICE must be one of catalog_svc dossier_svc payment_svc notify_svc gateway (got '${SERVICE:-}')" >&2; exit 1 ;; \
    esac

# Dependencies only: every workspace member's pyproject.toml is needed for uv to resolve the workspace.
COPY pyproject.toml uv.lock .python-version ./
COPY shared/pyproject.toml shared/
COPY services/pyproject.toml services/
COPY gateway/pyproject.toml gateway/
COPY catalog-svc/pyproject.toml catalog-svc/
COPY dossier-svc/pyproject.toml dossier-svc/
COPY payment-svc/pyproject.toml payment-svc/
COPY notify-svc/pyproject.toml notify-svc/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "$(echo "$SERVICE" | tr _ -)"

# The sources (see .dockerignore), then the workspace members themselves.
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "$(echo "$SERVICE" | tr _ -)" \
 && .venv/bin/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1] + '.__main__') is None)" "$SERVICE"

# --------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG SERVICE
ARG PORT=8000

# DejaVu carries every Vietnamese glyph: dossier-svc's papers (Circular 01/2018 forms) are set in it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 motcua \
 && useradd --system --uid 10001 --gid motcua --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin motcua

# Owned by root and only readable by the service user: the code and the venv are immutable at run time.
COPY --from=builder /app /app

# The one place a service writes files (dossier-svc's documents): compose mounts a named volume here, which
# Docker initialises with this directory's owner.
RUN mkdir /data && chown 10001:10001 /data

# glibc's malloc as `motcua stack` sets it (services/src/motcua/stack.py, MALLOC_ENV): two arenas, large
# blocks returned to the system when freed — a replica's resident memory then follows its load back down.
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    SERVICE=${SERVICE} \
    PORT=${PORT}

WORKDIR /app
USER 10001:10001

EXPOSE ${PORT}

# The service listens on <PREFIX>_HTTP__PORT; compose sets PORT to the same value for this check.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['PORT'], timeout=4)"]

# Each package's __main__ runs uvicorn on <PREFIX>_HTTP__HOST:<PREFIX>_HTTP__PORT.
CMD ["sh", "-c", "exec python -m \"$SERVICE\""]
