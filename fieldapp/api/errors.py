"""One exception for every API error, answered in the API's one JSON shape."""

from __future__ import annotations


class ApiError(Exception):
    """Raise to answer ``status`` with ``{"error": code, "message": message, "errors"?}``."""

    def __init__(self, status: int, code: str, message: str, errors: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors
        self.headers = headers or {}
