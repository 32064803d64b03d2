"""Which agencies receive the dossiers of a procedure implemented by an umbrella (the agency tree as data)."""

from __future__ import annotations

from catalog_svc.directory.models import Agency
from catalog_svc.directory.repository import Directory
from catalog_svc.procedures.service import receiving_agencies


def _agency(code: str, parent: str | None, *, active: bool = True, receives: bool = True) -> Agency:
    return Agency(
        code=code,
        name=f"Cơ quan {code}",
        level_code="commune",
        parent_code=parent,
        active=active,
        receives_dossiers=receives,
    )


def _directory(*agencies: Agency) -> Directory:
    return Directory(levels={}, agencies={a.code: a for a in agencies}, fields={})


def test_an_umbrella_is_received_at_its_members_in_operation_that_receive_dossiers() -> None:
    directory = _directory(
        _agency("hue", None),
        _agency("hue.ubnd-xa", "hue", receives=False),
        _agency("hue.xa.b", "hue.ubnd-xa"),
        _agency("hue.xa.a", "hue.ubnd-xa"),
        _agency("hue.xa.closed", "hue.ubnd-xa", active=False),
        _agency("hue.xa.group", "hue.ubnd-xa", receives=False),
        _agency("hue.so-tu-phap", "hue"),
    )
    assert [a.code for a in directory.receiving_offices("hue.ubnd-xa")] == ["hue.xa.a", "hue.xa.b"]
    assert [r.code for r in receiving_agencies("hue.ubnd-xa", directory)] == ["hue.xa.a", "hue.xa.b"]
    assert receiving_agencies("hue.ubnd-xa", directory)[0].name == "Cơ quan hue.xa.a"


def test_an_agency_that_receives_dossiers_is_its_own_door_whatever_its_children() -> None:
    directory = _directory(_agency("hue", None), _agency("hue.so-tu-phap", "hue"))
    assert directory.receiving_offices("hue") == ()
    assert directory.receiving_offices("hue.so-tu-phap") == ()
    assert directory.receiving_offices("unknown") == ()


def test_an_umbrella_with_no_member_in_operation_has_nowhere_to_file() -> None:
    directory = _directory(
        _agency("hue.ubnd-xa", None, receives=False), _agency("hue.xa.closed", "hue.ubnd-xa", active=False)
    )
    assert directory.receiving_offices("hue.ubnd-xa") == ()
