"""Every route of the API, registered on its blueprint."""

from fieldapp.api import docs, entry_routes, reference_routes, sync_routes, token_routes  # noqa: F401  (register on bp)
from fieldapp.api.blueprint import bp

__all__ = ["bp"]
