"""Gateway settings: env vars prefixed `GATEWAY_`, nested with `__` (`GATEWAY_UPSTREAMS__CATALOG`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from motcua_shared.chassis.settings import HttpSettings


class Upstreams(BaseModel):
    """Base URLs of the services (stack and containers); unused in the embedded mode."""

    catalog: str = "http://127.0.0.1:8001"
    dossier: str = "http://127.0.0.1:8002"
    payment: str = "http://127.0.0.1:8003"
    notify: str = "http://127.0.0.1:8004"


class IdentitySettings(BaseModel):
    """Token issuing: the signing key ring and the claims every token carries."""

    signing_key_path: Path = Path("var/gateway/signing-key.pem")
    issuer: str = "motcua"
    audience: str = "motcua"
    generate_missing_key: bool = True


class ProxySettings(BaseModel):
    """Timeouts and pools towards the upstreams."""

    connect_timeout: float = Field(default=2.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    max_connections: int = Field(default=200, ge=1)
    max_keepalive: int = Field(default=50, ge=1)


class Settings(BaseSettings):
    """Configuration of the gateway."""

    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    env: Literal["development", "test", "production"] = "development"
    service_name: str = "gateway"
    log_level: str = "INFO"
    log_json: bool = True
    http: HttpSettings = HttpSettings(port=8000)
    upstreams: Upstreams = Upstreams()
    identity: IdentitySettings = IdentitySettings()
    proxy: ProxySettings = ProxySettings()

    @model_validator(mode="after")
    def _production_keys(self) -> Settings:
        if self.env == "production" and self.identity.generate_missing_key:
            raise ValueError("production must be given its signing key (identity.generate_missing_key=false)")
        return self
