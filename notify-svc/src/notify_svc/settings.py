"""notify-svc settings: env vars prefixed `NOTIFY_`, nested with `__` (`NOTIFY_SMS__PROVIDER`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from motcua_shared.chassis.egress import EgressGuard
from motcua_shared.chassis.settings import DbSettings, HttpSettings, ServiceSettings


class RetrySettings(BaseModel):
    """Exponential backoff with jitter between attempts of one delivery."""

    max_attempts: int = Field(default=6, ge=1)
    initial: float = Field(default=30.0, gt=0, description="Seconds before the second attempt.")
    maximum: float = Field(default=3600.0, gt=0, description="Cap of one wait, in seconds.")


class SmsSettings(BaseModel):
    """The SMS channel: the sandbox (records messages) or a brand-name HTTP provider."""

    provider: Literal["sandbox", "http"] = "sandbox"
    strip_diacritics: bool = Field(
        default=True, description="Send SMS without Vietnamese diacritics (GSM-7; most brand-name routes)."
    )
    brandname: str = Field(
        default="MOTCUA",
        max_length=11,
        description="The sender name registered with the operators for this deployment (at most 11 "
        "characters); set it in production.",
    )
    link: str | None = Field(
        default=None,
        description="The address SMS texts point to; by default the citizen app's look-up page under the "
        "public URL.",
    )
    api_url: str | None = None
    api_key: SecretStr | None = None
    receipt_secret: SecretStr | None = Field(
        default=None, description="HMAC key the provider signs its delivery receipts with."
    )
    rate_per_second: float = Field(default=30.0, gt=0)
    timeout: float = Field(default=10.0, gt=0)


class EmailSettings(BaseModel):
    """The e-mail channel over SMTP; disabled while ``host`` is unset."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: SecretStr | None = None
    security: Literal["none", "starttls", "tls"] = "starttls"
    sender: str = "Cổng dịch vụ công motcua <no-reply@motcua.vn>"
    rate_per_second: float = Field(default=20.0, gt=0)
    timeout: float = Field(default=15.0, gt=0)


class PushSettings(BaseModel):
    """Web Push with VAPID; disabled while no private key is configured."""

    vapid_private_key: SecretStr | None = Field(
        default=None, description="The VAPID key: PEM, or the raw P-256 private value in base64url."
    )
    vapid_subject: str = "mailto:hotro@motcua.vn"
    ttl_seconds: int = Field(default=86_400, ge=0)
    rate_per_second: float = Field(default=50.0, gt=0)
    timeout: float = Field(default=10.0, gt=0)
    endpoint_hosts: list[str] = Field(
        default=[
            "fcm.googleapis.com",
            "push.services.mozilla.com",
            "push.apple.com",
            "notify.windows.com",
        ],
        description="The push services (these hosts and their subdomains) a subscription may point at in "
        "production; elsewhere any endpoint is taken.",
    )


class WebhookSettings(BaseModel):
    """Integrator webhooks (Standard Webhooks signatures)."""

    retry: RetrySettings = RetrySettings(max_attempts=8, initial=5.0, maximum=6 * 3600.0)
    disable_after_failures: int = Field(
        default=15, ge=1, description="Consecutive failed attempts after which a subscription is disabled."
    )
    rotation_grace_hours: float = Field(default=24.0, ge=0)
    timeout: float = Field(default=10.0, gt=0)
    rate_per_second: float = Field(default=50.0, gt=0)
    allow_insecure_urls: bool = Field(
        default=True, description="Accept http:// and private addresses (development only)."
    )


class DispatchSettings(BaseModel):
    """The background dispatcher that hands queued deliveries to their channels."""

    autostart: bool = True
    poll_interval: float = Field(default=1.0, gt=0)
    batch_size: int = Field(default=100, ge=1)
    concurrency: int = Field(default=20, ge=1)
    lease_seconds: float = Field(default=120.0, gt=0)
    retry: RetrySettings = RetrySettings()


class QuietHoursSettings(BaseModel):
    """The default quiet hours (Asia/Ho_Chi_Minh) during which non-urgent SMS wait."""

    start: str = Field(default="22:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    end: str = Field(default="07:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class StreamSettings(BaseModel):
    """The SSE stream."""

    poll_interval: float = Field(
        default=2.0, gt=0, description="Re-read the inbox at least this often (other replicas' writes)."
    )
    heartbeat: float = Field(default=15.0, gt=0)
    ticket_ttl: float = Field(
        default=60.0, gt=0, le=600, description="Seconds a stream ticket may wait before it is used (once)."
    )


class Settings(ServiceSettings):
    """Configuration of notify-svc."""

    model_config = SettingsConfigDict(
        env_prefix="NOTIFY_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    service_name: str = "notify"
    http: HttpSettings = HttpSettings(port=8004)
    db: DbSettings = DbSettings(url="sqlite+aiosqlite:///var/notify.db")
    sms: SmsSettings = SmsSettings()
    email: EmailSettings = EmailSettings()
    push: PushSettings = PushSettings()
    webhooks: WebhookSettings = WebhookSettings()
    dispatch: DispatchSettings = DispatchSettings()
    quiet_hours: QuietHoursSettings = QuietHoursSettings()
    stream: StreamSettings = StreamSettings()

    @model_validator(mode="after")
    def _production_sends_for_real(self) -> Settings:
        if self.env == "production":
            if self.sms.provider == "sandbox":
                raise ValueError("production needs a real SMS provider (NOTIFY_SMS__PROVIDER=http)")
            if self.sms.brandname == "MOTCUA":
                raise ValueError(
                    "production needs the deployment's registered sender (NOTIFY_SMS__BRANDNAME)"
                )
            if self.webhooks.allow_insecure_urls:
                raise ValueError("production webhooks must be https to public addresses")
        if self.sms.provider == "http" and not (self.sms.api_url and self.sms.api_key):
            raise ValueError("the http SMS provider needs sms.api_url and sms.api_key")
        return self

    @property
    def sms_link(self) -> str:
        """The address SMS texts point to (``link`` in every template)."""
        return self.sms.link or f"{self.public_url}/tra-cuu"

    def push_guard(self) -> EgressGuard:
        """The outbound guard of Web Push: in production only the push services' public addresses."""
        if self.env == "production":
            return EgressGuard(allowed_hosts=self.push.endpoint_hosts)
        return EgressGuard(allow_private=True)

    @property
    def sandbox_enabled(self) -> bool:
        """Whether the sandbox SMS inbox is readable (embedded and development only)."""
        return self.env != "production" and self.sms.provider == "sandbox"
