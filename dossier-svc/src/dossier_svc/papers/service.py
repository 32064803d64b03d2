"""The forms of Phụ lục I, Thông tư 03/2025/TT-VPCP, as PDF: each rendered from the dossier's history as it
was at the moment it was issued, so a paper printed again says what it said then.

01 receipt and appointment, 02 supplement request, 03 refusal, 04 apology and extension, 05 stop notice,
06 process control sheet (per dossier); 07 the register (per unit and period). The layout (A5 for 01–05,
the two-column header, "Số: …", the place-and-date line, numbered fields, signature blocks) follows the
circular's templates; the wording is ours. :func:`render` and :func:`render_register` are the only places a
paper is drawn and return the PDF's bytes, so a signature can wrap them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.dossiers.errors import DossierNotFound
from dossier_svc.dossiers.models import AUDIT_RESOURCE, Dossier, TimelineEntry
from dossier_svc.dossiers.workflow import Action
from dossier_svc.papers.errors import PaperNotIssued, RegisterForbidden, RegisterRangeInvalid
from dossier_svc.papers.layout import Header, Sheet, Signature, date_line, moment, money
from dossier_svc.papers.models import (
    A4,
    CIRCULAR,
    FORM_NUMBERS,
    REGISTER_FORM,
    REGISTER_TITLE,
    SIZES,
    TITLES,
    Issue,
    Paper,
    find_issue,
)
from dossier_svc.settings import PaperSettings, Settings
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.audit import record_read
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.signing import PaperSigner, Seal

MAX_REGISTER_DAYS = 366
MAX_REGISTER_ROWS = 2000


def render(issue: Issue, dossier: Dossier, *, calendar: WorkCalendar, settings: Settings) -> bytes:
    """The PDF of ``issue`` (a paper of ``dossier`` at the moment its history records)."""
    paper = issue.paper
    local = calendar.local(issue.entry.at)
    sheet = Sheet(
        size=SIZES[paper],
        landscape=False,
        fonts=_fonts(settings.papers),
        title=f"{TITLES[paper]} — {dossier.code}",
        issued_at=issue.entry.at,
    )
    sheet.header(
        Header(
            governing=settings.papers.governing_body,
            unit=_issuer(issue, dossier),
            number=issue.number,
            place_and_date=date_line(settings.papers.place, local),
        ),
        form=f"Mẫu số {FORM_NUMBERS[paper]} — {CIRCULAR}",
    )
    _BODIES[paper](sheet, issue, dossier, calendar)
    if paper is not Paper.CONTROL:
        sheet.lookup(settings.lookup_link(dossier.code, dossier.lookup_secret), dossier.lookup_secret)
    return sheet.output()


def _fonts(settings: PaperSettings) -> tuple[Path, Path]:
    return Path(settings.font_path), Path(settings.bold_font_path)


def _issuer(issue: Issue, dossier: Dossier) -> str:
    return issuing_agency(issue, dossier)[1]


def issuing_agency(issue: Issue, dossier: Dossier) -> tuple[str, str]:
    """The unit that issues (and signs) the paper, as code and name: the receiving agency for what happens
    at its one-stop counter, the agency that held the dossier for an apology or a stop."""
    if issue.paper in (Paper.APOLOGY, Paper.STOP):
        code = issue.entry.actor_agency_code or _holder_at(issue.history, dossier)
        step = next((s for s in dossier.steps if s.agency_code == code), None)
        if step is not None:
            return step.agency_code, step.agency_name
    return dossier.agency_code, dossier.agency_name


def seal(issue: Issue, dossier: Dossier) -> Seal:
    """What the issuing unit's signature on ``issue`` says: form, number and dossier."""
    code, name = issuing_agency(issue, dossier)
    form = FORM_NUMBERS[issue.paper]
    return Seal(
        agency_code=code,
        agency_name=name,
        kind=f"mau-{form}",
        reference=f"{dossier.code} {issue.number}",
        reason=f"{TITLES[issue.paper]}, số {issue.number}, hồ sơ {dossier.code}",
        dossier_code=dossier.code,
    )


def _holder_at(history: Sequence[TimelineEntry], dossier: Dossier) -> str:
    forwarded = [e for e in history if e.action == Action.FORWARD.value and e.details.get("agency_code")]
    if forwarded:
        return str(forwarded[-1].details["agency_code"])
    return dossier.steps[0].agency_code if dossier.steps else dossier.agency_code


def _at(value: Any, calendar: WorkCalendar) -> datetime | None:
    if not isinstance(value, str):
        return None
    return calendar.local(datetime.fromisoformat(value))


def _name(dossier: Dossier) -> str:
    return str(dossier.applicant.get("name", ""))


def _request(dossier: Dossier) -> str:
    case = (
        f" ({dossier.case_name})" if dossier.case_name and dossier.case_name != dossier.procedure_name else ""
    )
    return f"{dossier.procedure_name}{case}, mã thủ tục {dossier.procedure_code}"


def _received(issue: Issue) -> TimelineEntry | None:
    return next((e for e in issue.history if e.action == Action.RECEIVE.value), None)


def _receipt(sheet: Sheet, issue: Issue, dossier: Dossier, calendar: WorkCalendar) -> None:
    entry = issue.entry
    sheet.title(TITLES[Paper.RECEIPT], f"Mã hồ sơ: {dossier.code}")
    applicant = dossier.applicant
    contact = f"Số điện thoại: {applicant.get('phone', '')}"
    if applicant.get("email"):
        contact += f"    Thư điện tử: {applicant['email']}"
    sheet.para(f"{dossier.agency_name} tiếp nhận hồ sơ của: {_name(dossier)}")
    if applicant.get("address"):
        sheet.para(f"Địa chỉ: {applicant['address']}")
    sheet.para(contact)
    sheet.para(f"Nội dung yêu cầu giải quyết: {_request(dossier)}")
    sheet.para("1. Thành phần hồ sơ nộp gồm:")
    sheet.items(
        [
            f"{i}. {d['name']}: {d['originals']} bản chính, {d['copies']} bản sao"
            for i, d in enumerate(dossier.documents_required, start=1)
        ]
    )
    sheet.para("2. Số lượng hồ sơ: 01 bộ")
    sheet.para(f"3. Thời gian giải quyết hồ sơ theo quy định: {dossier.processing_days:g} ngày làm việc")
    sheet.para(f"4. Thời gian nhận hồ sơ: {moment(calendar.local(entry.at))}")
    counted = _at(entry.details.get("counted_from"), calendar)
    if counted is not None:
        sheet.para(
            f"Hồ sơ nhận sau {dossier.same_day_cutoff or '…'} giờ: thời gian giải quyết tính từ "
            f"{moment(counted)}",
            indent=4.0,
        )
    sheet.para(
        f"5. Thời gian trả kết quả giải quyết hồ sơ: {moment(_at(entry.details.get('due_at'), calendar))}"
    )
    sheet.para(f"6. Phí, lệ phí: {money(dossier.fee_total)}")
    sheet.para(f"7. Nhận kết quả tại: {dossier.agency_name}")
    sheet.signatures([Signature("NGƯỜI NỘP HỒ SƠ", name=_name(dossier)), Signature("NGƯỜI TIẾP NHẬN HỒ SƠ")])


def _supplement_request(sheet: Sheet, issue: Issue, dossier: Dossier, calendar: WorkCalendar) -> None:
    entry = issue.entry
    sheet.title(TITLES[Paper.SUPPLEMENT_REQUEST], f"Mã hồ sơ: {dossier.code}")
    received = _received(issue)
    sheet.para(f"Hồ sơ của: {_name(dossier)}")
    sheet.para(f"Nội dung yêu cầu giải quyết: {_request(dossier)}")
    if received is not None:
        sheet.para(f"Ngày nhận hồ sơ: {moment(calendar.local(received.at))}")
    sheet.para(f"Thời điểm yêu cầu: {moment(calendar.local(entry.at))}")
    sheet.para("Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:")
    wanted = set(entry.details.get("documents") or ())
    lines = [d["name"] for d in dossier.documents_required if d["code"] in wanted]
    fee = entry.details.get("fee_total")
    if isinstance(fee, int):
        lines.append(
            f"Nghĩa vụ tài chính cần thực hiện: nộp phí, lệ phí {money(fee)} (thanh toán trực tuyến theo yêu "
            "cầu thanh toán của hồ sơ); hồ sơ tiếp tục được giải quyết khi đã nộp đủ."
        )
    sheet.items([f"{i}. {text}" for i, text in enumerate(lines, start=1)] or ["(xem lý do dưới đây)"])
    sheet.para(f"Lý do: {entry.note or ''}")
    sheet.para(f"Hạn bổ sung: {moment(_at(entry.details.get('respond_by'), calendar))}")
    sheet.para(
        "Thời hạn giải quyết được tính lại từ khi nhận đủ hồ sơ bổ sung. Trong quá trình hoàn thiện hồ sơ, "
        f"nếu có vướng mắc, ông/bà liên hệ {dossier.agency_name} để được hướng dẫn."
    )
    sheet.signatures([Signature("NGƯỜI HƯỚNG DẪN")])


def _refusal(sheet: Sheet, issue: Issue, dossier: Dossier, calendar: WorkCalendar) -> None:
    entry = issue.entry
    sheet.title(TITLES[Paper.REFUSAL], f"Mã hồ sơ: {dossier.code}")
    sheet.para(f"{dossier.agency_name} tiếp nhận hồ sơ của: {_name(dossier)}")
    sheet.para(f"Nội dung yêu cầu giải quyết: {_request(dossier)}")
    sheet.para(
        f"Qua xem xét, {dossier.agency_name} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do "
        "cụ thể như sau:"
    )
    sheet.para(entry.note or "", indent=4.0)
    sheet.para(f"Thời điểm: {moment(calendar.local(entry.at))}")
    sheet.para("Xin thông báo để ông/bà được biết và thực hiện.")
    sheet.signatures([Signature("NGƯỜI TIẾP NHẬN HỒ SƠ")])


def _letter(sheet: Sheet, issue: Issue, dossier: Dossier, calendar: WorkCalendar) -> str:
    """The opening of a letter from the holding agency (04, 05): title, addressee, what was received when;
    the issuing agency's name."""
    sheet.title(TITLES[issue.paper], f"Mã hồ sơ: {dossier.code}")
    sheet.para(f"Kính gửi: ông/bà {_name(dossier)}", align="C")
    received = _received(issue)
    when = moment(calendar.local(received.at)) if received is not None else "…"
    sheet.para(f"Ngày {when}, {dossier.agency_name} tiếp nhận hồ sơ đề nghị giải quyết {_request(dossier)}.")
    return _issuer(issue, dossier)


_HEAD = Signature("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", instruction="(Ký, ghi rõ họ tên và đóng dấu)")


def _apology(sheet: Sheet, issue: Issue, dossier: Dossier, calendar: WorkCalendar) -> None:
    entry = issue.entry
    issuer = _letter(sheet, issue, dossier, calendar)
    previous = _at(entry.details.get("previous_due_at"), calendar)
    sheet.para(f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {moment(previous)}")
    sheet.para(
        f"Tuy nhiên đến nay, {issuer} chưa trả kết quả giải quyết hồ sơ của ông/bà, lý do: {entry.note or ''}"
    )
    sheet.para(
        f"Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, công sức của ông/bà. {issuer} thành thật xin lỗi "
        "ông/bà và đề nghị gia hạn thời gian giải quyết, hẹn trả kết quả vào: "
        f"{moment(_at(entry.details.get('due_at'), calendar))}."
    )
    sheet.para("Xin trân trọng cảm ơn sự hợp tác của ông/bà.")
    sheet.signatures([_HEAD])


def _stop(sheet: Sheet, issue: Issue, dossier: Dossier, calendar: WorkCalendar) -> None:
    entry = issue.entry
    issuer = _letter(sheet, issue, dossier, calendar)
    asked = entry.action == Action.WITHDRAW.value
    why = "theo đề nghị rút hồ sơ của ông/bà" if asked else (entry.note or "")
    sheet.para(f"Ngày {moment(calendar.local(entry.at))}, {issuer} dừng giải quyết hồ sơ, lý do: {why}")
    if asked and entry.note:
        sheet.para(f"Ý kiến của người nộp: {entry.note}")
    sheet.para("Xin thông báo để ông/bà được biết.")
    sheet.signatures([_HEAD])


_HANDOVERS = {
    Action.RECEIVE.value: "Tiếp nhận hồ sơ",
    Action.FORWARD.value: "Chuyển hồ sơ",
    Action.REQUEST_SUPPLEMENT.value: "Yêu cầu bổ sung hồ sơ",
    Action.SUPPLEMENT.value: "Nhận hồ sơ bổ sung",
    Action.RESUME.value: "Tiếp tục giải quyết",
    Action.EXTEND_DEADLINE.value: "Xin lỗi, gia hạn",
    Action.APPROVE.value: "Có kết quả, chuyển Bộ phận Một cửa",
    Action.RETURN_RESULT.value: "Trả kết quả",
    Action.REJECT.value: "Từ chối",
    Action.EXPIRE_SUPPLEMENT.value: "Dừng giải quyết",
    Action.WITHDRAW.value: "Rút hồ sơ",
}


def _control(sheet: Sheet, issue: Issue, dossier: Dossier, calendar: WorkCalendar) -> None:
    sheet.title(TITLES[Paper.CONTROL], f"Mã hồ sơ: {dossier.code}")
    sheet.para(f"Kèm theo hồ sơ của: {_name(dossier)}")
    sheet.para(f"Nội dung yêu cầu giải quyết: {_request(dossier)}")
    lead = dossier.steps[-1].agency_name if dossier.steps else dossier.agency_name
    partners = sorted({s.agency_name for s in dossier.steps} - {lead})
    sheet.para(f"Cơ quan chủ trì giải quyết: {lead}")
    sheet.para(f"Cơ quan phối hợp giải quyết: {', '.join(partners) or 'không'}")
    names = {s.agency_code: s.agency_name for s in dossier.steps} | {dossier.agency_code: dossier.agency_name}
    rows: list[list[str]] = []
    holder = dossier.agency_code
    for entry in issue.history:
        label = _HANDOVERS.get(entry.action)
        if label is None:
            continue
        target = str(entry.details.get("agency_code") or holder)
        if entry.action == Action.RECEIVE.value and dossier.steps:
            target = dossier.steps[0].agency_code
        giver = names.get(
            entry.actor_agency_code or "", "Người nộp hồ sơ" if entry.actor_role == "citizen" else "Hệ thống"
        )
        receiver = names.get(target, target)
        if entry.action in (Action.FORWARD.value, Action.RECEIVE.value):
            holder = target
        rows.append(
            [
                f"{len(rows) + 1}. {label}",
                f"Giao: {giver}\nNhận: {receiver}",
                moment(calendar.local(entry.at)),
                _judged(entry, dossier, calendar),
                entry.note or "",
            ]
        )
    sheet.table(
        [
            "Bước",
            "Tên cơ quan giao, nhận",
            "Thời gian giao, nhận",
            "Kết quả (trước hạn/đúng hạn/quá hạn)",
            "Ghi chú",
        ],
        rows,
        widths=(20, 38, 22, 20, 30),
    )
    sheet.signatures([Signature("NGƯỜI GIAO"), Signature("NGƯỜI NHẬN")], space=10.0)


def _judged(entry: TimelineEntry, dossier: Dossier, calendar: WorkCalendar) -> str:
    """A handover's timeliness against the step it closed (a forward, an approval) or the dossier's due time
    (the return of the result)."""
    if entry.action == Action.FORWARD.value:
        order = int(entry.details.get("step", 0)) - 1
        step = next((s for s in dossier.steps if s.order == order), None)
        return _verdict(entry.at, step.due_at if step else None, calendar)
    if entry.action == Action.APPROVE.value:
        step = dossier.steps[-1] if dossier.steps else None
        return _verdict(entry.at, step.due_at if step else None, calendar)
    if entry.action == Action.RETURN_RESULT.value:
        return _verdict(entry.at, dossier.appointment_at or dossier.due_at, calendar)
    return ""


def _verdict(done: datetime, due: datetime | None, calendar: WorkCalendar) -> str:
    if due is None:
        return ""
    if done > due:
        return "Quá hạn"
    if calendar.local(done).date() < calendar.local(due).date():
        return "Trước hạn"
    return "Đúng hạn"


_BODIES = {
    Paper.RECEIPT: _receipt,
    Paper.SUPPLEMENT_REQUEST: _supplement_request,
    Paper.REFUSAL: _refusal,
    Paper.APOLOGY: _apology,
    Paper.STOP: _stop,
    Paper.CONTROL: _control,
}


def render_register(
    agency_code: str,
    dossiers: Sequence[Dossier],
    start: date,
    end: date,
    *,
    printed_at: datetime,
    calendar: WorkCalendar,
    settings: Settings,
) -> bytes:
    """The register (Mẫu số 07) of what ``agency_code`` received from ``start`` to ``end``, A4 landscape."""
    agency_name = dossiers[0].agency_name if dossiers else agency_code
    sheet = Sheet(
        size=A4,
        landscape=True,
        fonts=_fonts(settings.papers),
        title=f"{REGISTER_TITLE} — {agency_name}",
        issued_at=printed_at,
    )
    sheet.header(
        Header(
            governing=settings.papers.governing_body,
            unit=agency_name,
            number=f"{start:%Y%m%d}-{end:%Y%m%d}/SĐ",
            place_and_date=date_line(settings.papers.place, calendar.local(printed_at)),
        ),
        form=f"Mẫu số {REGISTER_FORM} — {CIRCULAR}",
    )
    sheet.title(REGISTER_TITLE, f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}")
    rows = [_register_row(i, d, calendar) for i, d in enumerate(dossiers, start=1)]
    sheet.table(
        [
            "STT",
            "Mã hồ sơ",
            "Tên thủ tục hành chính",
            "Số lượng hồ sơ (bộ)",
            "Tên cá nhân, tổ chức",
            "Số điện thoại",
            "Cơ quan chủ trì giải quyết",
            "Nhận hồ sơ",
            "Hẹn trả kết quả",
            "Có kết quả",
            "Trả kết quả",
            "Ghi chú",
        ],
        rows,
        widths=(8, 42, 30, 11, 26, 22, 26, 21, 21, 21, 21, 15),
        size=7,
    )
    sheet.para(f"Tổng số hồ sơ: {len(rows)}")
    return sheet.output()


def _register_row(index: int, dossier: Dossier, calendar: WorkCalendar) -> list[str]:
    def day(moment_: datetime | None) -> str:
        return "" if moment_ is None else f"{calendar.local(moment_):%d/%m/%Y %H:%M}"

    lead = dossier.steps[-1].agency_name if dossier.steps else dossier.agency_name
    note = {"rejected": "Từ chối", "withdrawn": "Rút hồ sơ"}.get(dossier.status, "")
    if dossier.stopped_by_system:
        note = "Dừng giải quyết"
    if dossier.extension_count:
        note = f"{note}; gia hạn {dossier.extension_count} lần".lstrip("; ")
    return [
        str(index),
        dossier.code,
        dossier.procedure_name,
        "01",
        _name(dossier),
        str(dossier.applicant.get("phone", "")),
        lead,
        day(dossier.received_at),
        day(dossier.appointment_at or dossier.due_at),
        day(dossier.approved_at),
        day(dossier.returned_at),
        note,
    ]


async def paper_for(
    uow: DossierUow,
    who: Principal,
    code: str,
    paper: Paper,
    *,
    ordinal: int | None,
    calendar: WorkCalendar,
    settings: Settings,
    signer: PaperSigner,
) -> bytes:
    """The signed PDF, for the applicant and the officers handling the dossier; 409 before it is issued.

    ``ordinal`` picks one of several papers of a kind (the first supplement request, the second extension);
    without it, the latest.
    """
    async with uow:
        dossier = await uow.dossiers.by_code(code)
        if dossier is None or not dossier.visible_to(who):
            raise DossierNotFound()
        history = await uow.dossiers.timeline(dossier.id)
        issue = find_issue(paper, history, ordinal)
        if issue is None:
            raise PaperNotIssued("Hồ sơ chưa đến bước có loại phiếu này.")
        form = f"mau-{FORM_NUMBERS[paper]}" + (f"-{ordinal}" if ordinal else "")
        await record_read(uow, who, "paper.render", AUDIT_RESOURCE, dossier.code, detail=form)

    def issued() -> bytes:
        document = render(issue, dossier, calendar=calendar, settings=settings)
        return signer.sign_blocking(document, seal(issue, dossier))

    # Laying out and signing a PDF take CPU: keep them off the event loop.
    return await asyncio.to_thread(issued)


async def register_for(
    uow: DossierUow,
    who: Principal,
    agency_code: str,
    start: date,
    end: date,
    *,
    now: datetime,
    calendar: WorkCalendar,
    settings: Settings,
    signer: PaperSigner,
) -> bytes:
    """The register of what ``agency_code`` received from ``start`` to ``end`` (inclusive, platform dates),
    for its officers and admins, signed by the unit."""
    if who.role is not Role.ADMIN and not (who.role is Role.OFFICER and who.agency_code == agency_code):
        raise RegisterForbidden("Chỉ cán bộ của đơn vị mới xem được sổ theo dõi hồ sơ của đơn vị.")
    if end < start or (end - start).days >= MAX_REGISTER_DAYS:
        raise RegisterRangeInvalid(
            "Khoảng ngày không hợp lệ hoặc quá dài.",
            errors=[{"field": "to", "message": f"on or after `from`, at most {MAX_REGISTER_DAYS} days"}],
        )
    since = datetime.combine(start, time.min, calendar.zone)
    until = datetime.combine(end + timedelta(days=1), time.min, calendar.zone)
    async with uow:
        dossiers = await uow.dossiers.received_by(agency_code, since, until, MAX_REGISTER_ROWS)
        register = f"mau-{REGISTER_FORM} {agency_code} {start:%Y-%m-%d}..{end:%Y-%m-%d}"
        await record_read(
            uow, who, "paper.register", AUDIT_RESOURCE, [d.code for d in dossiers], detail=register
        )
    name = next((d.agency_name for d in dossiers if d.agency_code == agency_code), agency_code)
    period = f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"
    sealed = Seal(
        agency_code=agency_code,
        agency_name=name,
        kind=f"mau-{REGISTER_FORM}",
        reference=f"{agency_code} {period}",
        reason=f"{REGISTER_TITLE}, {period}",
    )

    def printed() -> bytes:
        document = render_register(
            agency_code, dossiers, start, end, printed_at=now, calendar=calendar, settings=settings
        )
        return signer.sign_blocking(document, sealed)

    return await asyncio.to_thread(printed)
