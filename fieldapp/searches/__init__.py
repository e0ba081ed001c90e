"""Stop and search supervision: section 60 authorisations, the public's record requests, the monthly dip
sample and scrutiny packs. One blueprint (/searches, declared here); each part's pages are in its own
module, all registered by fieldapp.searches.routes."""

from flask import Blueprint

bp = Blueprint("searches", __name__, url_prefix="/searches", template_folder="templates")
