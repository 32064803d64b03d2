"""notify-svc settings: env vars prefixed `NOTIFY_`, nested with `__` (`NOTIFY_DB__URL`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from motcua_shared.chassis.settings import DbSettings, HttpSettings, ServiceSettings


class Settings(ServiceSettings):
    """Configuration of notify-svc."""

    model_config = SettingsConfigDict(
        env_prefix="NOTIFY_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    service_name: str = "notify"
    http: HttpSettings = HttpSettings(port=8004)
    db: DbSettings = DbSettings(url="sqlite+aiosqlite:///var/notify.db")
