"""payment-svc settings: env vars prefixed `PAYMENT_`, nested with `__` (`PAYMENT_DB__URL`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from motcua_shared.chassis.settings import DbSettings, HttpSettings, ServiceSettings
from motcua_shared.chassis.signing import SigningSettings, refuse_development_authority

# Defaults that only make sense on a laptop; production refuses to start with them.
DEV_SANDBOX_SECRET = "motcua-sandbox-hash-secret-dev-only"  # noqa: S105 - a development default
DEV_BANK_SECRET = "motcua-sandbox-bank-webhook-dev-only"  # noqa: S105 - a development default
SANDBOX_MOUNT = "/api/v1/payments/providers/sandbox/site"
RECEIPT_FONT = Path(__file__).resolve().parent / "receipts" / "fonts" / "DejaVuSans.ttf"
"""Where the sandbox provider's own app is mounted inside payment-svc in the embedded mode."""


def provider_callback(public_url: str, provider: str, name: str) -> str:
    """The public URL of one of our provider callbacks (`return`, `ipn`, `notify`) under ``public_url``."""
    return f"{public_url}/api/v1/payments/providers/{provider}/{name}"


class GatewaySettings(BaseModel):
    """A VNPay-style payment gateway: merchant code, hash secret and its two endpoints."""

    tmn_code: str = "MOTCUA01"
    hash_secret: SecretStr = SecretStr(DEV_SANDBOX_SECRET)
    pay_url: str | None = Field(
        default=None, description="The checkout page; for the sandbox, derived from `public_url`."
    )
    api_url: str | None = Field(
        default=None, description="The query and refund API; for the sandbox, derived likewise."
    )
    timeout: float = Field(default=10.0, gt=0)


class BankSettings(BaseModel):
    """The agency's collection account shown in VietQR codes, and the bank's notification secret."""

    bin: str = Field(default="970415", pattern=r"^[0-9]{6}$", description="NAPAS bank BIN (VietinBank).")
    bank_name: str = "Ngân hàng TMCP Công Thương Việt Nam (VietinBank)"
    account_number: str = Field(default="113000118888", pattern=r"^[0-9A-Za-z]{1,19}$")
    account_name: str = Field(
        default="KHO BAC NHA NUOC KHU VUC",
        description="The collection account's holder as the bank shows it. Since 2025 the State Treasury "
        "works through regional offices (Kho bạc Nhà nước khu vực …); which one holds Huế's account is not "
        "verified (see the README): each deployment sets it.",
    )
    webhook_secret: SecretStr = SecretStr(DEV_BANK_SECRET)


class ReceiptSettings(BaseModel):
    """The e-receipt (biên lai điện tử): who issues it and the form and series registered for it."""

    issuer: str = Field(
        default="Ủy ban nhân dân thành phố Huế",
        description="The header's governing body (Huế is a centrally-run city since 1/1/2025).",
    )
    form_number: str = Field(
        default="01BLP0-001",
        pattern=r"^[0-9A-Z]{6}-[0-9]{3}$",
        description="Ký hiệu mẫu biên lai, as registered with the tax authority.",
    )
    series: str = Field(
        default="AA-{yy}E",
        pattern=r"^[A-Z]{2}-(\{yy\}|[0-9]{2})E$",
        description="Ký hiệu biên lai; `{yy}` is the year of issue's last two digits, `E` an electronic one. "
        "Numbers run on within a series and start again at 1 in the next year's series.",
    )

    def series_of(self, year: int) -> str:
        """The series a receipt issued in ``year`` belongs to (``AA-26E``)."""
        return self.series.replace("{yy}", f"{year % 100:02d}")


class JobSettings(BaseModel):
    """The background jobs: expiry of unpaid requests and re-query of abandoned checkouts."""

    enabled: bool = True
    interval: float = Field(default=30.0, gt=0, description="Seconds between two runs of each job.")
    requery_after: timedelta = Field(
        default=timedelta(minutes=5), description="Ask the provider about a checkout left open this long."
    )
    batch: int = Field(default=100, ge=1)


class Settings(ServiceSettings):
    """Configuration of payment-svc."""

    model_config = SettingsConfigDict(
        env_prefix="PAYMENT_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    service_name: str = "payment"
    http: HttpSettings = HttpSettings(port=8003)
    db: DbSettings = DbSettings(url="sqlite+aiosqlite:///var/payment.db")

    gateway_provider: Literal["sandbox", "vnpay"] = Field(
        default="sandbox", description="Which provider serves card and e-wallet payments."
    )
    sandbox: GatewaySettings = GatewaySettings()
    vnpay: GatewaySettings = GatewaySettings(
        pay_url="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
        api_url="https://sandbox.vnpayment.vn/merchant_webapi/api/transaction",
    )
    mount_sandbox: bool = Field(
        default=True, description="Serve the sandbox provider inside this app (the embedded mode)."
    )
    bank: BankSettings = BankSettings()
    payment_ttl: timedelta = Field(
        default=timedelta(days=7), description="How long a payment request stays payable."
    )
    checkout_ttl: timedelta = Field(
        default=timedelta(minutes=15), description="How long one gateway checkout may take."
    )
    callback_window: timedelta = Field(
        default=timedelta(minutes=30),
        description="How old a signed callback may be; older ones are replays and refused.",
    )
    slip_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    receipts: ReceiptSettings = ReceiptSettings()
    signing: SigningSettings = SigningSettings(stamp_font=RECEIPT_FONT)
    jobs: JobSettings = JobSettings()

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> Settings:
        if self.env == "production":
            secrets = {
                "sandbox.hash_secret": self.sandbox.hash_secret.get_secret_value() == DEV_SANDBOX_SECRET,
                "vnpay.hash_secret": self.vnpay.hash_secret.get_secret_value() == DEV_SANDBOX_SECRET,
                "bank.webhook_secret": self.bank.webhook_secret.get_secret_value() == DEV_BANK_SECRET,
            }
            weak = [name for name, default in secrets.items() if default]
            if weak:
                raise ValueError(f"production needs real secrets, not the development defaults: {weak}")
            if self.mount_sandbox or self.gateway_provider == "sandbox":
                raise ValueError("production does not use the sandbox provider")
            refuse_development_authority(self.signing)
        return self

    def gateway(self) -> GatewaySettings:
        """The settings of the configured gateway provider, with its URLs resolved."""
        if self.gateway_provider == "vnpay":
            return self.vnpay
        base = self.public_url + SANDBOX_MOUNT
        return self.sandbox.model_copy(
            update={
                "pay_url": self.sandbox.pay_url or f"{base}/pay",
                "api_url": self.sandbox.api_url or f"{base}/api/transaction",
            }
        )

    def callback_url(self, provider: str, name: str) -> str:
        """The public URL of one of our provider callbacks (`return`, `ipn`, `notify`)."""
        return provider_callback(self.public_url, provider, name)

    def dossier_page(self, dossier_code: str) -> str:
        """The citizen app's page of one dossier (served at the public URL's `/`): where a payer goes back."""
        return f"{self.public_url}/ho-so/{quote(dossier_code, safe='')}"
