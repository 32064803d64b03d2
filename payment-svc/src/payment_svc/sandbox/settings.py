"""Sandbox provider settings: env vars prefixed `SANDBOX_` (`SANDBOX_HTTP__PORT`, `SANDBOX_IPN_URL`)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from motcua_shared.chassis.settings import HttpSettings
from payment_svc.settings import DEV_BANK_SECRET, DEV_SANDBOX_SECRET


class SandboxSettings(BaseSettings):
    """The merchant it serves (code, secret, where its IPN goes) and the sandbox bank's account."""

    model_config = SettingsConfigDict(
        env_prefix="SANDBOX_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    http: HttpSettings = HttpSettings(port=8005)
    tmn_code: str = "MOTCUA01"
    hash_secret: SecretStr = SecretStr(DEV_SANDBOX_SECRET)
    ipn_url: str = "http://127.0.0.1:8000/api/v1/payments/providers/sandbox/ipn"
    bank_notify_url: str = "http://127.0.0.1:8000/api/v1/payments/providers/bank/notify"
    bank_webhook_secret: SecretStr = SecretStr(DEV_BANK_SECRET)
    bank_account_number: str = "113000118888"
