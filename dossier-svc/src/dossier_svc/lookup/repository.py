"""The lookup reads dossiers through :class:`dossier_svc.dossiers.repository.DossierRepository` and keeps
no table of its own (its rate-limit windows live in memory, :mod:`dossier_svc.lookup.models`)."""
