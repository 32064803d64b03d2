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


def scores(found: dict[str, dict[str, object]], golden: list[GoldenQuery]) -> Scores:
    """The golden set's scores of ``found``."""
    ranked = {q: list(answer["names"]) for q, answer in found.items()}  # type: ignore[call-overload]
    return score(golden, ranked)


__all__ = ["MIN_MRR3", "MIN_RECALL10", "answers", "golden_set", "scores"]
