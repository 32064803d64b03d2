"""Identity: the gateway's signing keys and, in later work, sign-in and token issuing."""
