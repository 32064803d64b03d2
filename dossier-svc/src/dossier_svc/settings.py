"""dossier-svc settings: env vars prefixed `DOSSIER_`, nested with `__` (`DOSSIER_DB__URL`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from motcua_shared.chassis.settings import DbSettings, HttpSettings, ServiceSettings


class Settings(ServiceSettings):
    """Configuration of dossier-svc."""

    model_config = SettingsConfigDict(
        env_prefix="DOSSIER_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    service_name: str = "dossier"
    http: HttpSettings = HttpSettings(port=8002)
    db: DbSettings = DbSettings(url="sqlite+aiosqlite:///var/dossier.db")
