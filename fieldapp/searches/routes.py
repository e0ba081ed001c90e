"""The /searches blueprint with every part's pages on it (each module adds its own routes to ``bp``)."""

from fieldapp.searches import authorisations, dip, hub, requests, scrutiny  # noqa: F401  (their routes)
from fieldapp.searches import bp

__all__ = ["bp"]
