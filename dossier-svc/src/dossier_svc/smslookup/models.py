"""Look-up by SMS, the pure parts: reading a message as citizens type it, the provider's signature, the
next step a status calls for, and the per-phone gate (token buckets every replica shares)."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.workflow import State
from dossier_svc.settings import SmsLookupSettings
from motcua_shared.chassis.limits import Buckets, MemoryStore, StateStore

KEYWORD = "TRACUU"
"""``TRACUU <mã hồ sơ> <4 số cuối điện thoại | mã tra cứu>``; ``TRA CUU``, any case, with or without
diacritics (``Tra cứu``) reads alike."""

_SEPARATORS = re.compile(r"[\s,;]+")
_TRAILING = ".!?"


def _fold(word: str) -> str:
    """``cứu`` → ``CUU``: what a keyword is compared as (phones type it every way)."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").upper()


@dataclass(frozen=True, slots=True)
class SmsQuery:
    """A look-up asked by SMS: the dossier's code and the proof of holding it."""

    code: str
    proof: str


def parse(text: str) -> SmsQuery | None:
    """The look-up in ``text``, or None when it is not one (the reply then says how to write it).

    The keyword is matched whatever its case and diacritics; words may be separated by spaces, commas or
    semicolons; a final full stop is forgiven. The code is kept as typed (codes are matched exactly); the
    proof is compared without regard to case by the look-up itself."""
    words = [w for w in _SEPARATORS.split(text.strip()) if w]
    head = [_fold(w) for w in words[:2]]
    if head[:1] == [KEYWORD]:
        rest = words[1:]
    elif head == ["TRA", "CUU"]:
        rest = words[2:]
    else:
        return None
    if len(rest) != 2:
        return None
    code, proof = rest[0], rest[1].rstrip(_TRAILING)
    if not code or not proof or len(code) > 96 or len(proof) > 64:
        return None
    return SmsQuery(code, proof)


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The provider's signature of one message: ``sha256=<hex HMAC-SHA256 of "<timestamp>." + body>``."""
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_verifies(secret: bytes, timestamp: str | None, signature: str | None, body: bytes) -> bool:
    """Whether ``signature`` is the provider's over ``timestamp`` and ``body`` (compared in constant time)."""
    if timestamp is None or signature is None or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return hmac.compare_digest(signature.encode(), sign(secret, timestamp, body).encode())


def next_step(dossier: Dossier) -> str:
    """What happens next to ``dossier``, or what its holder must do, in a few words for an SMS."""
    state = dossier.state
    if dossier.national_status == 6:
        return "Ông/bà nộp phí, lệ phí để hồ sơ được giải quyết."
    if state is State.SUBMITTED:
        return "Chờ cơ quan tiếp nhận hồ sơ."
    if state is State.SUPPLEMENT_REQUESTED:
        return "Ông/bà bổ sung hồ sơ theo yêu cầu của cơ quan."
    if state is State.RESULT_READY:
        return "Ông/bà nhận kết quả theo hình thức đã đăng ký."
    if state is State.RETURNED:
        return "Hồ sơ đã hoàn thành, đã trả kết quả."
    if state is State.REJECTED:
        return "Hồ sơ không được giải quyết; lý do xem tại Cổng dịch vụ công."
    if state is State.WITHDRAWN:
        return "Hồ sơ đã được rút theo yêu cầu."
    step = dossier.step
    if step is not None and step.name:
        return f"Đang giải quyết ở bước {step.name}."
    return "Cơ quan đang giải quyết hồ sơ."


@dataclass(frozen=True)
class _PerHour:
    burst: int
    per_hour: float

    @property
    def per_minute(self) -> float:
        return self.per_hour / 60.0


class PhoneGate:
    """Per phone, ``per_phone_burst`` look-ups at once earned back at ``per_phone_per_hour``; and each
    inbound message answered once (a provider's retry within the signature window is a no-op)."""

    def __init__(self, settings: SmsLookupSettings, store: StateStore | None = None) -> None:
        self._buckets = Buckets(store or MemoryStore())
        self._phone = _PerHour(settings.per_phone_burst, settings.per_phone_per_hour)
        # One token per message id, earned back only after the signature window has closed.
        self._once = _PerHour(1, 3600.0 / (2 * settings.window_seconds))

    def keep_state_in(self, store: StateStore) -> None:
        """Share the counts through ``store`` (the service's database once it is open)."""
        self._buckets.store = store

    async def first_time(self, message_id: str) -> bool:
        """Whether the message ``message_id`` is new (and from now on, seen)."""
        return await self._buckets.take("sms-lookup-message", self._once, message_id) == 0

    async def admit(self, phone: str) -> bool:
        """Whether ``phone`` may look up now (spending one of its look-ups)."""
        return await self._buckets.take("sms-lookup-phone", self._phone, phone) == 0
