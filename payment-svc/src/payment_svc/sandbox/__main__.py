"""`python -m payment_svc.sandbox`: the sandbox provider as its own process (the stack)."""

import uvicorn

from payment_svc.sandbox.app import create_sandbox_app
from payment_svc.sandbox.settings import SandboxSettings

if __name__ == "__main__":
    settings = SandboxSettings()
    uvicorn.run(
        create_sandbox_app(settings), host=settings.http.host, port=settings.http.port, log_config=None
    )
