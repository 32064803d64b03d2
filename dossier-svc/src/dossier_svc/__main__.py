"""`python -m dossier_svc`: serve dossier-svc alone, configured from the environment."""

from dossier_svc.app import create_app
from dossier_svc.settings import Settings
from motcua_shared.chassis.serve import serve

if __name__ == "__main__":
    serve(create_app, Settings())
