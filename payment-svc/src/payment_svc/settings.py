"""payment-svc settings: env vars prefixed `PAYMENT_`, nested with `__` (`PAYMENT_DB__URL`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from motcua_shared.chassis.settings import DbSettings, HttpSettings, ServiceSettings


class Settings(ServiceSettings):
    """Configuration of payment-svc."""

    model_config = SettingsConfigDict(
        env_prefix="PAYMENT_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    service_name: str = "payment"
    http: HttpSettings = HttpSettings(port=8003)
    db: DbSettings = DbSettings(url="sqlite+aiosqlite:///var/payment.db")
