"""Pages for the public, with no sign-in (#15: /receipt, to be written)."""

from flask import Blueprint

bp = Blueprint("public", __name__, template_folder="templates")
