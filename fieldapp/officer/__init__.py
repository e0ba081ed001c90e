"""The officer app: the installable PWA shell at /app, its manifest and service worker."""

from flask import Blueprint

bp = Blueprint("officer", __name__)
