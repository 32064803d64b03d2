"""The settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

import os
import ssl
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PUBLIC_URL_ENV = "MOTCUA_PUBLIC_URL"
LOCAL_PUBLIC_URL = "http://127.0.0.1:8000"


def default_public_url() -> str:
    """``MOTCUA_PUBLIC_URL`` if set, else where ``motcua run`` listens by default."""
    return os.environ.get(PUBLIC_URL_ENV) or LOCAL_PUBLIC_URL


def listening_url(host: str, port: int) -> str:
    """The base URL of a server bound to ``host:port`` as a client on this machine reaches it."""
    reachable = "127.0.0.1" if host in ("", "0.0.0.0") else "[::1]" if host == "::" else host
    return f"http://{reachable}:{port}"


PublicUrl = Annotated[
    str,
    AfterValidator(lambda url: url.rstrip("/")),
    Field(
        default_factory=default_public_url,
        description="The platform's public base URL (the gateway's address as clients reach it): every "
        "link, redirect, callback URL and QR code starts with it. One setting for the whole platform, "
        "`MOTCUA_PUBLIC_URL`; a service's own `<PREFIX>_PUBLIC_URL` overrides it.",
    ),
]
"""The field type of the public base URL, without a trailing slash."""


class HttpSettings(BaseModel):
    """Where the service listens when run on its own, and which peers may tell it who the client is."""

    host: str = "127.0.0.1"
    port: int = 8000
    trusted_proxies: list[str] = Field(
        default=[],
        description="Addresses or networks of the reverse proxies whose X-Forwarded-For/-Proto are believed "
        "(none by default: the peer is the client, so no one dodges a per-address limit with a header).",
    )


class DbSettings(BaseModel):
    """The service's own database."""

    url: str = "sqlite+aiosqlite:///var/motcua.db"
    echo: bool = False
    pool_size: int = 10
    """Connections each process keeps open (PostgreSQL; on SQLite the readers')."""
    pool_overflow: int = Field(default=0, ge=0)
    """Connections opened beyond ``pool_size`` when all are busy, and closed again as soon as they are
    returned. Off by default: under load every overflow connection is a new PostgreSQL backend (a fork,
    authentication, asyncpg's type introspection) thrown away moments later, which cost more CPU than the
    requests it served; requests wait briefly for one of the pool's connections instead (a fixed-size
    pool, as HikariCP and pgbouncer advise)."""
    pool_timeout: float = Field(default=30.0, gt=0)
    """Seconds a request waits for a pooled connection before it fails."""
    pool_pre_ping: bool = False
    """Test each pooled connection with a round trip before use. Off by default: a connection lost to a
    database restart fails one operation, which invalidates the whole pool (the relay and consumers retry
    it), instead of every transaction paying an extra round trip."""
    pool_recycle: float = 1800.0
    """Seconds after which a pooled connection is replaced (ahead of server and proxy idle timeouts)."""
    auto_migrate: bool = True
    sqlite_inline: bool = True
    """Run SQLite statements on the event loop's thread (``motcua_shared.chassis.sqlite``) instead of
    aiosqlite's worker thread, for a ``sqlite+aiosqlite`` URL. Off: aiosqlite as configured."""
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    """SQLite's ``synchronous`` (WAL mode): ``FULL`` syncs the log at every commit, so an acknowledged
    commit survives an OS crash or power loss (about 0.3 ms a commit on this project's machines);
    ``NORMAL`` syncs it only at checkpoints, so the last commits before such a crash can be lost (the
    database stays consistent). ``NORMAL`` is for measurements that say so, never for citizens' data."""


class BusSettings(BaseModel):
    """The event bus: the in-process log (embedded) or Apache Kafka (stack, containers)."""

    kind: Literal["memory", "kafka"] = "memory"
    bootstrap_servers: str = "127.0.0.1:9092"
    partitions: int = Field(default=12, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_interval: float = Field(default=1.0, gt=0)
    consumer_batch_size: int = Field(default=200, ge=1)
    consumer_commit_interval: float = Field(default=0.2, ge=0)
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_backoff_initial: float = Field(default=0.2, gt=0)
    consumer_backoff_max: float = Field(default=5.0, gt=0)
    consume: bool = True
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    """How to reach the brokers; a broker that enforces ACLs knows each service by its SASL user."""
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    """The CA that signed the brokers' certificates (SSL, SASL_SSL); the system's CAs when unset."""

    def client_options(self) -> dict[str, Any]:
        """The connection options every aiokafka client of this bus takes (producer, consumer, admin)."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol.startswith("SASL"):
            options |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value() if self.sasl_password else None,
            }
        if self.security_protocol.endswith("SSL"):
            options["ssl_context"] = ssl.create_default_context(cafile=self.ssl_cafile)
        return options


class AuthSettings(BaseModel):
    """How tokens are verified: against the gateway's JWKS."""

    jwks_url: str = "http://127.0.0.1:8000/.well-known/jwks.json"
    issuer: str = "motcua"
    audience: str = "motcua"
    jwks_cache_ttl: float = 300.0


class ServiceSettings(BaseSettings):
    """The base of every service's settings (nested env vars use ``__``, e.g. ``DOSSIER_DB__URL``)."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    service_name: str = "service"
    log_level: str = "INFO"
    log_json: bool = True
    http: HttpSettings = HttpSettings()
    db: DbSettings = DbSettings()
    bus: BusSettings = BusSettings()
    auth: AuthSettings = AuthSettings()
    public_url: PublicUrl
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper sends for /metrics (an admin's access token also "
        "does); unset, only admins read the metrics.",
    )

    @model_validator(mode="after")
    def _production_is_real(self) -> ServiceSettings:
        if self.env == "production" and self.db.url.startswith("sqlite"):
            raise ValueError("production needs PostgreSQL, not SQLite")
        return self

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of this service's events."""
        return f"/motcua/{self.service_name}"
