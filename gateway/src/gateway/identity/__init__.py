"""Identity: sign-in (phone OTP, staff login, client credentials, external OIDC), tokens and their keys."""
