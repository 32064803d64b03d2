"""Gateway settings: env vars prefixed `GATEWAY_`, nested with `__` (`GATEWAY_UPSTREAMS__CATALOG`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from motcua_shared.chassis.settings import DbSettings, HttpSettings, ServiceSettings


class Upstreams(BaseModel):
    """Base URLs of the services (stack and containers); unused in the embedded mode."""

    catalog: str = "http://127.0.0.1:8001"
    dossier: str = "http://127.0.0.1:8002"
    payment: str = "http://127.0.0.1:8003"
    notify: str = "http://127.0.0.1:8004"


class ExternalIssuer(BaseModel):
    """An OpenID Connect provider (e.g. VNeID) whose ID tokens sign a citizen in.

    ``phone_claim`` names the claim holding the verified phone number, which binds the external identity to
    the same citizen account the phone OTP reaches.
    """

    issuer: str
    jwks_url: str
    audience: str
    phone_claim: str = "phone_number"
    algorithms: list[Literal["RS256", "EdDSA", "ES256"]] = ["RS256"]


class DemoAccount(BaseModel):
    """A staff account created at start in the development mode only."""

    username: str
    password: SecretStr
    role: Literal["officer", "admin"]
    display_name: str
    agency_code: str | None = None


class DemoClient(BaseModel):
    """An integrator client created at start in the development mode only."""

    client_id: str
    client_secret: SecretStr
    name: str
    scopes: list[str]


DEMO_ACCOUNTS = [
    DemoAccount(
        username="admin",
        password=SecretStr("motcua-admin"),
        role="admin",
        display_name="Quản trị hệ thống",
    ),
    DemoAccount(
        username="canbo.tuphap",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Nguyễn Thị Hương (Sở Tư pháp)",
        agency_code="hue.so-tu-phap",
    ),
    DemoAccount(
        username="canbo.xaydung",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Trần Văn Minh (Sở Xây dựng)",
        agency_code="hue.so-xay-dung",
    ),
    DemoAccount(
        username="canbo.phuxuan",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Lê Thị Thu (UBND phường Phú Xuân)",
        agency_code="hue.xa.phu-xuan",
    ),
    # One officer for every other agency a seeded procedure's workflow names, so that the demo accounts
    # can take every seeded procedure from submission to result (a system test walks each one).
    DemoAccount(
        username="canbo.giaoduc",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Phạm Thị Hạnh (Sở Giáo dục và Đào tạo)",
        agency_code="hue.so-giao-duc",
    ),
    DemoAccount(
        username="canbo.thpt",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Lê Văn Minh (trường trung học phổ thông nơi học sinh chuyển đến)",
        agency_code="hue.truong-thpt",
    ),
    DemoAccount(
        username="canbo.taichinh",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Hoàng Văn Nam (Sở Tài chính)",
        agency_code="hue.so-tai-chinh",
    ),
    DemoAccount(
        username="canbo.congthuong",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Đỗ Thị Lan (Sở Công Thương)",
        agency_code="hue.so-cong-thuong",
    ),
    DemoAccount(
        username="canbo.noivu",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Võ Văn Tâm (Sở Nội vụ)",
        agency_code="hue.so-noi-vu",
    ),
    DemoAccount(
        username="canbo.datdai",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Ngô Thị Hoa (Văn phòng Đăng ký đất đai)",
        agency_code="hue.vpdkdd",
    ),
    DemoAccount(
        username="canbo.nnmt",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Hồ Văn Tâm (Sở Nông nghiệp và Môi trường)",
        agency_code="hue.so-nong-nghiep-moi-truong",
    ),
    DemoAccount(
        username="canbo.ttpvhcc",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Bùi Thị Mai (Trung tâm Phục vụ hành chính công)",
        agency_code="hue.ttpvhcc",
    ),
    DemoAccount(
        username="canbo.ubndtp",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Lê Văn Hùng (Văn phòng UBND thành phố)",
        agency_code="hue",
    ),
    DemoAccount(
        username="canbo.congan",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Trương Văn Đức (Công an thành phố)",
        agency_code="hue.cong-an",
    ),
    DemoAccount(
        username="canbo.conganxa",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Phan Thị Ngọc (Công an cấp xã)",
        agency_code="hue.cong-an-xa",
    ),
    DemoAccount(
        username="canbo.ubndxa",
        password=SecretStr("motcua-canbo"),
        role="officer",
        display_name="Huỳnh Văn Phúc (UBND cấp xã)",
        agency_code="hue.ubnd-xa",
    ),
]
DEMO_CLIENTS = [
    DemoClient(
        client_id="demo-integrator",
        client_secret=SecretStr("motcua-integrator-secret"),
        name="Cổng dịch vụ công quốc gia (thử nghiệm)",
        scopes=["events:read", "webhooks:write", "dossiers:read"],
    )
]


class IdentitySettings(BaseModel):
    """Token issuing, sign-in rules and who is trusted."""

    signing_key_path: Path = Path("var/gateway/signing-key.pem")
    issuer: str = "motcua"
    audience: str = "motcua"
    generate_missing_key: bool = True
    access_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=3600)
    otp_ttl_seconds: int = Field(default=300, ge=30, le=900)
    otp_max_attempts: int = Field(default=5, ge=1, le=10)
    login_max_failures: int = Field(
        default=5, ge=1, description="Wrong passwords in a row from one address on one name before it waits."
    )
    login_lock_seconds: int = Field(
        default=900,
        ge=1,
        description="The longest wait of an address that keeps failing (it doubles up to it).",
    )
    otp_pepper: SecretStr | None = Field(
        default=None, description="HMAC key of stored OTP hashes; derived from the signing key when unset."
    )
    password_hashes_at_once: int = Field(
        default=1,
        ge=1,
        description="Password hashes (argon2id, 64 MiB each while it runs) one process computes at once; "
        "the sign-ins beyond wait for a turn.",
    )
    password_hash_wait_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a sign-in waits for a turn to hash before a 503 with Retry-After.",
    )
    external_issuers: list[ExternalIssuer] = []
    demo_accounts: bool = False
    demo_staff: list[DemoAccount] = DEMO_ACCOUNTS
    demo_clients: list[DemoClient] = DEMO_CLIENTS


class ProxySettings(BaseModel):
    """Timeouts and the connection pool towards the upstreams."""

    connect_timeout: float = Field(default=2.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    max_connections: int = Field(default=200, ge=1)


class Bucket(BaseModel):
    """A token bucket: ``burst`` requests at once, refilled at ``per_minute``."""

    burst: int = Field(ge=1)
    per_minute: float = Field(gt=0)


class RateLimitSettings(BaseModel):
    """Token buckets per IP and per subject (phone, username, client, token subject)."""

    enabled: bool = True
    otp_per_phone: Bucket = Bucket(burst=3, per_minute=1)
    otp_per_ip: Bucket = Bucket(burst=10, per_minute=5)
    sign_in_per_ip: Bucket = Bucket(burst=20, per_minute=10)
    sign_in_per_subject: Bucket = Bucket(burst=10, per_minute=5)
    lookup_per_ip: Bucket = Bucket(burst=30, per_minute=30)
    writes_per_ip: Bucket = Bucket(burst=120, per_minute=120)
    writes_per_subject: Bucket = Bucket(burst=60, per_minute=60)
    max_keys: int = Field(default=100_000, ge=100, description="Buckets kept before the idlest are dropped.")


class EdgeSettings(BaseModel):
    """What the public edge allows: browser origins and body sizes."""

    cors_origins: list[str] = ["http://localhost:5173", "http://127.0.0.1:5173"]
    max_body_bytes: int = Field(default=1 << 20, ge=1024)
    max_upload_bytes: int = Field(default=25 << 20, ge=1024)
    hsts: bool = False


class DocsSettings(BaseModel):
    """The merged OpenAPI document."""

    cache_seconds: float = Field(default=60.0, ge=0)
    fetch_timeout: float = Field(default=3.0, gt=0)


class Settings(ServiceSettings):
    """Configuration of the gateway: the chassis's settings (``GATEWAY_DB__URL``, ``GATEWAY_BUS__KIND``, …)
    and the gateway's own sections."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_")

    service_name: str = "gateway"
    http: HttpSettings = HttpSettings(port=8000)
    db: DbSettings = DbSettings(url="sqlite+aiosqlite:///var/gateway.db")
    upstreams: Upstreams = Upstreams()
    identity: IdentitySettings = IdentitySettings()
    proxy: ProxySettings = ProxySettings()
    limits: RateLimitSettings = RateLimitSettings()
    edge: EdgeSettings = EdgeSettings()
    docs: DocsSettings = DocsSettings()
    web_dir: Path | None = Field(
        default=None,
        description="The web clients: `clients.json` (each client's folder and mount) and each built client "
        "in `<folder>/dist`, served at its mount (the citizen app at `/`, the desk at `/desk/`) when built; "
        "the repository's `web/` when unset.",
    )

    @model_validator(mode="after")
    def _production_is_real(self) -> Settings:
        if self.env != "production":
            return self
        if self.identity.generate_missing_key:
            raise ValueError("production must be given its signing key (identity.generate_missing_key=false)")
        if self.identity.demo_accounts:
            raise ValueError("demo accounts exist only in development (identity.demo_accounts=false)")
        if self.db.url.startswith("sqlite"):
            raise ValueError("production needs PostgreSQL, not SQLite")
        return self

    @model_validator(mode="after")
    def _verifies_its_own_tokens(self) -> Settings:
        # The chassis verifies tokens against ``auth``; the gateway's are the ones its identity issues.
        self.auth = self.auth.model_copy(
            update={"issuer": self.identity.issuer, "audience": self.identity.audience}
        )
        return self
