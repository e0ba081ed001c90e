"""The JSON API the phones speak: device tokens, reference data, sync (push, pull, the change feed), entries and photos.

Importing ``fieldapp.api.ingest`` or ``fieldapp.api.changes`` does not import the routes: those are
in ``fieldapp.api.routes``, imported by the app factory."""
