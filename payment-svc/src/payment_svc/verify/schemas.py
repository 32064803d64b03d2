"""What a verification answers: a verdict on an uploaded paper, or the record of an issued receipt."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from motcua_shared.chassis.signing import Verdict, Verdicts
from payment_svc.payments.models import Payment
from payment_svc.receipts.amounts import in_words

SUMMARIES: dict[Verdicts, str] = {
    Verdicts.VALID: "Giấy tờ nguyên vẹn, được ký số bởi {signer} lúc {when}.",
    Verdicts.TAMPERED: "Giấy tờ đã bị sửa đổi sau khi ký: không còn giá trị.",
    Verdicts.UNTRUSTED: "Chữ ký số nguyên vẹn nhưng chứng thư của {signer} không do tổ chức "
    "được tin cậy cấp.",
    Verdicts.UNSIGNED: "Tệp PDF không có chữ ký số.",
}


class SignerOut(BaseModel):
    """The certificate that signed."""

    name: str | None = Field(description="The certificate's common name (the agency).")
    organization: str | None
    certificate_serial: str | None = Field(description="Hexadecimal.")
    certificate_issuer: str | None


class PaperClaimOut(BaseModel):
    """What the signed paper says it is (only reported when the signature holds)."""

    kind: str | None = Field(description="`bien-lai` (fee receipt), `mau-01`…`mau-07`, `ket-qua` (a result).")
    reference: str | None = Field(description="The receipt's series and number, the paper's reference…")
    dossier_code: str | None
    reason: str | None


class VerificationOut(BaseModel):
    """The verdict on an uploaded paper."""

    verdict: Literal["valid", "tampered", "untrusted", "unsigned"]
    intact: bool = Field(description="Unchanged since it was signed.")
    trusted: bool = Field(description="Signed with a certificate the platform trusts.")
    summary: str = Field(description="The verdict in one Vietnamese sentence, for people.")
    signer: SignerOut | None
    signed_at: datetime | None
    paper: PaperClaimOut | None
    sha256: str = Field(description="Digest of the uploaded file.")

    @classmethod
    def of(cls, verdict: Verdict) -> VerificationOut:
        """Shape a chassis verdict."""
        when = f"{verdict.signed_at:%H:%M ngày %d/%m/%Y}" if verdict.signed_at else "không rõ"
        told = verdict.verdict in (Verdicts.VALID, Verdicts.UNTRUSTED)
        return cls(
            verdict=verdict.verdict.value,
            intact=verdict.intact,
            trusted=verdict.trusted,
            summary=SUMMARIES[verdict.verdict].format(signer=verdict.signer or "không rõ", when=when),
            signer=SignerOut(
                name=verdict.signer,
                organization=verdict.signer_organization,
                certificate_serial=verdict.certificate_serial,
                certificate_issuer=verdict.certificate_issuer,
            )
            if told
            else None,
            signed_at=verdict.signed_at,
            paper=PaperClaimOut(
                kind=verdict.kind,
                reference=verdict.reference,
                dossier_code=verdict.dossier_code,
                reason=verdict.reason,
            )
            if told
            else None,
            sha256=verdict.sha256 or "",
        )


def _initials(name: str) -> str:
    """``Nguyễn Thị Hương`` → ``Nguyễn T. H.``: enough to recognise, not to identify."""
    first, *rest = name.split() or [""]
    return " ".join([first, *(f"{part[0]}." for part in rest)])


class IssuedReceiptOut(BaseModel):
    """The record of an e-receipt, as its QR code's reference finds it."""

    kind: Literal["bien-lai"] = "bien-lai"
    reference: str = Field(description="The reference the QR code holds.")
    form_number: str | None
    series: str | None
    number: str = Field(description="Series and number (`AA-26E-0000042`).")
    issuer: str = Field(description="The collecting agency, whose certificate signs the receipt.")
    agency_code: str
    dossier_code: str
    payer: str = Field(description="The payer's name, given names as initials.")
    amount: int
    amount_in_words: str
    refunded_amount: int
    issued_at: datetime

    @classmethod
    def of(cls, payment: Payment) -> IssuedReceiptOut:
        """Shape a paid payment's receipt."""
        assert payment.receipt_number is not None, "only a paid payment has a receipt"
        assert payment.paid_at is not None, "only a paid payment has a receipt"
        return cls(
            reference=payment.id,
            form_number=payment.receipt_form,
            series=payment.receipt_series,
            number=payment.receipt_number,
            issuer=payment.agency_name,
            agency_code=payment.agency_code,
            dossier_code=payment.dossier_code,
            payer=_initials(payment.payer_name),
            amount=payment.amount,
            amount_in_words=in_words(payment.amount),
            refunded_amount=payment.refunded_amount,
            issued_at=payment.paid_at,
        )
