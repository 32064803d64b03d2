"""Request and response models of the directory (agencies, fields, levels)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from catalog_svc.directory.models import AdminLevel, AgencyListing, CountedField, NamedAgency
from motcua_shared.chassis.pages import Page

ELECTRONIC_ID_PATTERN = r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$"
"""An agency's electronic identifier (Quyết định 20/2020/QĐ-TTg): four groups for levels 4, 3, 2 and 1, the
last a letter and two digits (``H57``: the People's Committee of Huế and the agencies under it)."""


class LevelIn(BaseModel):
    """A level of local government as the seed data gives it."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    rank: int = Field(ge=1)
    active_until: date | None = None
    note: str | None = None


class AgencyIn(BaseModel):
    """An agency as the seed data gives it."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str = Field(min_length=1, max_length=255)
    level: str = Field(min_length=1, max_length=32)
    parent: str | None = None
    active: bool = True
    receives_dossiers: bool = Field(
        default=True,
        description="False for an umbrella grouping the agencies that receive (`Ủy ban nhân dân cấp xã`).",
    )
    electronic_id: str | None = Field(
        default=None,
        pattern=ELECTRONIC_ID_PATTERN,
        description="Mã định danh điện tử (Quyết định 20/2020/QĐ-TTg), e.g. `000.00.00.H57`; null: unknown.",
    )
    dissolved_on: date | None = None
    former_names: list[str] = Field(default_factory=list)
    note: str | None = None
    sources: list[str] = Field(default_factory=list)


class FieldIn(BaseModel):
    """A field as the seed data gives it."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str = Field(min_length=1, max_length=255)


class LevelOut(BaseModel):
    """A level of local government."""

    code: str = Field(description="`province`, `district` or `commune`.")
    name: str = Field(description="Its Vietnamese name, e.g. `Cấp xã`.")
    rank: int = Field(description="1 for the top level.")
    active: bool = Field(
        description="False for a level no longer organised (district level since July 2025)."
    )
    active_until: date | None = None
    note: str | None = None

    @classmethod
    def of(cls, level: AdminLevel, today: date) -> LevelOut:
        """A level as read on ``today``."""
        return cls(
            code=level.code,
            name=level.name,
            rank=level.rank,
            active=level.is_active(today),
            active_until=level.active_until,
            note=level.note,
        )


class AgencyOut(BaseModel):
    """An agency."""

    code: str
    name: str
    level: str = Field(description="The code of its level.")
    level_name: str
    parent_code: str | None = None
    active: bool
    receives_dossiers: bool = Field(
        description=(
            "False for an umbrella whose children receive the dossiers: procedures it implements are filed "
            "at one of them (see `receiving_agencies` of a procedure)."
        )
    )
    electronic_id: str | None = Field(
        default=None,
        description=(
            "Its electronic identifier (mã định danh điện tử, Quyết định 20/2020/QĐ-TTg), e.g. "
            "`000.00.00.H57`; dossiers it receives are numbered `<identifier>-yyMMdd-NNNN`. Null where no "
            "source gives it: its dossiers are then numbered under `code`."
        ),
    )
    dissolved_on: date | None = None
    former_names: list[str] = Field(default_factory=list)
    note: str | None = None
    sources: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, named: NamedAgency) -> AgencyOut:
        """An agency with the name of its level."""
        agency = named.agency
        return cls(
            code=agency.code,
            name=agency.name,
            level=agency.level_code,
            level_name=named.level.name,
            parent_code=agency.parent_code,
            active=agency.active,
            receives_dossiers=agency.receives_dossiers,
            electronic_id=agency.electronic_id,
            dissolved_on=agency.dissolved_on,
            former_names=list(agency.former_names or []),
            note=agency.note,
            sources=[str(source) for source in agency.sources or []],
        )


class AgencyList(Page[AgencyOut]):
    """Agencies, with the levels they refer to (one page: the whole list)."""

    levels: list[LevelOut]
    next_cursor: None = None

    @classmethod
    def of(cls, listing: AgencyListing) -> AgencyList:
        """The whole listing as one page."""
        items = [AgencyOut.of(named) for named in listing.agencies]
        return cls(
            items=items, total=len(items), levels=[LevelOut.of(lvl, listing.today) for lvl in listing.levels]
        )


class FieldOut(BaseModel):
    """A field and how many published procedures it holds."""

    code: str
    name: str
    procedure_count: int


class FieldList(Page[FieldOut]):
    """Every field (one page: the whole list)."""

    next_cursor: None = None

    @classmethod
    def of(cls, fields: Sequence[CountedField]) -> FieldList:
        """Every counted field as one page."""
        items = [
            FieldOut(code=f.field.code, name=f.field.name, procedure_count=f.procedure_count) for f in fields
        ]
        return cls(items=items, total=len(items))
