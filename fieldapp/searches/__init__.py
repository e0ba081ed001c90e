"""Stop and search supervision: section 60 authorisations, the public's record requests, the monthly dip
sample and scrutiny packs. One blueprint (/searches); each part is its own module."""

from flask import Blueprint

bp = Blueprint("searches", __name__, url_prefix="/searches", template_folder="templates")

from fieldapp.searches import authorisations, dip, requests, scrutiny  # noqa: E402,F401  (their routes)
