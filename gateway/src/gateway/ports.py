"""What the gateway's use cases and routes reach besides the unit of work, built once by the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.docs.openapi import OpenApiMerger
from gateway.identity.agencies import AgencyDirectory
from gateway.identity.credentials import ExternalVerifier, Secrets, TokenIssuer
from gateway.identity.revocations import RevokedSessions
from gateway.routing.proxy import Upstreams
from gateway.settings import Settings
from motcua_shared.chassis.clock import Clock
from motcua_shared.chassis.limits import Backoff, Buckets


@dataclass(frozen=True)
class Ports:
    """Sign-in rules and secrets, the token signer, the clock, external issuers, the upstreams, the rate
    limits, the catalogue's agencies, the merged OpenAPI document, the sign-in throttle and the revoked
    sessions (the limits' state is shared by every gateway replica: :mod:`motcua_shared.chassis.limits`)."""

    settings: Settings
    secrets: Secrets
    tokens: TokenIssuer
    clock: Clock
    external: ExternalVerifier
    upstreams: Upstreams
    limiter: Buckets
    agencies: AgencyDirectory
    docs: OpenApiMerger
    sign_in: Backoff
    revoked: RevokedSessions
