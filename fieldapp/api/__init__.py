"""The JSON API the phones speak: device tokens, reference data, sync, entries and photos.

Bearer tokens authenticate every call; cookies never do, so CSRF cannot
apply and the blueprint is exempt from it. Every error has one shape:
``{"error": code, "message": sentence, "errors"?: {field: sentence}}``.
"""

from flask import Blueprint

from fieldapp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

from fieldapp.api import docs, entries, errors, reference, sync_routes, tokens  # noqa: E402,F401
