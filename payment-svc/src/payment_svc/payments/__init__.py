"""Payments: requests from dossiers, paying, provider callbacks, manual transfers, refunds, jobs."""
