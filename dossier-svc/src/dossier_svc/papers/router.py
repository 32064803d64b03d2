"""`/api/v1/dossiers/{code}/papers/{paper}`: the Circular 01/2018/TT-VPCP papers as PDF."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from dossier_svc.deps import PortsDep, UowDep
from dossier_svc.dossiers.errors import DossierNotFound
from dossier_svc.papers import service
from dossier_svc.papers.errors import FontMissing, PaperNotIssued
from dossier_svc.papers.models import FORM_NUMBERS, Paper
from motcua_shared.chassis.auth import PrincipalDep
from motcua_shared.chassis.errors import Unauthenticated
from motcua_shared.chassis.problems import problems

router = APIRouter(prefix="/api/v1/dossiers/{code}/papers", tags=["papers"])


@router.get(
    "/{paper}",
    response_class=Response,
    responses={
        **problems(Unauthenticated, DossierNotFound, PaperNotIssued, FontMissing),
        200: {"content": {"application/pdf": {}}},
    },
    summary="A paper of the dossier as PDF",
    operation_id="papers.get",
)
async def paper(code: str, paper: Paper, uow: UowDep, ports: PortsDep, who: PrincipalDep) -> Response:
    """01 receipt, 02 supplement request, 03 refusal, 04 apology; with a QR code for lookup."""
    pdf = await service.paper_for(uow, who, code, paper, calendar=ports.calendar, settings=ports.settings)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="mau-{FORM_NUMBERS[paper]}-{code}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )
