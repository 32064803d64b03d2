"""`python -m catalog_svc`: serve catalog-svc alone, configured from the environment."""

from catalog_svc.app import create_app
from catalog_svc.settings import Settings
from motcua_shared.chassis.serve import serve

if __name__ == "__main__":
    serve(create_app, Settings())
