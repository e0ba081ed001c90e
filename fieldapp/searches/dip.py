"""(#15) To be written."""

from fieldapp.searches import bp  # noqa: F401
