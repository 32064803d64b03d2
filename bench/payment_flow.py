"""Benchmark of payment-svc's hot paths, in-process over ASGI (embedded mode: SQLite + LocalBus).

Measures, each beside its target:

* checkout latency (``POST /api/v1/payments``, gateway method: signed redirect built, attempt stored);
* IPN latency for first deliveries (verify, lock, credit, receipt number, outbox) and for replays;
* VietQR payload + PNG rendering;
* PDF receipt rendering.

Run ``uv run python bench/payment_flow.py`` (``--quick`` for a smoke run). Results go to
``bench/results/payment_flow-<UTC>.json`` and ``bench/results/payment_flow.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from durability import sqlite_label, sqlite_settings

from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.keys import SigningKey, issue_token, jwks
from motcua_shared.chassis.settings import BusSettings, DbSettings
from motcua_shared.contracts.common import Actor, ActorRole, Channel, Contact, FeeItem, FeeKind, FeeTiming
from motcua_shared.contracts.dossier import DossierStatus, DossierSubmitted
from payment_svc.app import create_app
from payment_svc.payments import service
from payment_svc.payments.models import Payment
from payment_svc.ports import Ports
from payment_svc.providers import vietqr
from payment_svc.receipts import pdf
from payment_svc.settings import JobSettings, Settings
from payment_svc.uow import PaymentUnitOfWork

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS_MS = {
    "checkout_p95": 50.0,
    "ipn_first_p95": 50.0,
    "ipn_replay_p95": 20.0,
    "vietqr_png_p95": 20.0,
    "receipt_pdf_p95": 500.0,  # font subsetting dominates; a download, rarely on a hot path
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(pct(values, 0.5), 3),
        "p95": round(pct(values, 0.95), 3),
        "max": round(max(values), 3),
        "mean": round(statistics.fmean(values), 3),
    }


def submitted(i: int) -> DossierSubmitted:
    items = (
        FeeItem(name="Lệ phí đăng ký kết hôn", kind=FeeKind.LE_PHI, amount=30_000),
        FeeItem(name="Phí cấp bản sao trích lục", kind=FeeKind.PHI, amount=8_000),
    )
    return DossierSubmitted(
        dossier_code=f"hue.xa.thuan-hoa-250804-{i:05d}",
        procedure_code="1.000894",
        agency_code="hue.xa.thuan-hoa",
        applicant_id="citizen-bench",
        status=DossierStatus.SUBMITTED,
        national_status=1,
        occurred_at=datetime.now(UTC),
        actor=Actor(id="citizen-bench", role=ActorRole.CITIZEN),
        procedure_version=1,
        procedure_name="Đăng ký kết hôn",
        agency_name="Ủy ban nhân dân phường Thuận Hóa",
        channel=Channel.ONLINE,
        applicant=Contact(name="Nguyễn Thị Hương", phone="+84905123456"),
        fee_items=items,
        fee_total=38_000,
        fee_timing=FeeTiming.SUBMISSION,
        processing_days=5,
    )


async def run(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="payment-bench-") as tmp:
        key = SigningKey.generate()
        bus = LocalBus(Path(tmp) / "bus.db", partitions=2)
        await bus.start()
        settings = Settings(
            env="test",
            db=DbSettings(url=f"sqlite+aiosqlite:///{Path(tmp) / 'payment.db'}"),
            bus=BusSettings(kind="memory", partitions=2, consume=False),
            jobs=JobSettings(enabled=False),
        )
        app = create_app(settings, bus=bus, key_source=lambda: jwks([key]), configure_logs=False)
        token = issue_token(
            key,
            subject="citizen-bench",
            role="citizen",
            issuer="motcua",
            audience="motcua",
            ttl=timedelta(hours=1),
        )
        auth = {"Authorization": f"Bearer {token}"}
        try:
            async with app.router.lifespan_context(app):
                ports: Ports = app.state.ports
                payments: list[Payment] = []
                for i in range(n):
                    uow = app.state.runtime.uow()
                    assert isinstance(uow, PaymentUnitOfWork)
                    async with uow:
                        made = await service.request_for_submission(
                            uow, submitted(i), now=ports.now(), ttl=timedelta(days=7)
                        )
                        await uow.commit()
                    assert made is not None
                    payments.append(made)
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://payment") as client:
                    checkout_ms: list[float] = []
                    redirects: list[str] = []
                    for payment in payments:
                        started = time.perf_counter()
                        answer = await client.post(
                            "/api/v1/payments",
                            json={"payment_id": payment.id, "method": "gateway"},
                            headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                        )
                        checkout_ms.append((time.perf_counter() - started) * 1000)
                        assert answer.status_code == 201, answer.text
                        redirects.append(answer.json()["gateway"]["redirect_url"])
                    ipns: list[dict[str, str]] = []
                    for redirect in redirects:
                        parts = urlsplit(redirect)
                        await client.get(f"{parts.path}?{parts.query}")
                        ref = dict(parse_qsl(parts.query))["vnp_TxnRef"]
                        decided = await client.post(
                            parts.path.rsplit("/", 1)[0] + "/decide",
                            data={"txn_ref": ref, "decision": "approve", "lose_ipn": "1"},
                        )
                        ipns.append(dict(parse_qsl(decided.headers["location"].split("?", 1)[1])))
                    first_ms: list[float] = []
                    replay_ms: list[float] = []
                    for params in ipns:
                        started = time.perf_counter()
                        answer = await client.get("/api/v1/payments/providers/sandbox/ipn", params=params)
                        first_ms.append((time.perf_counter() - started) * 1000)
                        assert answer.json()["RspCode"] == "00", answer.text
                    for params in ipns:
                        started = time.perf_counter()
                        answer = await client.get("/api/v1/payments/providers/sandbox/ipn", params=params)
                        replay_ms.append((time.perf_counter() - started) * 1000)
                        assert answer.json()["RspCode"] == "02"
                qr_ms: list[float] = []
                for payment in payments[: max(10, n // 4)]:
                    started = time.perf_counter()
                    vietqr.png(
                        vietqr.payload(
                            bank_bin="970415",
                            account="113000118888",
                            amount=38_000,
                            purpose=payment.reference,
                        )
                    )
                    qr_ms.append((time.perf_counter() - started) * 1000)
                pdf_ms: list[float] = []
                uow = app.state.runtime.uow()
                assert isinstance(uow, PaymentUnitOfWork)
                async with uow:
                    paid = [p for p in [await uow.payments.get(p.id) for p in payments[:20]] if p is not None]
                for payment in paid:
                    started = time.perf_counter()
                    link = settings.public_url
                    pdf.render(payment, receipts=settings.receipts, bank=settings.bank, verify_url=link)
                    pdf_ms.append((time.perf_counter() - started) * 1000)
        finally:
            await bus.stop()
        # payment-svc's database, opened as the service opens it: the pragmas it ran with.
        storage = sqlite_settings(settings.db.url)
    return {
        "storage": storage,
        "checkout_ms": summary(checkout_ms),
        "ipn_first_ms": summary(first_ms),
        "ipn_replay_ms": summary(replay_ms),
        "vietqr_png_ms": summary(qr_ms),
        "receipt_pdf_ms": summary(pdf_ms),
    }


def write(results: dict[str, Any], quick: bool) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    doc = {
        "benchmark": "payment_flow",
        "at": stamp,
        "quick": quick,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "targets_ms": TARGETS_MS,
        "results": results,
    }
    path = RESULTS / f"payment_flow-{stamp}.json"
    path.write_text(json.dumps(doc, indent=2))
    rows = [
        ("checkout (gateway) p95", results["checkout_ms"]["p95"], TARGETS_MS["checkout_p95"]),
        ("IPN first delivery p95", results["ipn_first_ms"]["p95"], TARGETS_MS["ipn_first_p95"]),
        ("IPN replay p95", results["ipn_replay_ms"]["p95"], TARGETS_MS["ipn_replay_p95"]),
        ("VietQR payload + PNG p95", results["vietqr_png_ms"]["p95"], TARGETS_MS["vietqr_png_p95"]),
        ("PDF receipt p95", results["receipt_pdf_ms"]["p95"], TARGETS_MS["receipt_pdf_p95"]),
    ]
    lines = [
        "# payment-svc flow benchmark",
        "",
        f"{stamp}{' (quick)' if quick else ''}, embedded mode (SQLite + LocalBus), "
        "in-process ASGI, one client.",
        "",
        f"Storage: {sqlite_label(results['storage'])}.",
        "",
        "| measure | result (ms) | target (ms) | met |",
        "| --- | ---: | ---: | :---: |",
        *(
            f"| {name} | {value:.2f} | {target:.0f} | {'yes' if value <= target else 'NO'} |"
            for name, value, target in rows
        ),
        "",
        f"Samples: {results['checkout_ms']['n']} payments. Raw figures: `{path.name}`.",
        "",
    ]
    (RESULTS / "payment_flow.md").write_text("\n".join(lines))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run (20 payments)")
    parser.add_argument("--payments", type=int, default=300, help="how many payments to drive")
    args = parser.parse_args()
    n = 20 if args.quick else args.payments
    results = asyncio.run(run(n))
    path = write(results, args.quick)
    print((RESULTS / "payment_flow.md").read_text())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
