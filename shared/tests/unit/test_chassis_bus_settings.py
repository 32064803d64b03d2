"""How a service's Kafka clients connect: plain for development, SASL (and TLS) where the broker has ACLs."""

from __future__ import annotations

import ssl

from pydantic import SecretStr

from motcua_shared.chassis.settings import BusSettings


def test_plaintext_by_default() -> None:
    assert BusSettings(bootstrap_servers="kafka:9092").client_options() == {
        "bootstrap_servers": "kafka:9092",
        "security_protocol": "PLAINTEXT",
    }


def test_sasl_over_tls_signs_in_as_the_services_user() -> None:
    options = BusSettings(
        bootstrap_servers="kafka:9093",
        security_protocol="SASL_SSL",
        sasl_username="dossier",
        sasl_password=SecretStr("s3cret"),
    ).client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert (options["sasl_mechanism"], options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "SCRAM-SHA-512",
        "dossier",
        "s3cret",
    )
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED


def test_the_password_is_never_shown() -> None:
    settings = BusSettings(
        security_protocol="SASL_PLAINTEXT", sasl_username="dossier", sasl_password=SecretStr("s3cret")
    )
    assert "s3cret" not in repr(settings)
    assert "ssl_context" not in settings.client_options()
