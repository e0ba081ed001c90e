"""Signing in and out of the web pages, and who may see what."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from fieldapp.auth import routes  # noqa: E402,F401  (registers the views)
