"""The container recipe agrees with the code it deploys.

``docker-compose.yml``, the ``Dockerfile`` and ``docker/postgres/init-databases.sh`` are checked without a
Docker engine: every environment variable names a real settings field and loads into valid settings, the
start-up order waits on health checks that exist (and the image's health check really tells a healthy
service from a dead one), the init script creates exactly the databases the services' URLs name, and the
build argument ``SERVICE`` names packages that ``python -m`` can run.
"""

from __future__ import annotations

import importlib
import importlib.util
import ipaddress
import json
import os
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import BaseModel
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
INIT_SCRIPT = ROOT / "docker" / "postgres" / "init-databases.sh"
KAFKA_POM = ROOT / "services" / "kafka" / "pom.xml"

#: compose service -> the Python package its image runs (build argument SERVICE).
APP_SERVICES = {
    "catalog": "catalog_svc",
    "dossier": "dossier_svc",
    "payment": "payment_svc",
    "notify": "notify_svc",
    "gateway": "gateway",
}
BACKING_SERVICES = {"kafka", "postgres"}
#: The citizen app's static container (web/Dockerfile), in front of the gateway.
WEB_SERVICE = "web"
#: nginx in front of the gateway's replicas, on the published port.
BALANCER_SERVICE = "balancer"
BALANCER_CONF = ROOT / "docker" / "balancer" / "nginx.conf"
WEB_DOCKERFILE = ROOT / "web" / "Dockerfile"
NGINX_CONF = ROOT / "web" / "nginx.conf"
BUSINESS_SERVICES = sorted(set(APP_SERVICES) - {"gateway"})

#: Settings every service (besides the gateway) must be given in the containers, without the prefix.
SERVICE_ENV = {
    "ENV",
    "LOG_LEVEL",
    "HTTP__HOST",
    "HTTP__PORT",
    "DB__URL",
    "BUS__KIND",
    "BUS__BOOTSTRAP_SERVERS",
    "AUTH__JWKS_URL",
}
GATEWAY_ENV = {
    "ENV",
    "HTTP__HOST",
    "HTTP__PORT",
    "UPSTREAMS__CATALOG",
    "UPSTREAMS__DOSSIER",
    "UPSTREAMS__PAYMENT",
    "UPSTREAMS__NOTIFY",
    "IDENTITY__SIGNING_KEY_PATH",
    "IDENTITY__GENERATE_MISSING_KEY",
    "DB__URL",
    "BUS__KIND",
    "BUS__BOOTSTRAP_SERVERS",
}

_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?])?(?P<default>[^}]*)\}")
# What the operator gives for the required variables (``${VAR:?message}``): provider credentials.
OPERATOR_VALUES = {
    "MOTCUA_PUBLIC_URL": "https://dichvucong.hue.gov.vn",
    "SMS_API_URL": "https://sms.example.vn/api",
    "SMS_BRANDNAME": "DVC HUE",  # a sender name is at most 11 characters
}


# -- reading the files -----------------------------------------------------------------------------


def interpolate(value: str) -> str:
    """Resolve ``${VAR:-default}`` with its default and ``${VAR:?why}`` with an operator's value."""

    def resolve(match: re.Match[str]) -> str:
        op = match.group("op")
        if op is None:
            raise AssertionError(f"{match.group(0)} has no default: the file would not work without it")
        if op.endswith("?"):
            assert match.group("default"), f"{match.group(0)} must say what to set"
            return OPERATOR_VALUES.get(match.group("name"), f"operator-{match.group('name').lower()}-value")
        return match.group("default")

    return _INTERPOLATION.sub(resolve, value.replace("$$", "\0")).replace("\0", "$")


def scalar(value: Any) -> str:
    """A compose environment value as the container sees it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return interpolate(str(value))


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    services = compose["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    spec = services[name]
    assert isinstance(spec, dict)
    return spec


def environment(compose: dict[str, Any], name: str) -> dict[str, str]:
    """A service's environment, interpolated, whether written as a mapping or as a list of ``K=V``."""
    raw = service(compose, name).get("environment") or {}
    if isinstance(raw, list):
        pairs = (str(item).partition("=") for item in raw)
        return {key: interpolate(value) for key, _, value in pairs}
    return {str(key): scalar(value) for key, value in raw.items()}


def build_args(compose: dict[str, Any], name: str) -> dict[str, str]:
    build = service(compose, name).get("build")
    assert isinstance(build, dict), f"{name}: build must be a mapping with a context and args"
    assert build.get("context") == ".", f"{name}: the build context must be the repository root"
    assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    args = build.get("args") or {}
    if isinstance(args, list):
        return dict(str(item).partition("=")[::2] for item in args)
    return {str(key): scalar(value) for key, value in args.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs of the Dockerfile, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return instructions


def final_stage() -> list[tuple[str, str]]:
    """The instructions of the last build stage (the image that runs)."""
    instructions = dockerfile_instructions()
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert starts, "the Dockerfile has no FROM"
    return instructions[starts[-1] :]


def dockerfile_services() -> set[str]:
    """The SERVICE values the Dockerfile accepts (its ``case`` guard)."""
    for keyword, rest in dockerfile_instructions():
        if keyword == "RUN" and "SERVICE" in rest and " case " in f" {rest}":
            match = re.search(r"in\s+([A-Za-z0-9_|]+)\)", rest)
            assert match, "the Dockerfile's SERVICE guard lists no service"
            return set(match.group(1).split("|"))
    raise AssertionError("the Dockerfile does not check its SERVICE build argument")


def healthcheck_command() -> list[str]:
    """The exec-form command of the final stage's HEALTHCHECK."""
    checks = [rest for keyword, rest in final_stage() if keyword == "HEALTHCHECK"]
    assert len(checks) == 1, "the image needs exactly one HEALTHCHECK"
    assert not checks[0].upper().startswith("NONE"), "the image's HEALTHCHECK is disabled"
    _, found, command = checks[0].partition("CMD ")
    assert found, "the HEALTHCHECK has no CMD"
    parsed = json.loads(command)
    assert isinstance(parsed, list)
    assert all(isinstance(part, str) for part in parsed)
    return parsed


def settings_class(package: str) -> type[BaseSettings]:
    module = importlib.import_module(f"{package}.settings")
    cls = module.Settings
    assert isinstance(cls, type)
    assert issubclass(cls, BaseSettings)
    return cls


def field_path_exists(model: type[BaseModel], path: list[str]) -> bool:
    """Whether ``a.b.c`` is a field of ``model`` (nested models walked through their annotations)."""
    head, *rest = path
    field = model.model_fields.get(head)
    if field is None:
        return False
    if not rest:
        return True
    nested = field.annotation
    return isinstance(nested, type) and issubclass(nested, BaseModel) and field_path_exists(nested, rest)


def has_healthcheck(compose: dict[str, Any], name: str) -> bool:
    spec = service(compose, name)
    check = spec.get("healthcheck")
    if check is not None:
        return not check.get("disable", False) and check.get("test") not in (None, [], ["NONE"])
    return "build" in spec and bool(healthcheck_command())


# -- the services and their settings ---------------------------------------------------------------


def test_the_file_runs_the_platform(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == BACKING_SERVICES | set(APP_SERVICES) | {WEB_SERVICE, BALANCER_SERVICE}


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_the_build_argument_picks_a_runnable_package(compose: dict[str, Any], name: str) -> None:
    package = build_args(compose, name).get("SERVICE")
    assert package == APP_SERVICES[name]
    assert package in dockerfile_services(), f"the Dockerfile refuses SERVICE={package}"
    assert importlib.util.find_spec(package) is not None, f"{package} is not importable"
    assert importlib.util.find_spec(f"{package}.__main__") is not None, f"`python -m {package}` cannot run"


def test_the_dockerfile_accepts_only_real_services() -> None:
    members = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["uv"]["workspace"]
    distributions = {
        tomllib.loads((ROOT / member / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
        for member in members["members"]
    }
    for package in dockerfile_services():
        assert importlib.util.find_spec(f"{package}.__main__") is not None, (
            f"`python -m {package}` cannot run"
        )
        # The Dockerfile syncs `--package $(echo $SERVICE | tr _ -)`.
        assert package.replace("_", "-") in distributions, f"no workspace member is named {package}"
    assert dockerfile_services() == set(APP_SERVICES.values())


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_every_variable_names_a_settings_field(compose: dict[str, Any], name: str) -> None:
    cls = settings_class(APP_SERVICES[name])
    prefix = str(cls.model_config.get("env_prefix", ""))
    delimiter = cls.model_config.get("env_nested_delimiter")
    assert prefix, f"{cls} has no env prefix"
    assert delimiter == "__"
    env = environment(compose, name)
    unknown = []
    for key in env:
        if key == "PORT":  # read by the image's health check, not by the app
            continue
        assert key == key.upper(), f"{name}: {key} is not upper case"
        path = key[len(prefix) :].lower().split(delimiter) if key.startswith(prefix) else []
        if not path or "" in path or not field_path_exists(cls, path):
            unknown.append(key)
    assert not unknown, f"{name}: no settings field for {unknown}"
    required = GATEWAY_ENV if name == "gateway" else SERVICE_ENV
    assert {prefix + key for key in required} <= set(env), f"{name}: settings missing"
    assert "PORT" in env, f"{name}: the image's health check reads PORT"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_the_environment_loads_into_production_settings(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = settings_class(APP_SERVICES[name])
    prefix = str(cls.model_config.get("env_prefix", ""))
    for key in list(os.environ):
        if key.upper().startswith(prefix):
            monkeypatch.delenv(key)
    env = environment(compose, name)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT / "tests")  # no stray .env file is read
    settings: Any = cls()

    assert settings.env == "production"
    assert settings.http.host == "0.0.0.0"
    port = int(env["PORT"])
    assert settings.http.port == port, f"{name}: PORT and the app's port differ"
    assert int(build_args(compose, name).get("PORT", port)) == port, f"{name}: EXPOSEd port differs"
    if name == "gateway":
        assert settings.identity.generate_missing_key is False
        assert settings.identity.demo_accounts is False
    assert settings.bus.kind == "kafka"
    url = make_url(settings.db.url)
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.port, url.username) == ("postgres", 5432, "postgres")
    assert url.database == f"motcua_{name}"


def test_the_gateway_reaches_every_service_and_they_reach_its_jwks(compose: dict[str, Any]) -> None:
    from gateway.identity.router import router

    gateway = environment(compose, "gateway")
    for name in BUSINESS_SERVICES:
        upstream = urlsplit(gateway[f"GATEWAY_UPSTREAMS__{name.upper()}"])
        assert upstream.hostname == name
        assert upstream.port == int(environment(compose, name)["PORT"])

    jwks_paths = {getattr(route, "path", None) for route in router.routes}
    for name in BUSINESS_SERVICES:
        jwks = urlsplit(environment(compose, name)[f"{name.upper()}_AUTH__JWKS_URL"])
        assert jwks.hostname == "gateway"
        assert jwks.port == int(gateway["GATEWAY_HTTP__PORT"])
        assert jwks.path in jwks_paths, f"the gateway serves no {jwks.path}"

    port = gateway["GATEWAY_HTTP__PORT"]
    assert f"{port}:{port}" in [str(p) for p in service(compose, BALANCER_SERVICE).get("ports", [])]


def test_the_signing_key_is_a_mounted_secret(compose: dict[str, Any]) -> None:
    gateway = service(compose, "gateway")
    path = Path(environment(compose, "gateway")["GATEWAY_IDENTITY__SIGNING_KEY_PATH"])
    assert path.parent == Path("/run/secrets")
    mounted = [s if isinstance(s, str) else s.get("target", s["source"]) for s in gateway.get("secrets", [])]
    assert path.name in mounted, "the signing key path is not where the secret is mounted"
    assert compose["secrets"][path.name]["file"] == "./secrets/gateway-signing-key.pem"


def test_documents_live_on_a_volume_the_service_user_owns(compose: dict[str, Any]) -> None:
    store = Path(environment(compose, "dossier")["DOSSIER_DOCUMENTS__STORE_DIR"])
    mounts = [str(v).split(":") for v in service(compose, "dossier").get("volumes", [])]
    volume = next((src for src, target, *_ in mounts if store.is_relative_to(target)), None)
    assert volume is not None, "uploaded documents would be lost with the container"
    assert volume in compose["volumes"], "a named volume, declared at the top level"
    # A new named volume takes the owner of the image's directory at its mount point.
    target = next(target for src, target, *_ in mounts if src == volume)
    assert re.search(
        rf"mkdir {re.escape(target)} && chown 10001:10001 {re.escape(target)}", DOCKERFILE.read_text()
    )
    assert "USER 10001:10001" in DOCKERFILE.read_text()


# -- start-up order and health ---------------------------------------------------------------------


def test_dependencies_wait_until_healthy(compose: dict[str, Any]) -> None:
    expected = {name: {"kafka", "postgres"} for name in BUSINESS_SERVICES}
    expected["gateway"] = set(BUSINESS_SERVICES)
    expected[BALANCER_SERVICE] = {"gateway"}
    expected[WEB_SERVICE] = {BALANCER_SERVICE}
    for name, spec in compose["services"].items():
        depends_on = spec.get("depends_on")
        if depends_on is None:
            assert name in BACKING_SERVICES, f"{name} starts before what it needs"
            continue
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        assert set(depends_on) == expected[name]
        for dependency, rule in depends_on.items():
            assert rule.get("condition") == "service_healthy", f"{name} -> {dependency}"
            assert has_healthcheck(compose, dependency), f"{dependency} has no health check to wait for"


def test_every_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name in compose["services"]:
        assert has_healthcheck(compose, name), f"{name} has no health check"
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in str(
        service(compose, "kafka")["healthcheck"]["test"]
    )
    postgres_check = service(compose, "postgres")["healthcheck"]["test"]
    assert "pg_isready" in str(postgres_check)
    # Over TCP: the image's init-time server listens on the Unix socket only.
    assert "127.0.0.1" in postgres_check or "localhost" in postgres_check


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_the_image_healthcheck_tells_healthy_from_not(health_server: ThreadingHTTPServer) -> None:
    command = healthcheck_command()
    assert command[0] == "python", "the runtime image has python on PATH, nothing else is sure"
    command = [sys.executable, *command[1:]]
    port = health_server.server_address[1]

    def run(env_port: int) -> int:
        env = {**os.environ, "PORT": str(env_port)}
        return subprocess.run(command, env=env, capture_output=True, timeout=30, check=False).returncode

    _Health.status = 200
    assert run(port) == 0
    _Health.status = 503
    assert run(port) != 0
    health_server.shutdown()
    health_server.server_close()
    assert run(port) != 0


# -- PostgreSQL ------------------------------------------------------------------------------------


def test_postgres_runs_the_init_script(compose: dict[str, Any]) -> None:
    postgres = service(compose, "postgres")
    mounts = [str(volume).split(":") for volume in postgres.get("volumes", [])]
    assert any(
        ROOT / source == INIT_SCRIPT
        and target.startswith("/docker-entrypoint-initdb.d/")
        and target.endswith(".sh")
        for source, target, *_ in mounts
    ), "docker/postgres/init-databases.sh is not mounted into /docker-entrypoint-initdb.d/"
    assert "POSTGRES_PASSWORD" in environment(compose, "postgres")


def test_postgres_is_durable(compose: dict[str, Any]) -> None:
    command = [str(part) for part in service(compose, "postgres").get("command", [])]
    assert command[:1] == ["postgres"], "the image's entrypoint runs the server it is given"
    settings = dict(
        arg.split("=", 1) for flag, arg in zip(command[1::2], command[2::2], strict=True) if flag == "-c"
    )
    assert {name: settings.get(name) for name in ("fsync", "synchronous_commit", "full_page_writes")} == {
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
    }


def test_the_database_urls_use_the_postgres_password(compose: dict[str, Any]) -> None:
    password = environment(compose, "postgres")["POSTGRES_PASSWORD"]
    for name in BUSINESS_SERVICES:
        url = make_url(environment(compose, name)[f"{name.upper()}_DB__URL"])
        assert url.password == password, f"{name} logs in with another password than postgres is given"


def _run_init_script(tmp_path: Path, psql_exit: int = 0) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the init script with a ``psql`` on PATH that records its arguments and its standard input."""
    log = tmp_path / "psql.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "psql"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        'printf "ARGS" >> "$PSQL_LOG"; printf "\\x1f%s" "$@" >> "$PSQL_LOG"; printf "\\n" >> "$PSQL_LOG"\n'
        'printf "SQL %s\\n" "$(cat)" >> "$PSQL_LOG"\n'
        f"exit {psql_exit}\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PSQL_LOG": str(log),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=30, check=False, cwd=tmp_path
    )
    return result, log


def test_the_init_script_creates_exactly_the_databases_the_urls_name(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    assert os.access(INIT_SCRIPT, os.X_OK), "the image sources a non-executable script instead of running it"
    assert "set -euo pipefail" in INIT_SCRIPT.read_text(encoding="utf-8")
    result, log = _run_init_script(tmp_path)
    assert result.returncode == 0, result.stderr

    created: list[str] = []
    lines = log.read_text(encoding="utf-8").splitlines()
    for args_line, sql_line in zip(lines[::2], lines[1::2], strict=True):
        args = args_line.split("\x1f")[1:]
        assert "ON_ERROR_STOP=1" in args, "psql must stop at the first error"
        assert args[args.index("--username") + 1] == "postgres"
        db = [a.removeprefix("db=") for a in args if a.startswith("db=")]
        assert len(db) == 1, f"each psql call creates one database: {args}"
        assert re.fullmatch(r'SQL\s*CREATE DATABASE :"db";\s*', sql_line), sql_line
        created.append(db[0])

    named = [str(make_url(environment(compose, n)[f"{n.upper()}_DB__URL"]).database) for n in APP_SERVICES]
    assert sorted(created) == sorted(named)
    assert len(set(created)) == len(created)


def test_the_init_script_fails_when_psql_fails(tmp_path: Path) -> None:
    result, _ = _run_init_script(tmp_path, psql_exit=3)
    assert result.returncode != 0


# -- Kafka -----------------------------------------------------------------------------------------


def test_kafka_is_the_broker_the_services_are_told_about(compose: dict[str, Any]) -> None:
    kafka = service(compose, "kafka")
    env = environment(compose, "kafka")
    pom = KAFKA_POM.read_text(encoding="utf-8")
    version = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom)
    assert version, "services/kafka/pom.xml names no kafka.version"
    assert kafka["image"] == f"apache/kafka:{version.group(1)}", "containers and tests run different Kafkas"

    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    listeners = dict(item.split("://", 1) for item in env["KAFKA_LISTENERS"].split(","))
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    voter_port = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].rsplit(":", 1)[1]
    assert listeners[controller].endswith(f":{voter_port}")
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(f"{env['KAFKA_NODE_ID']}@")
    advertised = {item.split("://", 1)[1] for item in env["KAFKA_ADVERTISED_LISTENERS"].split(",")}
    for name in BUSINESS_SERVICES:
        assert environment(compose, name)[f"{name.upper()}_BUS__BOOTSTRAP_SERVERS"] in advertised
    for key, value in env.items():
        if key.endswith(("_REPLICATION_FACTOR", "_MIN_ISR")):
            assert value == "1", f"{key}: a single broker cannot hold more replicas"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "true"
    assert env["KAFKA_NUM_PARTITIONS"] == "12"


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, spec in compose["services"].items():
        for volume in spec.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} mounts undeclared volume {source}"
    assert {"kafka-data", "postgres-data"} <= declared


# -- the Dockerfile --------------------------------------------------------------------------------


def test_the_image_runs_the_service_as_an_unprivileged_user() -> None:
    stage = final_stage()
    text = "\n".join(f"{keyword} {rest}" for keyword, rest in stage)
    assert stage[0][1].split()[0] in {"${PYTHON_IMAGE}", "python:3.11-slim-bookworm"}
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"useradd .*--uid 10001 .*\bmotcua\b", text), "no motcua user with uid 10001"
    users = [rest for keyword, rest in stage if keyword == "USER"]
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] in {"10001", "motcua"}
    assert ("WORKDIR", "/app") in stage
    assert re.search(r'PATH="?/app/\.venv/bin:\$PATH', text)
    assert re.search(r"SERVICE=\$\{?SERVICE\}?", text), "the runtime image does not know its SERVICE"
    cmd = [json.loads(rest) for keyword, rest in stage if keyword == "CMD"]
    assert cmd == [["sh", "-c", 'exec python -m "$SERVICE"']]
    assert any(keyword == "EXPOSE" for keyword, _ in stage)
    assert all("/healthz" in part or "PORT" not in part for part in healthcheck_command())
    assert "/healthz" in " ".join(healthcheck_command())


def test_the_dockerfile_copies_files_that_exist_and_are_in_the_context() -> None:
    ignored = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for pattern in (".venv", "var", ".git", "services/kafka/libs", "bench/results"):
        assert pattern in ignored, f".dockerignore lets {pattern} into the build context"
    for keyword, rest in dockerfile_instructions():
        if keyword != "COPY" or "--from=" in rest:
            continue
        *sources, _destination = [part for part in rest.split() if not part.startswith("--")]
        for source in sources:
            if source == ".":
                continue
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
            assert source not in ignored, f"COPY {source} is in .dockerignore"
            assert source.split("/")[0] not in ignored, f"COPY {source} is in .dockerignore"
    # The services find their migrations next to their sources: the whole service folder is in the image.
    for folder in ("catalog-svc", "dossier-svc", "payment-svc", "notify-svc"):
        assert (ROOT / folder / "migrations").is_dir()
        assert folder not in ignored
        assert f"{folder}/migrations" not in ignored


# -- the web clients' container ---------------------------------------------------------------------------


def test_the_web_container_builds_the_app_from_its_own_recipe(compose: dict[str, Any]) -> None:
    spec = service(compose, WEB_SERVICE)
    assert spec["build"] == {"context": ".", "dockerfile": "web/Dockerfile"}
    assert (ROOT / spec["build"]["dockerfile"]).is_file()
    assert "8080:8080" in spec["ports"]
    recipe = WEB_DOCKERFILE.read_text(encoding="utf-8")
    # Locked packages, the type-checking build, and only the build output in the served image.
    assert "npm ci" in recipe
    assert "npm run build" in recipe
    assert "COPY --from=build /web/site /usr/share/nginx/html" in recipe
    # Every client web/clients.json lists is built in the image, laid out at its mount.
    listed = json.loads((ROOT / "web" / "clients.json").read_text(encoding="utf-8"))["clients"]
    for client in listed:
        assert f"COPY web/{client['name']} {client['name']}" in recipe
    for line in recipe.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"web/Dockerfile: COPY {source}: no such file"
    ignored = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    assert "web/node_modules" in ignored
    assert "web/*/dist" in ignored


def test_the_web_container_sends_every_api_path_to_the_gateway() -> None:
    from gateway.web import RESERVED

    conf = NGINX_CONF.read_text(encoding="utf-8")
    proxied = re.search(r"location ~ \^/\((?P<paths>[^)]*)\) \{(?P<body>[^}]*)\}", conf)
    assert proxied, "web/nginx.conf has no location for the API"
    prefixes = [p.replace("\\.", ".") for p in proxied["paths"].split("|")]
    # /healthz is the container's own health (nginx answers it); the rest the gateway reserves goes there.
    for path in set(RESERVED) - {"healthz"}:
        assert any(path.startswith(prefix) for prefix in prefixes), f"{path} is not sent to the gateway"
    assert "location = /healthz" in conf
    assert "proxy_pass http://balancer:8000;" in proxied["body"]
    assert "proxy_buffering off;" in proxied["body"], "the live stream (SSE) must not be buffered"
    listen = re.search(r"listen (\d+);", conf)
    assert listen
    assert listen.group(1) == "8080"
    # A deep link of a client is answered with that client's shell (the desk's under /desk/, else the
    # citizen app's), whose router shows the screen; a mount without its slash is its client's folder.
    assert "try_files $uri /$client/index.html /index.html;" in conf
    assert "try_files $uri $uri/ /index.html;" in conf


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_the_services_run_replicated(compose: dict[str, Any], name: str) -> None:
    spec = service(compose, name)
    replicas = _INTERPOLATION.fullmatch(str(spec["deploy"]["replicas"]))
    assert replicas is not None, "MOTCUA_REPLICAS sets how many"
    assert replicas["name"] == "MOTCUA_REPLICAS"
    assert int(replicas["default"]) >= 2
    assert "ports" not in spec, "replicas cannot share a published port"
    assert "container_name" not in spec, "replicas cannot share a container name"


def _fixed_address(compose: dict[str, Any], name: str) -> ipaddress.IPv4Address:
    address = service(compose, name)["networks"]["default"]["ipv4_address"]
    subnet = ipaddress.ip_network(compose["networks"]["default"]["ipam"]["config"][0]["subnet"])
    fixed = ipaddress.IPv4Address(address)
    assert fixed in subnet, f"{name}'s address is outside the compose network"
    return fixed


def test_the_balancer_spreads_requests_over_every_gateway_replica(compose: dict[str, Any]) -> None:
    spec = service(compose, BALANCER_SERVICE)
    image, _, tag = spec["image"].partition(":")
    assert image.endswith("nginx-unprivileged"), "an unprivileged nginx, like the web container's"
    # `server … resolve` in an upstream is in open-source nginx from 1.27.3 on.
    assert tuple(int(part) for part in tag.split("-")[0].split(".")) >= (1, 27, 3)
    mounts = [str(v).split(":") for v in spec["volumes"]]
    assert ["./docker/balancer/nginx.conf", "/etc/nginx/conf.d/default.conf", "ro"] in mounts
    conf = BALANCER_CONF.read_text(encoding="utf-8")
    port = environment(compose, "gateway")["GATEWAY_HTTP__PORT"]
    # Docker's DNS names every replica; nginx re-reads it, so a restarted or added replica gets traffic.
    assert "resolver 127.0.0.11" in conf
    upstream = re.search(r"upstream gateway \{(?P<body>[^}]*)\}", conf)
    assert upstream, "docker/balancer/nginx.conf has no upstream for the gateway"
    assert re.search(rf"server gateway:{port} resolve\b", upstream["body"])
    assert "zone gateway" in upstream["body"], "a resolved upstream lives in shared memory"
    assert f"listen {port};" in conf
    assert "proxy_pass http://gateway;" in conf
    assert "proxy_buffering off;" in conf, "the live stream (SSE) must not be buffered"
    assert "proxy_next_upstream error timeout;" in conf, "never a POST that reached a replica again"
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    assert "wget" in str(spec["healthcheck"]["test"])


def test_the_gateway_believes_the_client_address_only_from_its_proxies(compose: dict[str, Any]) -> None:
    trusted = json.loads(environment(compose, "gateway")["GATEWAY_HTTP__TRUSTED_PROXIES"])
    proxies = {_fixed_address(compose, BALANCER_SERVICE), _fixed_address(compose, WEB_SERVICE)}
    assert {ipaddress.IPv4Address(a) for a in trusted} == proxies
