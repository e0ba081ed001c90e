"""Supervisors' review: the queue of synced entries, one entry whole, decisions and conflict resolution."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
