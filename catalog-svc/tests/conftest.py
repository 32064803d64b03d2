"""catalog-svc fixtures; they live in ``catalog_testkit`` so that tests can import its helpers by name."""

from catalog_testkit import client, local_bus, procedure_body, search_cases

__all__ = ["client", "local_bus", "procedure_body", "search_cases"]
