"""Fixtures of catalog-svc's tests: a seeded app over ASGI, tokens for each role, the search quality cases."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from catalog_svc.app import MIGRATIONS, create_app
from catalog_svc.seed import seed
from catalog_svc.settings import Settings
from motcua_shared.chassis.auth import Role
from motcua_shared.chassis.bus.base import Bus
from motcua_shared.chassis.bus.local import LocalBus
from motcua_shared.chassis.migrations import aupgrade
from motcua_shared.chassis.settings import DbSettings
from motcua_shared.testing import Tokens

TOKENS = Tokens()


ADMIN = TOKENS.bearer("admin-1", Role.ADMIN)
CITIZEN = TOKENS.bearer("citizen-1", Role.CITIZEN)
OFFICER = TOKENS.bearer("officer-1", Role.OFFICER, "hue.so-tu-phap")


@dataclass(frozen=True)
class SearchCase:
    """A query, its filters, and what must come first (or be among the first hits)."""

    query: str
    first: str | None = None
    among_top: tuple[str, ...] = ()
    top: int = 3
    params: tuple[tuple[str, str], ...] = ()


#: Run on SQLite and on PostgreSQL alike. Codes are those of catalog_svc/data/procedures.json.
SEARCH_CASES: tuple[SearchCase, ...] = (
    SearchCase("giay phep xay dung", first="1.013225"),
    SearchCase("Cấp giấy phép xây dựng", first="1.013225"),
    SearchCase("xay dung giay phep", first="1.013225"),
    SearchCase("giay phep xd nha o", among_top=("1.013225",)),
    SearchCase("khai sinh", first="1.001193"),
    SearchCase("Đăng ký khai sinh", first="1.001193"),
    SearchCase("dang ky khai sin", first="1.001193"),
    SearchCase("ĐĂNG KÝ KẾT HÔN", first="1.000894"),
    SearchCase("ket hon", first="1.000894"),
    SearchCase("khai tu", first="1.000656"),
    SearchCase("ly lich tu phap", among_top=("3.000333",)),
    SearchCase("phieu ly lich tu phap cong dan", first="3.000333"),
    SearchCase("dang ky ho kinh doanh", first="1.001612"),
    SearchCase("thuong tru", first="1.004222"),
    SearchCase("đổi bằng lái", first="3.000347"),
    SearchCase("muc song trung binh", first="1.011609"),
    SearchCase("chung thuc ban sao", first="2.000815"),
    SearchCase("1.001193", first="1.001193"),
    SearchCase("chuyen truong", first="2.002478"),
    SearchCase("giay phep", among_top=("1.013225",), params=(("field", "xaydung"),)),
    SearchCase(
        "phu hieu", among_top=("2.002288",), top=8, params=(("online", "full"), ("level", "province"))
    ),
    SearchCase("khai sinh", first="1.001193", params=(("agency", "hue.ubnd-xa"),)),
)


@pytest.fixture
def search_cases() -> tuple[SearchCase, ...]:
    """The shared search quality cases."""
    return SEARCH_CASES


def settings_for(url: str, **overrides: Any) -> Settings:
    """Settings on database ``url``, checking tokens signed by :data:`TOKENS`."""
    return Settings(db=DbSettings(url=url), **overrides)


@contextlib.asynccontextmanager
async def running(
    settings: Settings, bus: Bus, *, seeded: bool = True
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """The app on ``settings`` and ``bus`` (migrated, seeded), and a client over ASGI."""
    await aupgrade(MIGRATIONS, settings.db.url)
    if seeded:
        await seed(settings)
    app = create_app(settings, bus=bus, key_source=TOKENS.jwks, configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
            yield client, app


@pytest.fixture
async def local_bus(tmp_path: Path) -> AsyncIterator[LocalBus]:
    """The in-process bus on a file of this test."""
    bus = LocalBus(tmp_path / "bus.db", partitions=2)
    await bus.start()
    yield bus
    await bus.stop()


@pytest.fixture
async def client(tmp_path: Path, local_bus: LocalBus) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a catalog-svc on its own seeded SQLite database."""
    async with running(settings_for(f"sqlite+aiosqlite:///{tmp_path}/catalog.db"), local_bus) as (c, _):
        yield c


@pytest.fixture
def procedure_body() -> Callable[..., dict[str, Any]]:
    """A valid new procedure (as an admin would send it), with overrides."""

    def make(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": "HUE-TEST-01",
            "code_kind": "local",
            "name": "Cấp giấy phép tổ chức lễ hội truyền thống",
            "field_code": "giaoduc",
            "levels": ["commune"],
            "implementing_agency_code": "hue.ubnd-xa",
            "online_level": 3,
            "online_mode": "partial",
            "applicant_kinds": ["organisation"],
            "cases": [
                {
                    "code": "chung",
                    "name": "Trường hợp chung",
                    "channels": [
                        {
                            "channel": "online",
                            "processing_days": 5,
                            "fee_items": [{"name": "Lệ phí thử", "kind": "lệ_phí", "amount": 20000}],
                        },
                        {"channel": "counter", "processing_days": 5},
                    ],
                }
            ],
            "documents": [{"code": "don", "name": "Đơn đề nghị", "originals": 1, "copies": 0}],
            "steps": [
                {"order": 1, "name": "Tiếp nhận", "role": "one_stop", "share_percent": 20},
                {"order": 2, "name": "Thẩm định", "role": "specialist", "share_percent": 80},
            ],
            "fee_timing": "result",
            "result": "Giấy phép",
            "legal_basis": ["Nghị định số 110/2018/NĐ-CP"],
            "sources": [{"url": "https://example.gov.vn/thu-tuc", "note": "nguồn thử"}],
        }
        body.update(overrides)
        return body

    return make


async def search_follows_publish_edit_and_withdraw(
    url: str, bus: Bus, procedure_body: Callable[..., dict[str, Any]]
) -> None:
    """On the catalogue at ``url`` (cache off): the search index, the dense search rows and their numbered
    codes follow every publish (an edited procedure is found by its new name and no longer by its old one;
    its facets and filters use its codes), and a withdrawal takes it out."""
    body = procedure_body(
        name="Cấp phép bay khinh khí cầu du lịch",
        levels=["province"],
        implementing_agency_code="hue.so-van-hoa-the-thao",
        competent_agency_code="hue",
    )
    async with running(settings_for(url, search={"cache_ttl": 0}), bus) as (client, _):

        async def found(q: str, **extra: str) -> dict[str, Any]:
            response = await client.get("/api/v1/procedures", params={"q": q, "size": 5, **extra})
            assert response.status_code == 200, response.text
            answer: dict[str, Any] = response.json()
            answer["codes"] = [item["code"] for item in answer["items"]]
            return answer

        assert "HUE-TEST-01" not in (await found("khinh khi cau"))["codes"]
        assert (await client.post("/api/v1/procedures", json=body, headers=ADMIN)).status_code == 201
        assert (await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)).status_code == 200
        published = await found("khinh khi cau du lich")
        assert (published["codes"], published["total"], published["match"]) == (["HUE-TEST-01"], 1, "exact")
        assert [(f["code"], f["count"]) for f in published["facets"]["agency"]] == [
            ("hue.so-van-hoa-the-thao", 1)
        ]
        assert [(f["code"], f["count"]) for f in published["facets"]["level"]] == [("province", 1)]
        assert (await found("khinh khi cau", agency="hue"))["codes"] == ["HUE-TEST-01"]
        assert (await found("khinh khi cau", level="province"))["codes"] == ["HUE-TEST-01"]
        assert (await found("khinh khi cau", agency="hue.so-tu-phap"))["match"] != "exact"
        assert (await found("khinh khi cau", level="commune"))["match"] != "exact"
        renamed = {**body, "name": "Cấp phép bay dù lượn du lịch"}
        assert (
            await client.put("/api/v1/procedures/HUE-TEST-01", json=renamed, headers=ADMIN)
        ).status_code == 200
        assert (await client.post("/api/v1/procedures/HUE-TEST-01/publish", headers=ADMIN)).status_code == 200
        assert (await found("du luon du lich"))["codes"] == ["HUE-TEST-01"]
        assert "HUE-TEST-01" not in (await found("khinh khi cau"))["codes"]
        withdrawn = await client.post("/api/v1/procedures/HUE-TEST-01/withdraw", json={}, headers=ADMIN)
        assert withdrawn.status_code == 200
        assert "HUE-TEST-01" not in (await found("du luon du lich"))["codes"]
