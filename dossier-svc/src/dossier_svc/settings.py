"""dossier-svc settings: env vars prefixed `DOSSIER_`, nested with `__` (`DOSSIER_DB__URL`)."""

from __future__ import annotations

from datetime import date, time
from typing import Literal
from urllib.parse import quote, urlencode

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from motcua_shared.chassis.settings import DbSettings, HttpSettings, ServiceSettings
from motcua_shared.chassis.signing import SigningSettings, refuse_development_authority


class CalendarSettings(BaseModel):
    """The working calendar deadlines are counted on (in the platform's time zone)."""

    office_hours: tuple[tuple[time, time], ...] = (
        (time(7, 30), time(11, 30)),
        (time(13, 30), time(17, 30)),
    )
    """Working sessions of a working day, in local time; their total is one working day."""
    extra_days_off: tuple[date, ...] = ()
    """Days off announced by decision: days the province or the government adds (e.g. a day bridged to a
    holiday), and days the `holidays` library only estimates, listed here once a decision confirms them."""
    extra_working_days: tuple[date, ...] = ()
    """Working days announced by decision: make-up days (often Saturdays), and days the library wrongly
    estimates as off (the decision chose others)."""

    @model_validator(mode="after")
    def _sessions_in_order(self) -> CalendarSettings:
        previous: time | None = None
        if not self.office_hours:
            raise ValueError("at least one office-hours session is needed")
        for start, end in self.office_hours:
            if start >= end or (previous is not None and start < previous):
                raise ValueError("office-hours sessions must be increasing and not overlap")
            previous = end
        return self


class DocumentSettings(BaseModel):
    """Uploaded documents and where their bytes live."""

    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_files_per_request: int = Field(default=20, ge=1)
    store_dir: str = "var/dossier-files"
    store_sync: Literal["group", "each"] = "group"
    """How stored blobs are made durable before a dossier refers to them: ``group``, one ``syncfs`` of
    the store's file system shared by the uploads of the moment (Linux; elsewhere ``each``); ``each``, an
    ``fsync`` of every file and its directory."""
    upload_retention_days: int | None = Field(default=None, ge=1)
    """Days a citizen's uploads are kept after their dossier closed (returned, refused or withdrawn); then
    the scheduled purge deletes them. None (the default) keeps them: the period is the agency's archive
    period, which the sector's retention list sets per procedure, so a deployment sets it knowingly."""
    purge_interval: float = Field(default=3600.0, gt=0)
    """Seconds between two passes of the purge (one replica runs it)."""
    purge_batch: int = Field(default=500, ge=1)
    purge_grace: float = Field(default=3600.0, ge=0)
    """A stored file no document references any more is deleted only when untouched this long (an upload
    or reuse of the same bytes in flight touches it)."""


class DeadlineSettings(BaseModel):
    """The scheduled deadline job."""

    enabled: bool = True
    sweep_interval: float = Field(default=60.0, gt=0)
    supplement_wait_days: float = Field(default=15, gt=0)
    """Working days a dossier waits for a supplement before the job moves it on."""
    supplement_expiry: Literal["reject", "resume"] = "reject"
    """What happens then: the dossier stops (refused), or processing resumes without the supplement."""
    batch_size: int = Field(default=200, ge=1)
    max_extensions: int | None = Field(default=1, ge=0)
    """Extensions (form 04: apology and a new appointment) one dossier may have; None for no limit. The
    default is ours: Nghị định 118/2025/NĐ-CP's article on it was not found (see the README's Papers)."""
    extension_max_days: float | None = Field(default=None, gt=0)
    """The most working days one extension may add; None for no limit."""


DEV_SMS_SECRET = "motcua-dev-sms-inbound-secret"  # noqa: S105 - a development default
"""The development key of the inbound SMS webhook (the sandbox phone signs with it); refused in production."""


class SmsLookupSettings(BaseModel):
    """Look-up by SMS: the provider's signed inbound webhook and the per-phone limit."""

    secret: SecretStr = Field(
        default=SecretStr(DEV_SMS_SECRET),
        description="HMAC-SHA256 key the SMS provider signs inbound messages with (shared with it).",
    )
    window_seconds: int = Field(
        default=300, ge=30, le=3600, description="How far a message's signed timestamp may be from now."
    )
    per_phone_burst: int = Field(default=5, ge=1, description="Look-ups one phone may send at once.")
    per_phone_per_hour: int = Field(default=10, ge=1, description="Look-ups one phone earns back an hour.")


class LookupSettings(BaseModel):
    """The public status lookup's limits (per replica, in memory)."""

    per_client_per_minute: int = Field(default=30, ge=1)
    failures_per_code_per_hour: int = Field(
        default=10, ge=1, description="Wrong proofs on a code after which it takes only the receipt's secret."
    )
    failures_per_client_code_per_hour: int = Field(
        default=5, ge=1, description="Wrong proofs one client may make on one code in an hour."
    )
    trust_forwarded_for: bool = True
    """Take the client address the gateway appended to `X-Forwarded-For` (the service sits behind it)."""
    sms: SmsLookupSettings = SmsLookupSettings()


class PaperSettings(BaseModel):
    """The forms of Thông tư 03/2025/TT-VPCP rendered as PDF."""

    font_path: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    bold_font_path: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
    governing_body: str = "Ủy ban nhân dân thành phố Huế"
    """The first line of every header: the body the issuing unit belongs to (per deployment)."""
    place: str = "Huế"
    """The place on the place-and-date line."""


class Settings(ServiceSettings):
    """Configuration of dossier-svc."""

    model_config = SettingsConfigDict(
        env_prefix="DOSSIER_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    service_name: str = "dossier"
    http: HttpSettings = HttpSettings(port=8002)
    workers: int = Field(default=1, ge=1, le=64)
    """Worker processes of `python -m dossier_svc` on its port (replicas of one another)."""
    db: DbSettings = DbSettings(url="sqlite+aiosqlite:///var/dossier.db")
    calendar: CalendarSettings = CalendarSettings()
    documents: DocumentSettings = DocumentSettings()
    deadlines: DeadlineSettings = DeadlineSettings()
    lookup: LookupSettings = LookupSettings()
    papers: PaperSettings = PaperSettings()
    signing: SigningSettings = SigningSettings()
    """Who signs the papers: each agency's certificate (the development CA's until configured)."""

    @model_validator(mode="after")
    def _production_is_configured(self) -> Settings:
        if self.env == "production":
            if self.lookup.sms.secret.get_secret_value() == DEV_SMS_SECRET:
                raise ValueError("production needs the SMS provider's key (DOSSIER_LOOKUP__SMS__SECRET)")
            refuse_development_authority(self.signing)
        return self

    @property
    def sandbox_enabled(self) -> bool:
        """Whether the sandbox phone may send look-ups (everywhere but production)."""
        return self.env != "production"

    def lookup_link(self, code: str, secret: str) -> str:
        """The citizen app's look-up screen for one dossier, with its proof: what a paper's QR code encodes.

        The app (served at the public URL's `/`) reads `code` and `proof` and asks `/api/v1/lookup/{code}`.
        """
        return f"{self.public_url}/tra-cuu?{urlencode({'code': code, 'proof': secret})}"

    def result_verify_link(self, document_id: str) -> str:
        """The citizen app's verify screen for an issued result: what the result's stamp's QR code encodes.

        The app reads the reference and asks `/api/v1/verify/results/{reference}`.
        """
        return f"{self.public_url}/xac-thuc/ket-qua/{quote(document_id, safe='')}"
