"""Papers are answered as `application/pdf`; they have no JSON schema (the forms are in
:mod:`dossier_svc.papers.models`)."""
