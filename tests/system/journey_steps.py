"""The citizen's journey through the gateway's public HTTP API, step by step, whatever runs behind it.

Every step speaks HTTP to the gateway only (and, to pay, to the sandbox provider's pages, as a payer's browser
would). The same steps run against the embedded platform over ASGI and against the stack over sockets: the
client decides which. Asynchronous effects (events crossing services) are awaited by polling with a deadline;
a deadline that passes fails the test with what was last seen, never a sleep standing for an assertion.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import struct
import unicodedata
import uuid
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from motcua.embedded import create_platform
from motcua.infra.ports import port_is_free
from motcua.services import seed_all
from motcua_shared.testing import authorization, eventually

API = "/api/v1"
OTP_CODE = re.compile(r"\b(\d{6})\b")


def fold(text: str) -> str:
    """Lowercase, without diacritics (``đ`` → ``d``): SMS may be sent without them."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def new_phone() -> tuple[str, str]:
    """A fresh Vietnamese mobile number, as typed (``0905…``) and in E.164 (``+84905…``)."""
    digits = f"{uuid.uuid4().int % 1_000_000:06d}"
    return f"0905{digits}", f"+84905{digits}"


def expect(response: httpx.Response, status: int) -> Any:
    """The JSON body of ``response`` after checking its status (the body is in the failure message)."""
    assert response.status_code == status, f"{response.request.method} {response.request.url.path}: " + (
        f"{response.status_code} {response.text[:2000]}"
    )
    return response.json() if response.content else None


def expect_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """An RFC 9457 problem with ``status``."""
    body: dict[str, Any] = expect(response, status)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    assert body["status"] == status
    return body


def free_port_block(size: int) -> int:
    """The first of ``size`` consecutive ports free now, chosen below the ephemeral range.

    Outgoing connections (Kafka and PostgreSQL clients, HTTP pools, other test runs on the machine) take their
    source ports from the ephemeral range, so a block chosen there is often taken between the choice and the
    stack's bind; below it only listeners bind, and they do so on purpose.
    """
    try:
        ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    chooser = random.Random()
    for _ in range(200):
        base = chooser.randrange(20000, max(ephemeral_low, 20000 + 2 * size) - size)
        if all(port_is_free(base + i) for i in range(size)):
            return base
    raise RuntimeError(f"no {size} free consecutive ports below {ephemeral_low}")


@contextlib.asynccontextmanager
async def platform_over_asgi(
    var_dir: Path, public_url: str, client: str = "203.0.113.7"
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The embedded platform, seeded as `motcua run` seeds it, served over ASGI in this loop: the app, and a
    client calling it from the address ``client`` at ``public_url`` (the host the payment provider's redirect
    names)."""
    await seed_all(var_dir)
    app = create_platform(var_dir, public_url=public_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client, 40000))
        async with httpx.AsyncClient(transport=transport, base_url=public_url, timeout=30) as http:
            yield app, http


# -- real files a citizen would attach ------------------------------------------------------------------


def pdf_bytes(text: str) -> bytes:
    """A small, well-formed one-page PDF (objects, cross-reference table and trailer) showing ``text``."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_bytes(width: int = 48, height: int = 32) -> bytes:
    """A valid RGB PNG (signature, IHDR, IDAT, IEND with their CRCs): a grey gradient, like a scan."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in ((x * 5 + y) % 256,) * 3) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# -- a procedure's online case and the files it asks for -------------------------------------------


def online_case(procedure: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The first case whose online channel charges a fee, and that fee."""
    for case in procedure["cases"]:
        for channel in case["channels"]:
            fee = sum(item["amount"] for item in channel["fee_items"])
            if channel["channel"] == "online" and fee > 0:
                return case, fee
    raise AssertionError(f"{procedure['code']} charges nothing online")


def documents_for(procedure: dict[str, Any], case_code: str) -> dict[str, tuple[str, bytes, str]]:
    """A file per required document of the case: the declaration as a PDF, the rest as scans (PNG)."""
    required = [
        d
        for d in procedure["documents"]
        if d["required"] and (not d["case_codes"] or case_code in d["case_codes"])
    ]
    assert required, "the procedure asks for documents"
    files = {required[0]["code"]: ("to-khai.pdf", pdf_bytes("To khai ly lich tu phap"), "application/pdf")}
    for document in required[1:]:
        files[document["code"]] = (f"{document['code']}.png", png_bytes(), "image/png")
    return files


# -- the people ----------------------------------------------------------------------------------------


@dataclass
class Person:
    """Someone signed in: their token and who the gateway says they are."""

    token: str
    me: dict[str, Any]
    phone: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        """Their Authorization header."""
        return authorization(self.token)


@dataclass
class Journey:
    """The gateway client and how long asynchronous steps may take on this platform."""

    client: httpx.AsyncClient
    timeout: float = 30.0

    async def sms_to(self, phone: str) -> list[dict[str, Any]]:
        """Every SMS the sandbox provider received for ``phone`` (E.164), newest first."""
        page = expect(await self.client.get(f"{API}/sandbox/sms", params={"phone": phone, "limit": 100}), 200)
        items: list[dict[str, Any]] = page["items"]
        return items

    async def sign_in_citizen(self, typed_phone: str, phone: str) -> Person:
        """OTP sign-in: ask for a code, read it from notify's SMS sandbox, exchange it for tokens."""
        seen = {m["id"] for m in await self.sms_to(phone)}
        challenge = expect(await self.client.post(f"{API}/auth/otp", json={"phone": typed_phone}), 202)

        async def code() -> str | None:
            for message in await self.sms_to(phone):
                found = OTP_CODE.search(message["text"])
                if message["id"] not in seen and found:
                    return found.group(1)
            return None

        otp = await eventually(code, what="the OTP by SMS", timeout=self.timeout, interval=0.2)
        wrong = "000000" if otp != "000000" else "111111"
        refused = await self.client.post(
            f"{API}/auth/token",
            json={"grant_type": "otp", "challenge_id": challenge["challenge_id"], "code": wrong},
        )
        assert refused.status_code in (400, 401), refused.text
        tokens = expect(
            await self.client.post(
                f"{API}/auth/token",
                json={"grant_type": "otp", "challenge_id": challenge["challenge_id"], "code": otp},
            ),
            200,
        )
        me = expect(
            await self.client.get(f"{API}/auth/me", headers=authorization(tokens["access_token"])), 200
        )
        assert me["role"] == "citizen"
        assert me["phone"] == phone
        return Person(tokens["access_token"], me, phone)

    async def sign_in_staff(self, username: str, password: str) -> Person:
        """Username and password sign-in of an officer (the demo accounts)."""
        tokens = expect(
            await self.client.post(f"{API}/auth/login", json={"username": username, "password": password}),
            200,
        )
        me = expect(
            await self.client.get(f"{API}/auth/me", headers=authorization(tokens["access_token"])), 200
        )
        return Person(tokens["access_token"], me)

    async def no_quiet_hours(self, citizen: Person) -> None:
        """Turn the citizen's quiet hours off, so the steps' SMS leave at any hour the test runs."""
        prefs = expect(
            await self.client.put(
                f"{API}/me/preferences",
                json={"channels": {"sms": True, "email": True, "push": True}, "quiet_hours": None},
                headers=citizen.headers,
            ),
            200,
        )
        assert prefs["quiet_hours"] is None

    async def find_procedure(self, query: str, name_part: str) -> dict[str, Any]:
        """Search the catalogue anonymously; open the first hit naming ``name_part`` that charges a fee."""
        found = expect(await self.client.get(f"{API}/procedures", params={"q": query, "size": 10}), 200)
        assert found["match"] == "exact", found["match"]
        hits = [p for p in found["items"] if name_part in p["name"] and p["min_fee"] > 0]
        assert hits, [p["name"] for p in found["items"]]
        detail: dict[str, Any] = expect(await self.client.get(f"{API}/procedures/{hits[0]['code']}"), 200)
        return detail

    async def wait_until_dossier_knows(self, citizen: Person, procedure_code: str) -> None:
        """Wait for dossier-svc's replica of the catalogue: a draft is refused (422) until it has it."""

        async def draft() -> str | None:
            response = await self.client.post(
                f"{API}/dossiers/drafts", json={"procedure_code": procedure_code}, headers=citizen.headers
            )
            if response.status_code == 422:
                return None
            body = expect(response, 201)
            code: str = body["code"]
            return code

        code = await eventually(
            draft, what=f"dossier-svc learning {procedure_code}", timeout=self.timeout, interval=0.2
        )
        expect(await self.client.delete(f"{API}/dossiers/{code}", headers=citizen.headers), 204)

    async def submit(
        self, citizen: Person, submission: dict[str, Any], files: dict[str, tuple[str, bytes, str]], key: str
    ) -> httpx.Response:
        """File a dossier in one multipart request with its documents and an ``Idempotency-Key``."""
        return await self.client.post(
            f"{API}/dossiers",
            data={"dossier": json.dumps(submission, ensure_ascii=False)},
            files=files,
            headers={**citizen.headers, "Idempotency-Key": key},
        )

    async def dossier(self, person: Person, code: str) -> httpx.Response:
        """``GET /dossiers/{code}`` as ``person``."""
        return await self.client.get(f"{API}/dossiers/{code}", headers=person.headers)

    async def act(
        self, person: Person, code: str, action: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        """``POST /dossiers/{code}/actions/{action}`` as ``person``."""
        return await self.client.post(
            f"{API}/dossiers/{code}/actions/{action}", json=body or {}, headers=person.headers
        )

    async def import_procedures(self, admin: Person, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Import procedures into the catalogue as an admin (each row published as its version)."""
        report: dict[str, Any] = expect(
            await self.client.post(
                f"{API}/procedures/import", json={"procedures": rows}, headers=admin.headers
            ),
            200,
        )
        return report

    async def dossier_reaches(self, person: Person, code: str, status: str) -> dict[str, Any]:
        """Wait for the dossier to reach ``status`` (moved by an event, not by this client)."""

        async def there() -> dict[str, Any] | None:
            body: dict[str, Any] = expect(await self.dossier(person, code), 200)
            return body if body["status"] == status else None

        return await eventually(there, what=f"the dossier {status}", timeout=self.timeout, interval=0.2)

    async def payment_requested(self, citizen: Person, dossier_code: str) -> dict[str, Any]:
        """Wait for payment-svc to request the dossier's fee (from the dossier event its fee timing names)."""

        async def pending() -> dict[str, Any] | None:
            page = expect(
                await self.client.get(
                    f"{API}/payments", params={"dossier_code": dossier_code}, headers=citizen.headers
                ),
                200,
            )
            items: list[dict[str, Any]] = page["items"]
            return items[0] if items else None

        return await eventually(pending, what="the payment request", timeout=self.timeout, interval=0.2)

    async def pay_through_sandbox(self, citizen: Person, dossier_code: str, key: str) -> dict[str, Any]:
        """Check out through the payment gateway, open the provider's page and approve, as a browser would."""
        checkout = expect(
            await self.client.post(
                f"{API}/payments",
                json={"dossier_code": dossier_code, "method": "gateway"},
                headers={**citizen.headers, "Idempotency-Key": key},
            ),
            201,
        )
        redirect = checkout["gateway"]["redirect_url"]
        # The provider's own page: in the embedded mode it is mounted behind the gateway, in the stack it is
        # a process of its own; either way its absolute URL is what the payer's browser opens.
        page = await self.client.get(redirect)
        assert page.status_code == 200, page.text
        assert "Cổng thanh toán thử nghiệm" in page.text, page.text
        txn_ref = httpx.URL(redirect).params["vnp_TxnRef"]
        decided = await self.client.post(
            str(httpx.URL(redirect).join("decide")), data={"txn_ref": txn_ref, "decision": "approve"}
        )
        assert decided.status_code == 303, decided.text
        # Our return URL, given to the provider and followed by the payer's browser, is on the platform's
        # public address, which is where this client reaches the gateway.
        public = str(self.client.base_url).rstrip("/")
        return_url = httpx.URL(redirect).params["vnp_ReturnUrl"]
        assert return_url.startswith(f"{public}{API}/payments/providers/"), return_url
        assert decided.headers["location"].startswith(return_url), decided.headers["location"]
        return dict(checkout)

    async def follow_live_by_ticket(self, person: Person) -> dict[str, Any]:
        """Open the live stream as a browser's EventSource does (no Authorization header, a ticket instead)
        from the start of the inbox: its first notification; the ticket then opens nothing more."""
        issued = expect(await self.client.post(f"{API}/stream/tickets", headers=person.headers), 201)
        params = {"ticket": issued["ticket"], "last_event_id": "0"}
        data: dict[str, Any] | None = None
        async with self.client.stream("GET", f"{API}/stream", params=params) as response:
            assert response.status_code == 200, await response.aread()
            assert response.headers["content-type"].startswith("text/event-stream")
            async with asyncio.timeout(self.timeout):
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        data = json.loads(line.removeprefix("data: "))
                        break
        assert data is not None, "the stream ended without a notification"
        expect_problem(await self.client.get(f"{API}/stream", params=params), 401)
        return data

    async def payment_succeeded(self, citizen: Person, payment_id: str) -> dict[str, Any]:
        """Wait for the IPN to credit the payment."""

        async def paid() -> dict[str, Any] | None:
            body: dict[str, Any] = expect(
                await self.client.get(f"{API}/payments/{payment_id}", headers=citizen.headers), 200
            )
            return body if body["status"] == "succeeded" else None

        return await eventually(paid, what="the payment's success", timeout=self.timeout, interval=0.2)

    async def fee_settled(self, citizen: Person, code: str) -> dict[str, Any]:
        """Wait for dossier-svc to learn of the payment (``PaymentSucceeded``)."""

        async def settled() -> dict[str, Any] | None:
            body: dict[str, Any] = expect(await self.dossier(citizen, code), 200)
            return body if not body["fees"]["outstanding"] else None

        return await eventually(
            settled, what="the dossier's fee marked paid", timeout=self.timeout, interval=0.2
        )

    async def sms_about(self, phone: str, dossier_code: str, *phrases: str) -> list[str]:
        """Wait for one SMS to ``phone`` naming the dossier per phrase (compared without diacritics)."""

        async def all_there() -> list[str] | None:
            texts = [fold(m["text"]) for m in await self.sms_to(phone)]
            about = [t for t in texts if dossier_code.lower() in t]
            picked = [next((t for t in about if fold(p) in t), None) for p in phrases]
            assert all(picked), f"SMS so far: {about}"
            return [t for t in picked if t is not None]

        return await eventually(all_there, what=f"SMS {phrases}", timeout=self.timeout, interval=0.2)

    async def look_up_by_sms(self, typed_phone: str, text: str) -> None:
        """The sandbox phone ``typed_phone`` texts ``text`` to the service, signed as the provider."""
        sent = await self.client.post(f"{API}/lookup/sms/sandbox", json={"phone": typed_phone, "text": text})
        assert expect(sent, 200)["status"] == "answered"

    async def texts(self, phone: str, count: int) -> list[str]:
        """Wait until ``phone`` (E.164) has received ``count`` SMS; their texts, oldest first."""

        async def arrived() -> list[str] | None:
            texts = [m["text"] for m in reversed(await self.sms_to(phone))]
            return texts if len(texts) >= count else None

        return await eventually(arrived, what=f"{count} SMS", timeout=self.timeout, interval=0.2)

    async def inbox_has(self, person: Person, dossier_code: str, *event_types: str) -> list[dict[str, Any]]:
        """Wait until ``person``'s in-app inbox holds a notification of each event type for the dossier."""

        async def all_there() -> list[dict[str, Any]] | None:
            page = expect(
                await self.client.get(f"{API}/notifications", params={"limit": 100}, headers=person.headers),
                200,
            )
            mine = [n for n in page["items"] if n["dossier_code"] == dossier_code]
            missing = set(event_types) - {n["event_type"] for n in mine}
            assert not missing, f"missing {sorted(missing)}; have {[n['event_type'] for n in mine]}"
            return mine

        return await eventually(all_there, what=f"in-app {event_types}", timeout=self.timeout, interval=0.2)

    async def dead_letters_about(self, admin: Person, text: str) -> list[dict[str, Any]]:
        """Every service's dead letters whose event mentions ``text`` (the ops API, admin only)."""
        found: list[dict[str, Any]] = []
        for service in ("catalog", "dossier", "payment", "notify"):
            page = expect(
                await self.client.get(f"/ops/{service}/dlq", params={"limit": 200}, headers=admin.headers),
                200,
            )
            found += [{**letter, "service": service} for letter in page["items"] if text in letter["payload"]]
        return found
