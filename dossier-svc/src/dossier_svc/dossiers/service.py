"""Dossier use cases: one transaction each, its events written to the outbox in the same transaction."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from dossier_svc.documents import service as documents
from dossier_svc.documents.schemas import DocumentOut
from dossier_svc.documents.service import IncomingFile, Inspected
from dossier_svc.dossiers.errors import (
    ActionForbidden,
    AlreadyRated,
    DossierNotFound,
    IllegalAction,
    InvalidDossier,
    StaleDossier,
)
from dossier_svc.dossiers.models import (
    AUDIT_RESOURCE,
    Dossier,
    DossierListing,
    DossierView,
    IdempotencyRecord,
    Outcome,
    Rated,
    RatingRecord,
    TimelineEntry,
    actor_of,
    dossier_code,
    month_of,
    numbered_under,
)
from dossier_svc.dossiers.repository import Filing
from dossier_svc.dossiers.schemas import (
    DOSSIER_CURSOR,
    ActionIn,
    ApplicantIn,
    DossierOut,
    DraftIn,
    DraftPatch,
    RatingIn,
    SubmissionIn,
)
from dossier_svc.dossiers.workflow import SYSTEM_ACTIONS, Action, ActionInput, DueFilter, Party, State
from dossier_svc.ports import Ports
from dossier_svc.procedures import service as procedures
from dossier_svc.procedures.models import Procedure
from dossier_svc.procedures.service import Terms
from dossier_svc.settings import DeadlineSettings
from dossier_svc.uow import DossierUow
from motcua_shared.chassis import idempotency
from motcua_shared.chassis.audit import record_read
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.errors import Forbidden, Unprocessable
from motcua_shared.contracts import dossier as ev
from motcua_shared.contracts.common import Channel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submitted:
    """The answer to a submission (its JSON text), and whether it is a replay of an earlier one."""

    code: str
    body: str
    replayed: bool


# --- reading -------------------------------------------------------------------------------------------


async def _visible(uow: DossierUow, who: Principal, code: str) -> Dossier:
    dossier = await uow.dossiers.by_code(code)
    if dossier is None or not dossier.visible_to(who):
        raise DossierNotFound()
    return dossier


async def _fresh_documents(uow: DossierUow, dossier: Dossier) -> frozenset[str]:
    """The document codes uploaded since the supplement request (nothing when none is pending)."""
    if dossier.state is not State.SUPPLEMENT_REQUESTED or dossier.supplement_requested_at is None:
        return frozenset()
    return frozenset(await uow.documents.codes(dossier.id, since=dossier.supplement_requested_at))


async def _view(uow: DossierUow, ports: Ports, who: Principal, dossier: Dossier) -> DossierView:
    rows = await uow.documents.for_dossier(dossier.id)
    allowed = dossier.allowed_actions(
        dossier.parties(who),
        fresh_documents=await _fresh_documents(uow, dossier),
        extension_limit=ports.settings.deadlines.max_extensions,
    )
    return DossierView(dossier, rows, allowed, ports.clock.now())


def audit_change(
    uow: DossierUow, who: Principal, action: str, code: str, *, detail: str | None = None
) -> None:
    """Stage the record of an officer's or admin's change, committed with the change itself."""
    uow.audit.record(who, action, AUDIT_RESOURCE, code, detail=detail)


async def get(uow: DossierUow, ports: Ports, who: Principal, code: str) -> DossierView:
    """One dossier, for its owner, the officers handling it, or an admin; 404 for anyone else."""
    async with uow:
        dossier = await _visible(uow, who, code)
        view = await _view(uow, ports, who, dossier)
        detail = "draft" if dossier.is_draft else None
        await record_read(uow, who, "dossier.read", AUDIT_RESOURCE, dossier.code, detail=detail)
        return view


async def timeline(uow: DossierUow, who: Principal, code: str) -> list[TimelineEntry]:
    """A dossier's timeline."""
    async with uow:
        dossier = await _visible(uow, who, code)
        entries = list(await uow.dossiers.timeline(dossier.id))
        await record_read(uow, who, "dossier.timeline", AUDIT_RESOURCE, dossier.code)
        return entries


async def listing(
    uow: DossierUow,
    ports: Ports,
    who: Principal,
    *,
    status: State | None,
    scope: str,
    procedure_code: str | None,
    limit: int,
    cursor: str | None,
    channel: Channel | None = None,
    due: DueFilter | None = None,
) -> DossierListing:
    """A citizen's own dossiers (newest first), or an officer's agency queue (due soonest first)."""
    offset = DOSSIER_CURSOR.decode(cursor) or 0
    now = ports.clock.now()
    applicant_id = agency_code = None
    if who.role is Role.CITIZEN:
        applicant_id = who.subject
    elif who.role is Role.OFFICER:
        agency_code = who.agency_code
    elif who.role is not Role.ADMIN:
        raise Forbidden("Vai trò của bạn không xem được danh sách hồ sơ.")
    async with uow:
        rows, total = await uow.dossiers.list(
            applicant_id=applicant_id,
            agency_code=agency_code,
            holding_only=scope != "involved",
            status=status,
            procedure_code=procedure_code,
            channel=channel,
            due=due,
            now=now,
            limit=limit,
            offset=offset,
        )
        await record_read(uow, who, "dossier.list", AUDIT_RESOURCE, [row.code for row in rows])
    return DossierListing(rows=rows, total=total, offset=offset, now=now)


# --- filing --------------------------------------------------------------------------------------------


def _fingerprint(body: SubmissionIn, files: list[Inspected]) -> str:
    return idempotency.fingerprint(
        {"body": body.model_dump(mode="json"), "files": sorted((f.document_code, f.sha256) for f in files)}
    )


def _filing_channel(who: Principal, asked: Channel | None) -> Channel:
    if who.role is Role.CITIZEN:
        if asked not in (None, Channel.ONLINE):
            raise Unprocessable(
                "Công dân nộp hồ sơ trực tuyến.",
                errors=[{"field": "channel", "message": "citizens file online"}],
            )
        return Channel.ONLINE
    if who.role is Role.OFFICER:
        if asked not in (Channel.COUNTER, Channel.POSTAL):
            raise Unprocessable(
                "Cán bộ tiếp nhận hồ sơ nộp trực tiếp hoặc qua bưu chính.",
                errors=[{"field": "channel", "message": "counter or postal"}],
            )
        return asked
    raise Forbidden("Chỉ công dân hoặc cán bộ một cửa được nộp hồ sơ.")


async def _assign_code(uow: DossierUow, ports: Ports, dossier: Dossier, terms: Terms, now: datetime) -> None:
    day = ports.calendar.local(now).strftime("%y%m%d")
    prefix = numbered_under(terms.receiving)
    dossier.code = dossier_code(prefix, day, await uow.dossiers.next_number(prefix, day))


def _record(uow: DossierUow, outcome: Outcome) -> None:
    uow.dossiers.append(outcome.entry)
    if outcome.event is not None:
        uow.outbox.add(outcome.event)


async def submit(
    uow: DossierUow,
    ports: Ports,
    who: Principal,
    body: SubmissionIn,
    incoming: list[IncomingFile],
    idempotency_key: str,
) -> Submitted:
    """File a dossier in one request, with its documents; replayed for a repeated `Idempotency-Key`.

    The files are checked and stored first; then the key and the procedure are read, every rule is
    checked, and one atomic write adds the numbered dossier, its rows, its event and the remembered
    answer (:meth:`DossierRepository.file`).
    """
    channel = _filing_channel(who, body.channel)
    if body.applicant_account_id is not None and who.role is not Role.OFFICER:
        raise Unprocessable(
            "Chỉ cán bộ được ghi tài khoản người nộp.",
            errors=[{"field": "applicant_account_id", "message": "officers only"}],
        )
    files = await documents.inspect_all(incoming, max_bytes=ports.settings.documents.max_bytes)
    fingerprint = _fingerprint(body, files)
    # Bytes go to the store before the unit of work takes a connection: disk latency never holds a
    # connection or a lock, and a blob is durable before any row names it. A filing refused below leaves
    # unreferenced blobs, harmless (content-addressed: a retry stores nothing twice) and collectable.
    await documents.store(ports.files, files)
    try:
        async with uow:
            if who.role is Role.CITIZEN:
                # An officer's filing also writes its audit record, in the same transaction.
                await uow.autocommit()
            context = await uow.dossiers.filing_context(who.subject, idempotency_key, body.procedure_code)
            if context.previous is not None:
                return _replay(context.previous, fingerprint)
            now = ports.clock.now()
            procedure = context.procedure
            if procedure is not None:
                await uow.procedures.parse(procedure)
            terms = procedures.resolve(
                procedure,
                case_code=body.case_code,
                channel=channel,
                agency_code=body.agency_code,
                exemptions=frozenset(body.fee_exemptions),
            )
            if who.role is Role.OFFICER and who.agency_code != terms.receiving.code:
                raise ActionForbidden("Hồ sơ không nộp tại cơ quan của bạn.")
            owner = who.subject if who.role is Role.CITIZEN else body.applicant_account_id
            dossier = Dossier.draft(
                owner=owner,
                created_by=who.subject,
                procedure_code=terms.procedure.code,
                procedure_name=terms.procedure.name,
                agency_code=terms.receiving.code,
                agency_name=terms.receiving.name,
                channel=channel,
                now=now,
            )
            dossier.set_content(
                case_code=terms.case.code,
                applicant=body.applicant.model_dump(),
                form_data=body.form_data,
                fee_exemptions=body.fee_exemptions,
            )
            dossier.file_under(terms)
            documents.check_codes(files, {d.code for d in terms.documents})
            dossier.check_complete({f.document_code for f in files})
            party = Party.OWNER if who.role is Role.CITIZEN else Party.RECEIVING_OFFICER
            transition = dossier.authorize(Action.SUBMIT, frozenset({party}), ActionInput())

            def build(code: str) -> Filing:
                dossier.code = code
                outcome = dossier.apply(
                    transition, actor_of(who), ActionInput(), now=now, calendar=ports.calendar
                )
                rows = [documents.new_values(dossier.id, f, who, now) for f in files]
                out = DossierOut.full(
                    dossier,
                    calendar=ports.calendar,
                    now=now,
                    documents=[DocumentOut.of_values(code, r) for r in rows],
                    allowed=dossier.allowed_actions(frozenset({party})),
                )
                return Filing(
                    dossier=dossier,
                    documents=rows,
                    timeline=outcome.entry,
                    outbox=[uow.outbox_values(outcome.event)] if outcome.event is not None else [],
                    idempotency={
                        "subject": who.subject,
                        "key": idempotency_key,
                        "fingerprint": fingerprint,
                        "dossier_code": code,
                        "created_at": now,
                    },
                    response=out.model_dump_json(),
                )

            day = ports.calendar.local(now).strftime("%y%m%d")
            code, filing = await uow.dossiers.file(numbered_under(terms.receiving), day, build)
            audit_change(uow, who, "dossier.file", code, detail=channel.value)
            await uow.commit()
    except IntegrityError:
        # A concurrent request with the same key won the race: answer as it did.
        async with uow:
            won = await uow.dossiers.filing_context(who.subject, idempotency_key, body.procedure_code)
            if won.previous is None:
                raise
            return _replay(won.previous, fingerprint)
    # The answer was made before the number was known (on PostgreSQL); the stored copy got it in SQL.
    answer = filing.response.replace(filing.idempotency["dossier_code"], code)
    return Submitted(code=code, body=answer, replayed=False)


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _replay(previous: IdempotencyRecord, fingerprint: str) -> Submitted:
    previous.replays(fingerprint)
    return Submitted(code=previous.dossier_code, body=_json(previous.response), replayed=True)


async def create_draft(uow: DossierUow, ports: Ports, who: Principal, body: DraftIn) -> DossierView:
    """Save a draft for a citizen to finish later (only the procedure must be known)."""
    if who.role is not Role.CITIZEN:
        raise Forbidden("Chỉ công dân lưu hồ sơ nháp.")
    async with uow:
        procedure = await uow.procedures.get(body.procedure_code)
        if procedure is None or not procedure.open:
            raise InvalidDossier(
                "Thủ tục không tồn tại hoặc không còn nhận hồ sơ.",
                errors=[{"field": "procedure_code", "message": "unknown or withdrawn"}],
            )
        snapshot = procedure.to_snapshot()
        # Until one is chosen, a draft names the implementing agency (an umbrella, maybe): nobody but its
        # owner sees a draft, and its submission asks for the choice.
        agency = (
            procedures.receiving_agency(snapshot, body.agency_code)
            if body.agency_code is not None
            else snapshot.implementing_agency
        )
        now = ports.clock.now()
        dossier = Dossier.draft(
            owner=who.subject,
            created_by=who.subject,
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            agency_code=agency.code,
            agency_name=agency.name,
            channel=Channel.ONLINE,
            now=now,
        )
        dossier.set_content(
            case_code=body.case_code,
            applicant=body.applicant.model_dump(exclude_none=True) if body.applicant else {},
            form_data=body.form_data,
            fee_exemptions=body.fee_exemptions,
        )
        uow.dossiers.add(dossier)
        await uow.commit()
        return await _view(uow, ports, who, dossier)


async def _own_draft(uow: DossierUow, who: Principal, code: str) -> Dossier:
    dossier = await _visible(uow, who, code)
    if Party.OWNER not in dossier.parties(who):
        raise ActionForbidden("Chỉ người nộp được sửa hồ sơ nháp.")
    if not dossier.is_draft:
        raise IllegalAction("Hồ sơ đã nộp, không sửa được.")
    return dossier


async def update_draft(
    uow: DossierUow, ports: Ports, who: Principal, code: str, body: DraftPatch
) -> DossierView:
    """Change a draft."""
    async with uow:
        dossier = await _own_draft(uow, who, code)
        if body.agency_code is not None:
            procedure = await uow.procedures.get(dossier.procedure_code)
            if procedure is None:
                raise InvalidDossier(
                    "Thủ tục không tồn tại.",
                    errors=[{"field": "agency_code", "message": "unknown procedure"}],
                )
            dossier.file_at(procedures.receiving_agency(procedure.to_snapshot(), body.agency_code))
        applicant = None
        if body.applicant is not None:
            applicant = {**dossier.applicant, **body.applicant.model_dump(exclude_none=True)}
        dossier.set_content(
            case_code=body.case_code,
            applicant=applicant,
            form_data=body.form_data,
            fee_exemptions=body.fee_exemptions,
        )
        dossier.updated_at = ports.clock.now()
        await _commit(uow)
        return await _view(uow, ports, who, dossier)


async def delete_draft(uow: DossierUow, who: Principal, code: str) -> None:
    """Discard a draft."""
    async with uow:
        dossier = await _own_draft(uow, who, code)
        await uow.dossiers.delete(dossier)
        await _commit(uow)


async def _commit(uow: DossierUow) -> None:
    try:
        await uow.commit()
    except StaleDataError:
        raise StaleDossier("Hồ sơ vừa được người khác thay đổi; vui lòng tải lại và thử lại.") from None


# --- the lifecycle -------------------------------------------------------------------------------------


def _input(body: ActionIn, settings: DeadlineSettings) -> ActionInput:
    return ActionInput(
        note=body.note,
        reason=body.reason,
        documents=tuple(body.documents),
        days=body.days,
        result=body.result,
        extension_limit=settings.max_extensions,
        extension_max_days=settings.extension_max_days,
    )


async def act(
    uow: DossierUow, ports: Ports, who: Principal, code: str, action: Action, body: ActionIn
) -> DossierView:
    """Perform ``action`` on the dossier, as the transition table allows."""
    if action in SYSTEM_ACTIONS:
        raise ActionForbidden("Thao tác này chỉ do hệ thống thực hiện.")
    given = _input(body, ports.settings.deadlines)
    async with uow:
        dossier = await _visible(uow, who, code)
        now = ports.clock.now()
        if action is Action.REQUEST_SUPPLEMENT and given.days is None:
            given = ActionInput(**{**given.__dict__, "days": ports.settings.deadlines.supplement_wait_days})
        if action is Action.SUPPLEMENT:
            given = ActionInput(**{**given.__dict__, "fresh_documents": await _fresh_documents(uow, dossier)})
        if action is Action.REQUEST_SUPPLEMENT:
            unknown = sorted(set(given.documents) - {d["code"] for d in dossier.documents_required})
            if unknown:
                raise InvalidDossier(
                    "Thành phần yêu cầu bổ sung không thuộc thủ tục.",
                    errors=[{"field": "documents", "message": f"unknown: {', '.join(unknown)}"}],
                )
        transition = dossier.authorize(action, dossier.parties(who), given)
        if action is Action.SUBMIT:
            terms = await _prepare_draft(uow, ports, dossier)
            await _assign_code(uow, ports, dossier, terms, now)
        outcome = dossier.apply(transition, actor_of(who), given, now=now, calendar=ports.calendar)
        _record(uow, outcome)
        audit_change(uow, who, f"dossier.{action.value}", dossier.code)
        await _commit(uow)
        return await _view(uow, ports, who, dossier)


async def _prepare_draft(uow: DossierUow, ports: Ports, dossier: Dossier) -> Terms:
    try:
        applicant = ApplicantIn.model_validate(dossier.applicant)
    except ValidationError as exc:
        raise InvalidDossier(
            "Thông tin người nộp chưa đầy đủ.",
            errors=[
                {"field": "applicant." + ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ],
        ) from None
    dossier.applicant = applicant.model_dump()
    procedure = await uow.procedures.get(dossier.procedure_code)
    terms = procedures.resolve(
        procedure,
        case_code=dossier.case_code,
        channel=Channel(dossier.channel),
        agency_code=_chosen_agency(procedure, dossier),
        exemptions=frozenset(dossier.fee_exemptions),
    )
    dossier.file_under(terms)
    dossier.check_complete(await uow.documents.codes(dossier.id))
    return terms


def _chosen_agency(procedure: Procedure | None, draft: Dossier) -> str | None:
    """The agency a draft was filed at, if its owner chose one the procedure still receives at; None
    otherwise (a draft names the implementing agency until a choice is made, and the procedure may have
    been published anew since: its submission follows the current version)."""
    if procedure is None:
        return None
    receivers = procedure.to_snapshot().receiving_agencies
    return draft.agency_code if any(agency.code == draft.agency_code for agency in receivers) else None


async def rate(uow: DossierUow, ports: Ports, who: Principal, code: str, body: RatingIn) -> Rated:
    """The applicant's one rating of a returned dossier."""
    async with uow:
        dossier = await _visible(uow, who, code)
        if Party.OWNER not in dossier.parties(who):
            raise ActionForbidden("Chỉ người nộp được đánh giá hồ sơ.")
        if dossier.state is not State.RETURNED:
            raise IllegalAction("Chỉ đánh giá được hồ sơ đã trả kết quả.")
        if await uow.dossiers.rating(dossier.id) is not None:
            raise AlreadyRated("Hồ sơ đã được đánh giá.")
        now = ports.clock.now()
        record = RatingRecord(
            dossier_id=dossier.id,
            rating=body.rating.value,
            comment=body.comment or None,
            rated_at=now,
            rated_month=month_of(now, ports.calendar),
            agency_code=dossier.agency_code,
            procedure_code=dossier.procedure_code,
        )
        uow.dossiers.add_rating(record)
        actor = actor_of(who)
        uow.outbox.add(
            ev.DossierRated(
                dossier_code=dossier.code,
                procedure_code=dossier.procedure_code,
                agency_code=dossier.agency_code,
                applicant_id=dossier.applicant_id,
                status=ev.DossierStatus(dossier.status),
                national_status=dossier.national_status or 10,
                occurred_at=now,
                actor=actor,
                rating=body.rating,
                comment=record.comment,
            )
        )
        try:
            await uow.commit()
        except IntegrityError:
            raise AlreadyRated("Hồ sơ đã được đánh giá.") from None
    return Rated(dossier.code, record)
