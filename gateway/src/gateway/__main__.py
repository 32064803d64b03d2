"""`python -m gateway`: serve the gateway alone, configured from the environment."""

import uvicorn

from gateway.app import create_app
from gateway.settings import Settings
from motcua_shared.chassis.serve import proxy_options

if __name__ == "__main__":
    settings = Settings()
    uvicorn.run(
        create_app(settings),
        host=settings.http.host,
        port=settings.http.port,
        log_config=None,
        access_log=False,
        **proxy_options(settings.http),
    )
