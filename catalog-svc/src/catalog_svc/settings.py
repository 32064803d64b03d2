"""catalog-svc settings: env vars prefixed `CATALOG_`, nested with `__` (`CATALOG_DB__URL`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from motcua_shared.chassis.settings import DbSettings, HttpSettings, ServiceSettings


class Settings(ServiceSettings):
    """Configuration of catalog-svc."""

    model_config = SettingsConfigDict(
        env_prefix="CATALOG_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    service_name: str = "catalog"
    http: HttpSettings = HttpSettings(port=8001)
    db: DbSettings = DbSettings(url="sqlite+aiosqlite:///var/catalog.db")
