"""Rendering: a sandboxed Jinja2 environment (templates are edited by admins), strict about names."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from motcua_shared.chassis.clock import PLATFORM_TZ


def vnd(amount: Any) -> str:
    """``8000`` → ``8.000 đồng`` (Vietnamese groups thousands with dots)."""
    if amount is None:
        return ""
    return f"{int(amount):,}".replace(",", ".") + " đồng"


def ngay(value: Any) -> str:
    """An instant as Huế reads it: ``08:15 ngày 05/08/2025`` (Asia/Ho_Chi_Minh)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(PLATFORM_TZ)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def rut(value: Any, limit: int) -> str:
    """Free text cut to at most ``limit`` characters at a word, ``...`` marking the cut (it keeps an SMS
    within its segments; ``...`` rather than ``…``, which no GSM-7 route carries)."""
    text = " ".join(str(value).split())
    if len(text) <= limit:
        return text
    head = text[: limit - 3]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.rstrip(" ,;:.") + "..."


class _Environment(SandboxedEnvironment):
    """The sandbox, with each template's globals a plain dict instead of a ``ChainMap`` over the
    environment's: every render copies them into its context, and copying a ``ChainMap`` costs several
    times more (this environment's globals never change once built, so nothing is lost)."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """The environment's globals overlaid with the template's ``d``, as one dict."""
        return {**self.globals, **(d or {})}


def _environment() -> SandboxedEnvironment:
    env = _Environment(undefined=StrictUndefined, autoescape=False)
    env.filters["vnd"] = vnd
    env.filters["ngay"] = ngay
    env.filters["rut"] = rut
    return env


_ENV = _environment()


class RenderError(ValueError):
    """A template that does not compile, or names something the context lacks."""


@lru_cache(maxsize=2048)
def _compiled(source: str) -> Any:
    return _ENV.from_string(source)


def render_text(source: str, context: dict[str, Any]) -> str:
    """Render one template source; raises :class:`RenderError`."""
    try:
        return str(_compiled(source).render(context)).strip()
    except TemplateError as exc:
        raise RenderError(str(exc)) from exc


def check(source: str) -> None:
    """Raise :class:`RenderError` when ``source`` does not compile."""
    try:
        _ENV.parse(source)
    except TemplateError as exc:
        raise RenderError(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered message."""

    code: str
    channel: str
    version: int
    subject: str | None
    body: str


def render(
    code: str, channel: str, version: int, subject: str | None, body: str, context: dict[str, Any]
) -> Rendered:
    """Render a template version's subject and body."""
    return Rendered(
        code,
        channel,
        version,
        render_text(subject, context) if subject else None,
        render_text(body, context),
    )
