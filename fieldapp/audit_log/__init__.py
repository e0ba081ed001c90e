"""The audit log's pages: search and export (admins only)."""

from flask import Blueprint

bp = Blueprint("audit_log", __name__, url_prefix="/audit")
