"""Whether an agency exists, asked of the catalogue through its published API (the gateway never reads
catalog-svc's tables or imports its code)."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

import httpx

from motcua_shared.chassis.errors import Unavailable

_CANNOT_TELL = "Không kiểm tra được cơ quan lúc này (danh mục thủ tục không phản hồi); vui lòng thử lại sau."


class AgencyDirectory(Protocol):
    """The agencies staff may belong to."""

    async def in_operation(self, code: str) -> bool:
        """True when ``code`` is an agency in operation today; ``Unavailable`` when nobody can tell."""
        ...


class CatalogAgencies:
    """`GET /api/v1/agencies/{code}` on catalog-svc, over the gateway's own client to it."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def in_operation(self, code: str) -> bool:
        """200 and active: yes; 404 or dissolved: no; anything else: the catalogue cannot answer now."""
        try:
            response = await self._client.get(f"/api/v1/agencies/{quote(code, safe='')}")
        except httpx.HTTPError as exc:
            raise Unavailable(_CANNOT_TELL) from exc
        if response.status_code == 404:
            return False
        if response.status_code != 200:
            raise Unavailable(_CANNOT_TELL)
        return response.json().get("active") is True
