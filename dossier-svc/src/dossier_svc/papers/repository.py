"""Papers are rendered on demand from the dossier (read through
:class:`dossier_svc.dossiers.repository.DossierRepository`); nothing of them is stored."""
