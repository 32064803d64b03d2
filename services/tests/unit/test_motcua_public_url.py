"""One public base URL for the whole platform; `motcua run` refuses a taken port before it touches `var/`."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from dossier_svc.settings import Settings as DossierSettings
from gateway.app import create_app as create_gateway
from gateway.settings import IdentitySettings
from gateway.settings import Settings as GatewaySettings
from motcua.cli import app
from motcua.infra.ports import LOOPBACK
from motcua_shared.chassis.settings import DbSettings, listening_url
from payment_svc.sandbox.settings import SandboxSettings
from payment_svc.settings import Settings as PaymentSettings

PUBLIC = "https://dichvucong.hue.gov.vn"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("MOTCUA_PUBLIC_URL", "PAYMENT_PUBLIC_URL", "DOSSIER_PUBLIC_URL", "GATEWAY_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read


def test_every_link_starts_with_motcua_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_PUBLIC_URL", PUBLIC + "/")
    payment = PaymentSettings()
    assert payment.gateway().pay_url == f"{PUBLIC}/api/v1/payments/providers/sandbox/site/pay"
    assert payment.callback_url("sandbox", "return") == f"{PUBLIC}/api/v1/payments/providers/sandbox/return"
    sandbox = SandboxSettings()
    assert sandbox.ipn_url == f"{PUBLIC}/api/v1/payments/providers/sandbox/ipn"
    assert sandbox.bank_notify_url == f"{PUBLIC}/api/v1/payments/providers/bank/notify"
    qr = DossierSettings().lookup_link("hue.xa.thuan-hoa-261206-0001", "a b&c")
    assert qr == f"{PUBLIC}/tra-cuu?code=hue.xa.thuan-hoa-261206-0001&proof=a+b%26c"
    assert GatewaySettings().public_url == PUBLIC


def test_the_default_is_where_motcua_run_listens_and_a_service_may_override() -> None:
    assert PaymentSettings().callback_url("bank", "notify").startswith("http://127.0.0.1:8000/api/v1/")
    assert PaymentSettings(public_url="http://127.0.0.1:8100").gateway().pay_url == (
        "http://127.0.0.1:8100/api/v1/payments/providers/sandbox/site/pay"
    )
    assert listening_url("0.0.0.0", 8100) == "http://127.0.0.1:8100"
    assert listening_url("192.0.2.10", 8100) == "http://192.0.2.10:8100"


def test_the_service_setting_wins_over_the_platform_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("PAYMENT_PUBLIC_URL", "https://pay.example.vn")
    assert PaymentSettings().public_url == "https://pay.example.vn"
    assert DossierSettings().public_url == PUBLIC


async def test_the_discovery_document_names_the_public_url(tmp_path: Path) -> None:
    settings = GatewaySettings(
        env="test",
        db=DbSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"),
        identity=IdentitySettings(signing_key_path=tmp_path / "key.pem"),
        public_url=PUBLIC,
        log_json=False,
    )
    gateway = create_gateway(settings)
    async with gateway.router.lifespan_context(gateway):
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.5:8000") as client:
            found = (await client.get("/.well-known/openid-configuration")).json()
    assert found["jwks_uri"] == f"{PUBLIC}/.well-known/jwks.json"
    assert found["token_endpoint"] == f"{PUBLIC}/api/v1/auth/token"


def test_a_taken_port_is_refused_before_anything_is_migrated(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((LOOPBACK, 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = CliRunner().invoke(app, ["run", "--port", str(port), "--var-dir", str(var_dir)])
    assert result.exit_code == 1, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "--port" in result.output
    assert not var_dir.exists(), "nothing was migrated or seeded"
