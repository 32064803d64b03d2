"""Document use cases: inspect (size, type by content, sha256), store, attach, list, download."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from pydantic import TypeAdapter
from pyhanko.pdf_utils.misc import PdfError

from dossier_svc.documents.errors import (
    DocumentKept,
    DocumentNotFound,
    FileTooLarge,
    ResultNotFound,
    UnsupportedFileType,
)
from dossier_svc.documents.models import (
    RESULT_DOCUMENT,
    DossierDocument,
    DossierDocuments,
    IssuedResult,
    WalletDocument,
)
from dossier_svc.documents.store import FileStore
from dossier_svc.dossiers.errors import ActionForbidden, DossierNotFound, IllegalAction, InvalidDossier
from dossier_svc.dossiers.models import AUDIT_RESOURCE, Dossier, new_id
from dossier_svc.dossiers.workflow import CLOSED, Party, State
from dossier_svc.ports import Ports
from dossier_svc.settings import DocumentSettings
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.audit import record_read
from motcua_shared.chassis.auth import Principal, Role
from motcua_shared.chassis.clock import Clock
from motcua_shared.chassis.pages import Cursor, Page
from motcua_shared.chassis.signing import Seal

log = logging.getLogger(__name__)

_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)

UPLOADERS: dict[State, frozenset[Party]] = {
    State.DRAFT: frozenset({Party.OWNER}),
    State.SUBMITTED: frozenset({Party.RECEIVING_OFFICER}),
    State.SUPPLEMENT_REQUESTED: frozenset({Party.OWNER, Party.RECEIVING_OFFICER}),
}
"""Who may attach documents, by state: the applicant while drafting or supplementing, the counter while
receiving (scans of paper filings) or supplementing."""


@dataclass(frozen=True)
class IncomingFile:
    """A file as the client sent it."""

    document_code: str
    filename: str | None
    data: bytes


@dataclass(frozen=True)
class Inspected:
    """A file that passed inspection."""

    document_code: str
    filename: str
    content_type: str
    sha256: str
    data: bytes

    @property
    def size(self) -> int:
        """Its length in bytes."""
        return len(self.data)


def sniff(data: bytes) -> tuple[str, str] | None:
    """The media type and extension the content's magic number says, for PDF, PNG and JPEG only."""
    for magic, media_type, extension in _SIGNATURES:
        if data.startswith(magic):
            return media_type, extension
    return None


def safe_filename(name: str | None, fallback: str) -> str:
    """A display name only: the last path component, printable, at most 150 characters."""
    if not name:
        return fallback
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"\s+", " ", base).strip().lstrip(".")
    return base[:150] or fallback


INLINE_HASH_BYTES = 1024 * 1024
"""Up to this many bytes per request are hashed on the event loop (well under a millisecond); more go to a
worker thread, where hashlib releases the GIL, so one large upload never stalls the other requests."""

_DOCUMENT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

WALLET_CURSOR: Cursor[tuple[datetime, str]] = Cursor(TypeAdapter(tuple[datetime, str]))


def inspect(incoming: IncomingFile, *, max_bytes: int) -> Inspected:
    """422 for a malformed document code, 413 when too large, 415 unless the content is a PDF, JPEG or
    PNG; nothing is stored here."""
    if not _DOCUMENT_CODE.fullmatch(incoming.document_code):
        raise InvalidDossier(
            "Mã thành phần hồ sơ không hợp lệ.",
            errors=[{"field": "documents", "message": "a document code is letters, digits, '.', '_', '-'"}],
        )
    if len(incoming.data) > max_bytes:
        raise FileTooLarge(
            f"Tệp vượt quá giới hạn {max_bytes // (1024 * 1024) or 1} MB.",
            errors=[{"field": incoming.document_code, "message": f"larger than {max_bytes} bytes"}],
        )
    if not incoming.data:
        raise UnsupportedFileType("Tệp rỗng.", errors=[{"field": incoming.document_code, "message": "empty"}])
    kind = sniff(incoming.data)
    if kind is None:
        raise UnsupportedFileType(
            "Chỉ nhận tệp PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp).",
            errors=[{"field": incoming.document_code, "message": "content is not PDF, JPEG or PNG"}],
        )
    media_type, extension = kind
    return Inspected(
        document_code=incoming.document_code,
        filename=safe_filename(incoming.filename, f"{incoming.document_code}.{extension}"),
        content_type=media_type,
        sha256=hashlib.sha256(incoming.data).hexdigest(),
        data=incoming.data,
    )


async def inspect_all(incoming: Sequence[IncomingFile], *, max_bytes: int) -> list[Inspected]:
    """:func:`inspect` every file of a request, off the event loop when they are large."""
    if sum(len(f.data) for f in incoming) <= INLINE_HASH_BYTES:
        return [inspect(f, max_bytes=max_bytes) for f in incoming]
    return await asyncio.to_thread(lambda: [inspect(f, max_bytes=max_bytes) for f in incoming])


def check_codes(files: Sequence[Inspected | str], allowed: set[str]) -> None:
    """422 when a file (or a document code) is for a document the procedure does not list."""
    unknown = sorted({f if isinstance(f, str) else f.document_code for f in files} - allowed)
    if unknown:
        raise InvalidDossier(
            "Thành phần hồ sơ không thuộc thủ tục.",
            errors=[{"field": f"documents.{code}", "message": "unknown document code"} for code in unknown],
        )


async def store(files: FileStore, inspected: Sequence[Inspected]) -> None:
    """Put the bytes in the file store, durably (content-addressed: a retry stores nothing twice)."""
    await files.put_many([(item.sha256, item.data) for item in inspected])


def new_values(dossier_id: str, item: Inspected, who: Principal, now: datetime) -> dict[str, Any]:
    """The column values of a stored file's document row, for a statement that inserts it itself."""
    return {
        "id": new_id(),
        "dossier_id": dossier_id,
        "document_code": item.document_code,
        "filename": item.filename,
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
        "storage_key": item.sha256,
        "uploaded_by": who.subject,
        "uploaded_role": who.role.value,
        "uploaded_at": now,
    }


def new_row(dossier_id: str, item: Inspected, who: Principal, now: datetime) -> DossierDocument:
    """The document row of a stored file (not staged anywhere)."""
    return DossierDocument(**new_values(dossier_id, item, who, now))


def attach(
    uow: DossierUow, dossier: Dossier, item: Inspected, who: Principal, now: datetime
) -> DossierDocument:
    """Stage the document row of a stored file."""
    row = new_row(dossier.id, item, who, now)
    uow.documents.add(row)
    return row


async def _visible(uow: DossierUow, who: Principal, code: str) -> Dossier:
    dossier = await uow.dossiers.by_code(code)
    if dossier is None or not dossier.visible_to(who):
        raise DossierNotFound()
    return dossier


async def upload(
    uow: DossierUow, ports: Ports, who: Principal, code: str, incoming: IncomingFile
) -> DossierDocument:
    """Attach one file to a dossier, when its state and the caller's party allow it; the stored row."""
    (item,) = await inspect_all([incoming], max_bytes=ports.settings.documents.max_bytes)
    async with uow:
        dossier = await _receiving(uow, who, code, item.document_code)
        await store(ports.files, [item])
        row = attach(uow, dossier, item, who, ports.clock.now())
        uow.audit.record(who, "document.upload", AUDIT_RESOURCE, dossier.code, detail=row.id)
        await uow.commit()
    return row


async def _receiving(uow: DossierUow, who: Principal, code: str, document_code: str) -> Dossier:
    """The dossier ``code`` when ``who`` may attach a ``document_code`` file to it now."""
    dossier = await _visible(uow, who, code)
    allowed_parties = UPLOADERS.get(dossier.state)
    if allowed_parties is None:
        raise IllegalAction(f"Không thể nộp thêm tệp khi hồ sơ ở trạng thái '{dossier.status}'.")
    if not allowed_parties & dossier.parties(who):
        raise ActionForbidden("Ông/bà không được nộp tệp cho hồ sơ này ở trạng thái hiện tại.")
    if dossier.is_draft:
        procedure = await uow.procedures.get(dossier.procedure_code)
        codes = {d.code for d in procedure.to_snapshot().documents} if procedure else set()
    else:
        codes = {d["code"] for d in dossier.documents_required}
    check_codes([document_code], codes)
    return dossier


async def reuse(
    uow: DossierUow, ports: Ports, who: Principal, code: str, *, document_id: str, document_code: str
) -> DossierDocument:
    """Attach a document of the caller's wallet to the dossier ``code`` by reference: a new row over the
    same stored bytes (nothing is uploaded or copied), naming the document and dossier it came from.

    Only the citizen who owns the source document's dossier may reuse it; anyone else is told it does not
    exist (404), as for a dossier that is not theirs.
    """
    async with uow:
        dossier = await _receiving(uow, who, code, document_code)
        found = await uow.documents.owned(who.subject, document_id) if who.role is Role.CITIZEN else None
        if found is None:
            raise DocumentNotFound()
        source, source_dossier = found
        await ports.files.touch(source.storage_key)
        row = DossierDocument(
            id=new_id(),
            dossier_id=dossier.id,
            document_code=document_code,
            filename=source.filename,
            content_type=source.content_type,
            size=source.size,
            sha256=source.sha256,
            storage_key=source.storage_key,
            uploaded_by=who.subject,
            uploaded_role=who.role.value,
            uploaded_at=ports.clock.now(),
            reused_from_id=source.reused_from_id or source.id,
            reused_from_dossier=source.reused_from_dossier or source_dossier.code,
        )
        uow.documents.add(row)
        await uow.commit()
    return row


RESULT_KIND = "ket-qua"
"""The kind a result's signature states (``/MotcuaKind``), as the verify API reports it."""

_UNSIGNABLE = (PdfError, ValueError, KeyError, TypeError, IndexError)
"""What pyHanko raises for a PDF it cannot add a revision to (damaged, or encrypted with a password)."""


async def upload_result(
    uow: DossierUow, ports: Ports, who: Principal, code: str, filename: str | None, data: bytes
) -> DossierDocument:
    """Issue the result of an approved dossier: the officer's PDF, signed by the platform with the certificate
    of the agency that approved it (PAdES, a visible stamp whose QR code opens the verify screen), stored and
    attached to the dossier, where the citizen's wallet shows it as issued.

    Only the approving agency's officer may, while the result is ready and not yet returned; a new upload
    replaces the one before. A result must be a PDF: an image is refused (415) rather than converted, since
    the signature would then certify a page the platform drew and the officer never saw.
    """
    item = inspect(
        IncomingFile(document_code=RESULT_DOCUMENT, filename=filename, data=data),
        max_bytes=ports.settings.documents.max_bytes,
    )
    if item.content_type != "application/pdf":
        raise UnsupportedFileType(
            "Kết quả phải là tệp PDF (quét hoặc xuất văn bản ra PDF rồi tải lên).",
            errors=[{"field": "file", "message": "a result is a PDF; images are not signed"}],
        )
    async with uow:
        dossier = await _visible(uow, who, code)
        if dossier.state is not State.RESULT_READY:
            raise IllegalAction(
                f"Chỉ tải kết quả lên khi hồ sơ đã có kết quả (trạng thái '{dossier.status}')."
            )
        if Party.HOLDING_OFFICER not in dossier.parties(who):
            raise ActionForbidden("Chỉ cán bộ của cơ quan phê duyệt được ban hành kết quả của hồ sơ này.")
        step = dossier.step
        issuer_code = dossier.holder_agency_code
        issuer_name = step.agency_name if step is not None else dossier.agency_name
        row_id = new_id()
        seal = Seal(
            agency_code=issuer_code,
            agency_name=issuer_name,
            kind=RESULT_KIND,
            reference=row_id,
            reason=f"Kết quả giải quyết hồ sơ {dossier.code}: {dossier.result_name or 'kết quả'}"[:500],
            dossier_code=dossier.code,
            verify_url=ports.settings.result_verify_link(row_id),
        )
        try:
            signed = await ports.signer.sign(item.data, seal)
        except _UNSIGNABLE as exc:
            raise UnsupportedFileType(
                "Không ký số được tệp PDF này (tệp hỏng hoặc có mật khẩu).",
                errors=[{"field": "file", "message": "the PDF cannot be signed"}],
            ) from exc
        digest = hashlib.sha256(signed).hexdigest()
        await ports.files.put(digest, signed)
        for earlier in await uow.documents.for_dossier(dossier.id):
            if earlier.document_code == RESULT_DOCUMENT:
                await uow.documents.delete(earlier)
        row = DossierDocument(
            id=row_id,
            dossier_id=dossier.id,
            document_code=RESULT_DOCUMENT,
            filename=item.filename,
            content_type=item.content_type,
            size=len(signed),
            sha256=digest,
            storage_key=digest,
            uploaded_by=who.subject,
            uploaded_role=who.role.value,
            uploaded_at=ports.clock.now(),
            issuer_code=issuer_code,
            issuer_name=issuer_name,
        )
        uow.documents.add(row)
        uow.audit.record(who, "document.upload_result", AUDIT_RESOURCE, dossier.code, detail=row.id)
        await uow.commit()
    return row


async def issued_result(uow: DossierUow, reference: str) -> IssuedResult:
    """The signed result a result's QR code names (anyone may ask: the reference is unguessable)."""
    async with uow:
        found = await uow.documents.result(reference)
    if found is None:
        raise ResultNotFound()
    row, dossier = found
    return IssuedResult(
        row=row,
        dossier_code=dossier.code,
        result_name=dossier.result_name,
        returned=dossier.state is State.RETURNED,
    )


async def wallet(uow: DossierUow, who: Principal, *, limit: int, cursor: str | None) -> Page[WalletDocument]:
    """The caller's wallet: every document of their dossiers, what they uploaded and what the agency issued
    to them, newest first."""
    if who.role is not Role.CITIZEN:
        raise ActionForbidden("Kho giấy tờ là của công dân.")
    after = WALLET_CURSOR.decode(cursor)
    async with uow:
        rows = await uow.documents.of_owner(who.subject, after=after, limit=limit + 1)
        total = await uow.documents.count_of_owner(who.subject)
    kept, next_cursor = WALLET_CURSOR.cut(rows, limit, lambda r: (r[0].uploaded_at, r[0].id))
    items = [WalletDocument(row, code, issued=row.uploaded_role != Role.CITIZEN.value) for row, code in kept]
    return Page[WalletDocument](items=items, total=total, next_cursor=next_cursor)


async def remove_from_wallet(uow: DossierUow, ports: Ports, who: Principal, document_id: str) -> None:
    """A citizen removes one of their own uploads from their wallet.

    From a draft it is deleted (the draft is theirs alone). From a closed dossier (returned, refused,
    withdrawn) it leaves the wallet but stays with the dossier, part of the file the agency decided on, until
    the retention purge. From a dossier being decided it cannot go (409), nor can a document an agency issued
    (a result, a counter scan: public records). Another citizen's document is not found (404); an officer is
    refused (403).
    """
    if who.role is not Role.CITIZEN:
        raise ActionForbidden("Kho giấy tờ là của công dân.")
    async with uow:
        found = await uow.documents.owned(who.subject, document_id)
        if found is None:
            raise DocumentNotFound()
        row, dossier = found
        if row.uploaded_role != Role.CITIZEN.value:
            raise DocumentKept("Giấy tờ do cơ quan ban hành là hồ sơ công, không xóa khỏi kho được.")
        if dossier.is_draft:
            await uow.documents.delete(row)
        elif dossier.state in CLOSED:
            row.wallet_removed_at = ports.clock.now()
        else:
            raise DocumentKept(
                "Giấy tờ đang thuộc hồ sơ đang giải quyết; chỉ xóa được khi hồ sơ đã kết thúc."
            )
        await uow.commit()


async def purge_expired(
    uow_factory: Callable[[], DossierUow], files: FileStore, settings: DocumentSettings, *, now: datetime
) -> int:
    """One pass of the retention purge: delete the citizens' uploads to dossiers closed longer than
    ``settings.upload_retention_days`` ago (a batch), then the stored files no document holds any more;
    how many uploads went. Results and agency documents are never purged here."""
    if settings.upload_retention_days is None:
        return 0
    async with uow_factory() as uow:
        keys = await uow.documents.purge_uploads(
            closed_before=now - timedelta(days=settings.upload_retention_days), limit=settings.purge_batch
        )
        idle = keys - await uow.documents.referenced(keys)
        await uow.commit()
    await files.delete_idle(idle, idle_for=settings.purge_grace)
    return len(keys)


async def purge_forever(
    uow_factory: Callable[[], DossierUow], files: FileStore, settings: DocumentSettings, clock: Clock
) -> None:
    """Purge every ``settings.purge_interval`` seconds until cancelled (run by one replica at a time)."""
    while True:
        try:
            while (purged := await purge_expired(uow_factory, files, settings, now=clock.now())) >= (
                settings.purge_batch
            ):
                log.info("expired uploads purged", extra={"purged": purged})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("upload purge failed")
        await asyncio.sleep(settings.purge_interval)


async def listing(uow: DossierUow, who: Principal, code: str) -> DossierDocuments:
    """A dossier's documents."""
    async with uow:
        dossier = await _visible(uow, who, code)
        rows = await uow.documents.for_dossier(dossier.id)
        await record_read(uow, who, "document.list", AUDIT_RESOURCE, dossier.code)
    return DossierDocuments(dossier.code, rows)


async def download(
    uow: DossierUow, ports: Ports, who: Principal, code: str, document_id: str
) -> tuple[DossierDocument, bytes]:
    """A document's bytes, for the dossier's owner and the officers handling it only."""
    async with uow:
        dossier = await _visible(uow, who, code)
        row = await uow.documents.get(dossier.id, document_id)
        if row is None:
            raise DossierNotFound()
        data = await ports.files.get(row.storage_key)
        await record_read(uow, who, "document.download", AUDIT_RESOURCE, dossier.code, detail=row.id)
    return row, data
