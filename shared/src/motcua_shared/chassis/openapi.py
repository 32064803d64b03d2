"""Conventions of the platform's OpenAPI documents that code generators rely on."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

_NOT_A_NAME = re.compile(r"[^0-9a-z]+")


def operation_id(route: APIRoute) -> str:
    """``resource.verb``: the route's first tag (its resource) and its name (the endpoint function's).

    Stable across refactors that keep the tag and the name, and unique across the gateway's merged
    document (a test checks); a route whose function name is a poor verb sets ``operation_id`` itself,
    in the same form.
    """
    verb = _NOT_A_NAME.sub("_", route.name.lower()).strip("_")
    if not route.tags:
        return verb
    resource = _NOT_A_NAME.sub("_", str(route.tags[0]).lower()).strip("_")
    return f"{resource}.{verb}"
