"""`python -m gateway.identity.keygen > key.pem`: a new Ed25519 signing key for the gateway, as PEM."""

import sys

from motcua_shared.chassis.keys import SigningKey

if __name__ == "__main__":
    sys.stdout.buffer.write(SigningKey.generate().to_pem())
