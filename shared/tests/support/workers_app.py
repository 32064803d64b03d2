"""A tiny app for the tests of several worker processes on one port (``serve_workers``)."""

from __future__ import annotations

import os

from fastapi import FastAPI


def create() -> FastAPI:
    """An app answering which process served the request."""
    app = FastAPI()

    @app.get("/pid")
    async def pid() -> int:
        return os.getpid()

    return app
