"""The rules of a procedure: its own consistency, and a publish/withdraw life."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from catalog_svc.procedures.errors import NothingToPublish, NotPublished
from catalog_svc.procedures.models import Procedure, Status
from catalog_svc.procedures.schemas import ImportRow, ProcedureIn

NOW = datetime(2025, 8, 4, 1, 0, tzinfo=UTC)


def test_a_valid_procedure_passes(procedure_body: Callable[..., dict[str, Any]]) -> None:
    assert ProcedureIn.model_validate(procedure_body()).code == "HUE-TEST-01"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"online_level": 4, "online_mode": "partial"}, "mức độ 4"),
        ({"online_level": 2, "online_mode": None}, "trực tuyến"),
        (
            {"steps": [{"order": 1, "name": "A", "role": "one_stop", "share_percent": 50}]},
            "cộng lại phải bằng 100",
        ),
        (
            {
                "steps": [
                    {"order": 1, "name": "A", "role": "one_stop", "share_percent": 50},
                    {"order": 3, "name": "B", "role": "leader", "share_percent": 50},
                ]
            },
            "liên tục",
        ),
        ({"levels": ["commune", "commune"]}, "lặp lại"),
        (
            {
                "documents": [
                    {"code": "don", "name": "Đơn", "originals": 1, "copies": 0, "case_codes": ["khac"]}
                ]
            },
            "trường hợp không có",
        ),
        ({"code": "SYN-000001"}, "tổng hợp"),
        ({"sources": []}, "at least 1"),
        ({"cases": []}, "at least 1"),
    ],
)
def test_inconsistent_procedures_are_refused(
    procedure_body: Callable[..., dict[str, Any]], overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        ProcedureIn.model_validate(procedure_body(**overrides))


def test_a_channel_twice_in_one_case_is_refused(procedure_body: Callable[..., dict[str, Any]]) -> None:
    body = procedure_body()
    body["cases"][0]["channels"].append({"channel": "counter", "processing_days": 3})
    with pytest.raises(ValidationError, match="kênh nộp lặp lại"):
        ProcedureIn.model_validate(body)


def test_negative_money_and_unknown_fields_are_refused(procedure_body: Callable[..., dict[str, Any]]) -> None:
    body = procedure_body()
    body["cases"][0]["channels"][0]["fee_items"][0]["amount"] = -1
    with pytest.raises(ValidationError):
        ProcedureIn.model_validate(body)
    with pytest.raises(ValidationError):
        ProcedureIn.model_validate(procedure_body(surprise=True))


def test_an_import_row_needs_a_version(procedure_body: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(ValidationError, match="version"):
        ImportRow.model_validate(procedure_body())
    assert ImportRow.model_validate(procedure_body(version=1)).version == 1


def _procedure() -> Procedure:
    return Procedure(
        code="X-1",
        status=Status.DRAFT,
        version=0,
        draft={},
        draft_hash="a",
        published_hash=None,
        updated_at=NOW,
    )


def test_every_publish_increments_the_version_and_unchanged_content_is_not_republished() -> None:
    procedure = _procedure()
    assert procedure.publish({"name": "Tên"}, NOW) == 1
    assert procedure.status == Status.PUBLISHED
    assert procedure.name == "Tên"
    with pytest.raises(NothingToPublish):
        procedure.publish({}, NOW)
    procedure.edit({"x": 1}, "b", NOW)
    assert procedure.has_unpublished_changes
    assert procedure.publish({}, NOW) == 2


def test_withdraw_only_what_is_published_and_republishing_brings_it_back() -> None:
    procedure = _procedure()
    with pytest.raises(NotPublished):
        procedure.withdraw("lý do", NOW)
    procedure.publish({}, NOW)
    procedure.withdraw("Bãi bỏ", NOW)
    assert procedure.status == Status.WITHDRAWN
    assert procedure.withdraw_reason == "Bãi bỏ"
    with pytest.raises(NotPublished):
        procedure.withdraw(None, NOW)
    assert procedure.publish({}, NOW) == 2
    assert procedure.status == Status.PUBLISHED
    assert procedure.withdrawn_at is None
