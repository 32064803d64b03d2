"""The golden set's scores on a running catalogue, and the floors the tests hold them to."""

from __future__ import annotations

import httpx

from catalog_svc.quality import GoldenQuery, Scores, golden_set, score

#: Measured on the shipped catalogue (the same on SQLite and PostgreSQL: one relevance contract), minus a
#: small margin. Raise them when the search gets better; never lower them to let a change through.
MIN_MRR3 = 0.92
MIN_RECALL10 = 0.97


async def answers(client: httpx.AsyncClient, golden: list[GoldenQuery]) -> dict[str, dict[str, object]]:
    """Each golden query's first ten hits (codes and names), total, match and suggestion."""
    found: dict[str, dict[str, object]] = {}
    for query in golden:
        response = await client.get("/api/v1/procedures", params={"q": query.q, "size": 10})
        assert response.status_code == 200, response.text
        body = response.json()
        found[query.q] = {
            "codes": [item["code"] for item in body["items"]],
            "names": [item["name"] for item in body["items"]],
            "total": body["total"],
            "match": body["match"],
            "did_you_mean": body["did_you_mean"],
        }
    return found


def shortcut_searches() -> list[dict[str, str | int]]:
    """Searches that a database's shortcuts to the page (ranking only the rows that can be on it) must
    answer as ranking every match does: every golden query, then broad ones with filters and deep pages."""
    searches: list[dict[str, str | int]] = [{"q": query.q, "size": 10} for query in golden_set()]
    return [
        *searches,
        {"q": "ho", "size": 7, "page": 3},
        {"q": "giay phep", "level": "commune", "size": 5, "page": 2},
        {"q": "dang ky", "online": "any", "size": 20},
        {"q": "cap giay chung nhan", "agency": "hue", "size": 3, "page": 4},
        {"q": "dang ky khai", "field": "hotich", "size": 4},
        {"q": "xac nhan tinh trang hon nhan cho cong dan", "size": 5},
        {"q": "cap lai giay phep lai xe quoc te", "size": 5, "page": 2},
        {"q": "dag ky", "size": 5},
    ]


def scores(found: dict[str, dict[str, object]], golden: list[GoldenQuery]) -> Scores:
    """The golden set's scores of ``found``."""
    ranked = {q: list(answer["names"]) for q, answer in found.items()}  # type: ignore[call-overload]
    return score(golden, ranked)


__all__ = ["MIN_MRR3", "MIN_RECALL10", "answers", "golden_set", "scores", "shortcut_searches"]
