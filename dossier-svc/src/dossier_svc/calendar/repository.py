"""The calendar keeps nothing in the database: holidays come from the `holidays` library, the office hours,
extra days off and make-up days from the settings (see :mod:`dossier_svc.calendar.models`)."""
