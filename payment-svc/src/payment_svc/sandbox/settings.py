"""Sandbox provider settings: env vars prefixed `SANDBOX_` (`SANDBOX_HTTP__PORT`); its callbacks go to the
platform's public base URL (`MOTCUA_PUBLIC_URL`)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from motcua_shared.chassis.settings import HttpSettings, PublicUrl
from payment_svc.settings import DEV_BANK_SECRET, DEV_SANDBOX_SECRET, provider_callback


class SandboxSettings(BaseSettings):
    """The merchant it serves (code, secret, where its IPN goes) and the sandbox bank's account."""

    model_config = SettingsConfigDict(
        env_prefix="SANDBOX_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    http: HttpSettings = HttpSettings(port=8005)
    tmn_code: str = "MOTCUA01"
    hash_secret: SecretStr = SecretStr(DEV_SANDBOX_SECRET)
    public_url: PublicUrl
    bank_webhook_secret: SecretStr = SecretStr(DEV_BANK_SECRET)
    bank_account_number: str = "113000118888"

    @property
    def ipn_url(self) -> str:
        """Where the merchant's server takes the gateway's IPN."""
        return provider_callback(self.public_url, "sandbox", "ipn")

    @property
    def bank_notify_url(self) -> str:
        """Where the merchant's server takes the bank's credit notifications."""
        return provider_callback(self.public_url, "bank", "notify")
