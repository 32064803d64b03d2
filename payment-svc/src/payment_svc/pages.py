"""The few HTML pages payment-svc shows a browser (the gateway's return page, the sandbox provider's
pages), rendered from the Jinja2 templates in ``templates/`` with autoescaping on."""

from __future__ import annotations

import functools
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("payment_svc", "templates"), autoescape=True, undefined=StrictUndefined
    )


def page(template: str, **context: Any) -> HTMLResponse:
    """``template`` rendered with ``context`` as a page no cache keeps (it shows one payer's payment)."""
    html = _environment().get_template(template).render(**context)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
