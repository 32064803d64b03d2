"""The shipped real data: enough procedures, each valid and sourced; today's Huế; synthetic data marked."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from catalog_svc.directory.schemas import ELECTRONIC_ID_PATTERN
from catalog_svc.procedures.schemas import ImportRow
from catalog_svc.seed import load_data, real_procedures
from catalog_svc.synthetic import SYNTHETIC_SUFFIX, synthetic_procedures


def test_at_least_50_real_procedures_each_valid_with_its_sources() -> None:
    """Fewer than the 101 seeded before issue 15: one without a sourced national code left the seed."""
    rows = [ImportRow.model_validate(row) for row in real_procedures()]
    assert len(rows) >= 50
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


NATIONAL_CODE = re.compile(r"^[1-9]\.[0-9]{6}$")
PLACEHOLDERS = (
    re.compile(r"^đơn hoặc tờ (trình|khai) đề nghị", re.IGNORECASE),
    re.compile(r"chứng minh điều kiện theo quy định", re.IGNORECASE),
    re.compile(r"(hồ sơ|giấy tờ) kèm theo theo quy định", re.IGNORECASE),
    re.compile(r"^tờ trình đề nghị$", re.IGNORECASE),
    re.compile(r"^văn bản đề nghị và hồ sơ", re.IGNORECASE),
    re.compile(r"thông báo hoặc đề xuất nhu cầu hỗ trợ", re.IGNORECASE),
    re.compile(r"^đề án hoặc hồ sơ", re.IGNORECASE),
)


def test_every_procedure_has_a_national_code_and_a_source_url() -> None:
    """The national database's code (mã thủ tục, e.g. 1.001193), never a local stand-in, and its source."""
    for row in real_procedures():
        assert NATIONAL_CODE.match(row["code"]), row["code"]
        assert row["code_kind"] == "national", row["code"]
        assert any(s["url"].startswith(("https://", "http://")) and s["note"] for s in row["sources"]), row[
            "code"
        ]


def test_no_procedure_asks_for_a_generic_placeholder_document() -> None:
    """A citizen is told which papers to bring: "Đơn hoặc tờ trình đề nghị" or "hồ sơ chứng minh điều kiện
    theo quy định" is no checklist."""
    generic = [
        (row["code"], document["name"])
        for row in real_procedures()
        for document in row["documents"]
        if any(p.search(document["name"].strip()) for p in PLACEHOLDERS)
    ]
    assert generic == []
    assert all(any(d["required"] for d in row["documents"]) for row in real_procedures())


def test_the_agencies_issue_15_found_wrong_are_today_s() -> None:
    by_code = {row["code"]: row for row in real_procedures()}
    criminal_records = [row for row in by_code.values() if row["field_code"] == "lylichtuphap"]
    assert criminal_records, "the judicial record certificates are seeded"
    assert {row["implementing_agency_code"] for row in criminal_records} == {"hue.cong-an"}, (
        "issued by the police since 2025 (Quyết định 1025/QĐ-BCA)"
    )
    assert by_code["2.002478"]["implementing_agency_code"] == "hue.truong-thpt", (
        "the receiving school decides"
    )
    funds = [row for row in by_code.values() if "quỹ đầu tư khởi nghiệp sáng tạo" in row["name"]]
    assert len(funds) == 4
    assert all("Nghị định số 38/2018/NĐ-CP" in row["legal_basis"] for row in funds)


def test_same_day_civil_status_procedures_carry_the_15_00_cut_off_with_its_source() -> None:
    """ "Nhận hồ sơ sau 15 giờ … trả kết quả trong ngày làm việc tiếp theo": khai sinh, khai tử and the copy
    of a civil-status extract (their national pages' steps; Quyết định 1872/QĐ-BTP for khai sinh), and the
    certifications whose sources say the same. Every cut-off is cited by a source that states it."""
    by_code = {row["code"]: row for row in real_procedures()}
    for code in ("1.001193", "1.000656", "2.000635", "2.000815", "2.000908"):
        assert by_code[code]["same_day_cutoff"] == "15:00", code
    for row in by_code.values():
        if row.get("same_day_cutoff") is None:
            continue
        parsed = ImportRow.model_validate(row)
        assert parsed.same_day_cutoff is not None
        said = f"{parsed.same_day_cutoff.hour} giờ"
        assert any(said in source["note"] for source in row["sources"]), row["code"]
        days = {channel["processing_days"] for case in row["cases"] for channel in case["channels"]}
        assert days == {0}, f"{row['code']}: a cut-off only means something for a same-day procedure"


def test_civil_status_fees_set_by_hue_cite_its_resolution_and_stay_unknown() -> None:
    """Huế's civil-status charges are set by Nghị quyết 39/2025/NQ-HĐND (in force 1/1/2026); its schedule is
    not in our sources, so a procedure citing it lists no amount rather than a guessed one."""
    citing = [
        row
        for row in real_procedures()
        if any("39/2025/NQ-HĐND" in source["note"] for source in row["sources"])
    ]
    assert {row["code"] for row in citing} >= {"1.001193", "1.000656", "1.004884"}
    for row in citing:
        assert row["field_code"] == "hotich", row["code"]
        assert any(
            s["url"].startswith("https://") and "Nghi-quyet-39-2025" in s["url"] for s in row["sources"]
        )
        fees = [
            item for case in row["cases"] for channel in case["channels"] for item in channel["fee_items"]
        ]
        assert fees == [], f"{row['code']}: the resolution's amounts are unknown, none is invented"
