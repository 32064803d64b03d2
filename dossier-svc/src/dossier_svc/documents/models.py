"""Documents attached to a dossier (the bytes are in the file store, keyed by their sha256)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dossier_svc.db import Base
from dossier_svc.dossiers.models import new_id

RESULT_DOCUMENT = "KET-QUA"
"""The document code of an officer's result (no procedure document uses it: theirs are the procedure's)."""


class DossierDocument(Base):
    """One uploaded file of a dossier, for one of its procedure's documents."""

    __tablename__ = "dossier_documents"
    __table_args__ = (Index("ix_dossier_documents_dossier", "dossier_id", "uploaded_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    document_code: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_role: Mapped[str] = mapped_column(String(16))
    uploaded_at: Mapped[datetime]
    reused_from_id: Mapped[str | None] = mapped_column(String(32), default=None)
    """The wallet document this one reuses by reference (the same stored bytes), if it was not uploaded."""
    reused_from_dossier: Mapped[str | None] = mapped_column(String(96), default=None)
    """The code of the dossier that document came from, for the officer to see."""
    issuer_code: Mapped[str | None] = mapped_column(String(64), default=None)
    """For a result: the agency that issued it, whose certificate signed it on upload."""
    issuer_name: Mapped[str | None] = mapped_column(Text, default=None)
    wallet_removed_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the citizen removed their upload from their wallet (it stays with its closed dossier)."""

    @property
    def is_result(self) -> bool:
        """An officer's result, signed by the platform with the issuing agency's certificate."""
        return self.document_code == RESULT_DOCUMENT and self.issuer_code is not None


@dataclass(frozen=True)
class WalletDocument:
    """A document in a citizen's wallet: the row and the code of the dossier it belongs to."""

    row: DossierDocument
    dossier_code: str
    issued: bool
    """Attached by the agency (a result, a counter scan), not uploaded by the citizen."""


@dataclass(frozen=True)
class IssuedResult:
    """A signed result as its verify reference finds it: the row, and its dossier's code and result name."""

    row: DossierDocument
    dossier_code: str
    result_name: str | None
    returned: bool


@dataclass(frozen=True)
class DossierDocuments:
    """A dossier's documents, with the dossier's code their links are built from."""

    dossier_code: str
    rows: Sequence[DossierDocument]
