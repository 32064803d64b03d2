"""`python -m payment_svc`: serve payment-svc alone, configured from the environment."""

from motcua_shared.chassis.serve import serve
from payment_svc.app import create_app
from payment_svc.settings import Settings

if __name__ == "__main__":
    serve(create_app, Settings())
