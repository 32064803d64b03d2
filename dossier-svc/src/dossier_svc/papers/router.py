"""The forms of Thông tư 03/2025/TT-VPCP as PDF: a dossier's papers (`/api/v1/dossiers/{code}/papers/{paper}`)
and a unit's register (`/api/v1/papers/register`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from dossier_svc.deps import PortsDep, UowDep
from dossier_svc.dossiers.errors import DossierNotFound
from dossier_svc.papers import service
from dossier_svc.papers.errors import FontMissing, PaperNotIssued, RegisterForbidden, RegisterRangeInvalid
from dossier_svc.papers.models import FORM_NUMBERS, REGISTER_FORM, Paper
from motcua_shared.chassis.auth import PrincipalDep
from motcua_shared.chassis.errors import Unauthenticated
from motcua_shared.chassis.openapi import IsoDate
from motcua_shared.chassis.problems import problems
from motcua_shared.chassis.signing import SigningUnavailable

router = APIRouter(tags=["papers"])

_PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


def _pdf(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/api/v1/dossiers/{code}/papers/{paper}",
    response_class=Response,
    responses={
        **problems(Unauthenticated, DossierNotFound, PaperNotIssued, FontMissing, SigningUnavailable),
        **_PDF,
    },
    summary="A paper of the dossier as PDF",
    operation_id="papers.get",
)
async def paper(
    code: str,
    paper: Paper,
    uow: UowDep,
    ports: PortsDep,
    who: PrincipalDep,
    n: Annotated[
        int | None,
        Query(
            ge=1,
            description="Which one of several papers of this kind (1 = the first); the latest by default.",
        ),
    ] = None,
) -> Response:
    """01 receipt, 02 supplement request, 03 refusal, 04 apology and extension, 05 stop notice, 06 process
    control sheet: each as it was issued, with a QR code for lookup on those the applicant keeps."""
    pdf = await service.paper_for(
        uow,
        who,
        code,
        paper,
        ordinal=n,
        calendar=ports.calendar,
        settings=ports.settings,
        signer=ports.signer,
    )
    suffix = f"-{n}" if n else ""
    return _pdf(pdf, f"mau-{FORM_NUMBERS[paper]}-{code}{suffix}.pdf")


@router.get(
    "/api/v1/papers/register",
    response_class=Response,
    responses={
        **problems(Unauthenticated, RegisterForbidden, RegisterRangeInvalid, FontMissing, SigningUnavailable),
        **_PDF,
    },
    summary="A unit's register of dossiers (form 07) as PDF",
    operation_id="papers.register",
)
async def register(
    uow: UowDep,
    ports: PortsDep,
    who: PrincipalDep,
    agency: Annotated[str, Query(min_length=1, max_length=64, description="The receiving unit's code.")],
    start: Annotated[IsoDate, Query(alias="from", description="First day received (platform date).")],
    end: Annotated[IsoDate, Query(alias="to", description="Last day received (inclusive).")],
) -> Response:
    """Every dossier the unit received in the period, in the order received: the officers' and admins'."""
    pdf = await service.register_for(
        uow,
        who,
        agency,
        start,
        end,
        now=ports.clock.now(),
        calendar=ports.calendar,
        settings=ports.settings,
        signer=ports.signer,
    )
    return _pdf(pdf, f"mau-{REGISTER_FORM}-{agency}-{start:%Y%m%d}-{end:%Y%m%d}.pdf")
