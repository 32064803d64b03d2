"""The shipped real data: enough procedures, each valid and sourced; today's Huế; synthetic data marked."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from catalog_svc.directory.schemas import ELECTRONIC_ID_PATTERN
from catalog_svc.procedures.schemas import ImportRow
from catalog_svc.seed import load_data, real_procedures
from catalog_svc.synthetic import SYNTHETIC_SUFFIX, synthetic_procedures


def test_at_least_100_real_procedures_each_valid_with_its_sources() -> None:
    rows = [ImportRow.model_validate(row) for row in real_procedures()]
    assert len(rows) >= 100
    assert len({row.code for row in rows}) == len(rows)
    for row in rows:
        assert row.code_kind != "synthetic"
        assert not row.code.startswith("SYN-")
        assert row.sources, row.code
        assert all(s.url.startswith("http") for s in row.sources), row.code
        assert all(s.note for s in row.sources), row.code


def test_the_real_procedures_cover_the_fields_citizens_need_most() -> None:
    fields = Counter(row["field_code"] for row in real_procedures())
    for field in (
        "hotich",
        "chungthuc",
        "lylichtuphap",
        "xaydung",
        "hokinhdoanh",
        "datdai",
        "duongbo",
        "giaoduc",
        "baotroxahoi",
        "cutru",
    ):
        assert fields[field] >= 1, field


def test_hue_has_two_levels_of_local_government_and_40_communes_today() -> None:
    agencies = load_data("agencies.json")["agencies"]
    levels = {level["code"]: level for level in load_data("levels.json")["levels"]}
    assert date.fromisoformat(levels["district"]["active_until"]) < date(2025, 7, 1)
    communes = [a for a in agencies if a["parent"] == "hue.ubnd-xa"]
    assert len(communes) == 40
    assert sum(a["name"].startswith("Ủy ban nhân dân phường") for a in communes) == 21
    assert all(not a["active"] for a in agencies if a["level"] == "district")
    assert (
        "Ủy ban nhân dân tỉnh Thừa Thiên Huế"
        in next(a for a in agencies if a["code"] == "hue")["former_names"]
    )


def test_synthetic_procedures_are_marked_as_such_and_reproducible() -> None:
    rows = synthetic_procedures(50, seed=7)
    assert rows == synthetic_procedures(50, seed=7)
    for row in rows:
        parsed = ImportRow.model_validate(row)
        assert parsed.code.startswith("SYN-")
        assert parsed.code_kind == "synthetic"
        assert parsed.name.endswith(SYNTHETIC_SUFFIX)
        assert parsed.sources[0].url.startswith("synthetic:")


def test_agency_electronic_identifiers_are_national_sourced_or_marked_unknown() -> None:
    """Quyết định 20/2020/QĐ-TTg's identifiers: never invented, so every agency says it (null: unknown)."""
    agencies = load_data("agencies.json")["agencies"]
    assert all("electronic_id" in a for a in agencies), "an identifier is given or marked unknown (null)"
    identified = {a["code"]: a for a in agencies if a["electronic_id"] is not None}
    assert identified["hue"]["electronic_id"] == "000.00.00.H57"
    for agency in identified.values():
        assert re.fullmatch(ELECTRONIC_ID_PATTERN, agency["electronic_id"]), agency["code"]
        assert agency["electronic_id"].endswith(".H57"), "Huế's agencies are under the city's level-1 code"
        assert any("H57" in source for source in agency["sources"]), "a source shows the identifier"
    assert len({a["electronic_id"] for a in identified.values()}) == len(identified)
