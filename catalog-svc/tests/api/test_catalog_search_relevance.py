"""The relevance contract on SQLite: the golden set's scores, typos, suggestions and the admins' synonyms."""

from __future__ import annotations

import httpx
import pytest
from catalog_golden import MIN_MRR3, MIN_RECALL10, answers, golden_set, scores, shortcut_searches
from catalog_testkit import ADMIN, CITIZEN

from catalog_svc.procedures import repository
from catalog_svc.seed import real_procedures
from catalog_svc.text import fold

SYNONYMS = "/api/v1/procedures/admin/synonyms"


async def _search(client: httpx.AsyncClient, q: str, **params: str | int) -> dict[str, object]:
    response = await client.get("/api/v1/procedures", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _names(body: dict[str, object]) -> list[str]:
    return [item["name"] for item in body["items"]]  # type: ignore[attr-defined]


async def test_the_golden_set_scores_hold(client: httpx.AsyncClient) -> None:
    golden = golden_set()
    assert len(golden) >= 200
    result = scores(await answers(client, golden), golden)
    assert result.mrr3 >= MIN_MRR3, result.misses
    assert result.recall10 >= MIN_RECALL10, result.misses


def _one_letter_typo(name: str) -> str:
    """The folded name with the middle letter of its longest word typed twice."""
    words = fold(name).split()
    at = max(range(len(words)), key=lambda i: (len(words[i]), -i))
    word = words[at]
    words[at] = word[: len(word) // 2] + word[len(word) // 2 :][0] + word[len(word) // 2 :]
    return " ".join(words)


async def test_a_name_with_a_one_letter_typo_still_comes_first(client: httpx.AsyncClient) -> None:
    body = await _search(client, "khai sinhh", size=3)
    assert _names(body)[0] == "Đăng ký khai sinh"
    assert body["match"] == "fuzzy"
    assert body["did_you_mean"] == "khai sinh"
    misplaced = []
    for procedure in real_procedures():
        query = _one_letter_typo(procedure["name"])
        found = _names(await _search(client, query, size=1))
        if found != [procedure["name"]]:
            misplaced.append((query, found))
    assert not misplaced


async def test_an_exact_match_says_nothing_back(client: httpx.AsyncClient) -> None:
    body = await _search(client, "dang ky khai sinh")
    assert body["match"] == "exact"
    assert body["did_you_mean"] is None


async def test_nothing_found_suggests_a_query_that_finds_something(client: httpx.AsyncClient) -> None:
    body = await _search(client, "khaiii")
    assert (body["match"], body["total"], body["items"]) == ("none", 0, [])
    assert body["did_you_mean"] == "khai"
    assert (await _search(client, str(body["did_you_mean"])))["total"]
    nonsense = await _search(client, "qqqxxzw")
    assert (nonsense["match"], nonsense["total"], nonsense["did_you_mean"]) == ("none", 0, None)


async def test_abbreviations_citizens_type_are_expanded(client: httpx.AsyncClient) -> None:
    assert any("lý lịch tư pháp" in name for name in _names(await _search(client, "lltp", size=3)))
    assert _names(await _search(client, "chuyen truong cap 3", size=1)) == [
        "Chuyển trường đối với học sinh trung học phổ thông"
    ]


async def test_admins_list_add_change_and_remove_synonyms(client: httpx.AsyncClient) -> None:
    assert (await client.get(SYNONYMS)).status_code == 401
    assert (await client.get(SYNONYMS, headers=CITIZEN)).status_code == 403
    listed = (await client.get(SYNONYMS, headers=ADMIN)).json()["items"]
    assert {"lltp", "cap 3", "so do"} <= {row["term"] for row in listed}

    assert (await _search(client, "vneid"))["total"] == 0
    created = await client.put(
        f"{SYNONYMS}/VNeID", json={"expansion": "khai báo tạm trú", "note": "ứng dụng"}, headers=ADMIN
    )
    assert created.status_code == 201, created.text
    assert created.json()["term"] == "vneid"
    assert _names(await _search(client, "vneid", size=1)) == ["Đăng ký tạm trú"]

    changed = await client.put(f"{SYNONYMS}/vneid", json={"expansion": "thường trú"}, headers=ADMIN)
    assert changed.status_code == 200
    assert _names(await _search(client, "vneid", size=1)) == ["Đăng ký thường trú"]

    assert (await client.delete(f"{SYNONYMS}/vneid", headers=ADMIN)).status_code == 204
    assert (await _search(client, "vneid"))["total"] == 0
    assert (await client.delete(f"{SYNONYMS}/vneid", headers=ADMIN)).status_code == 404
    refused = await client.put(f"{SYNONYMS}/%21%21", json={"expansion": "x"}, headers=ADMIN)
    assert refused.status_code == 422


async def test_ranking_only_the_rows_that_can_be_on_the_page_changes_no_answer(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a large catalogue SQLite ranks only the tiers of rows that can be on the page (shortest names
    first, see ``ProcedureRepository._candidates``); made to do so on every search here, every page, total,
    facet and correction is the one that ranking every matched row gives."""
    monkeypatch.setattr(repository.SEARCH_CACHE, "ttl", 0)
    searches = shortcut_searches()

    async def every_answer() -> list[dict[str, object]]:
        return [await _search(client, **params) for params in searches]  # type: ignore[arg-type]

    ranking_every_row = await every_answer()
    assert sum(1 for answer in ranking_every_row if answer["total"]) > 150
    monkeypatch.setattr(repository, "TIERED_FROM", 0)
    assert await every_answer() == ranking_every_row
