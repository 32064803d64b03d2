"""`python -m notify_svc`: serve notify-svc alone, configured from the environment."""

from motcua_shared.chassis.serve import serve
from notify_svc.app import create_app
from notify_svc.settings import Settings

if __name__ == "__main__":
    serve(create_app, Settings())
