"""Times on pages: UK local time everywhere a person reads one; UTC only in exports and the API.

The database keeps instants in UTC. A page shows each on the team's clock
(Europe/London: GMT in winter, BST in summer), once, as ``Sun 29 Nov 2026, 14:05``,
inside ``<time datetime="...">`` carrying the exact instant in UTC for machines.
Templates use the ``uk_time`` filter; Python code that builds text uses :func:`uk_text`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from markupsafe import Markup, escape

from fieldapp.periods import LOCAL_ZONE


def uk(moment: datetime) -> datetime:
    """An instant on the team's clock (a naive value is taken as UTC, as the database stores it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_ZONE)


def uk_text(moment: datetime | None, seconds: bool = False, missing: str = "—") -> str:
    """``Sun 29 Nov 2026, 14:05`` (with ``:07`` seconds if asked) on the team's clock; ``missing`` for None."""
    if moment is None:
        return missing
    return f"{uk(moment):%a %d %b %Y, %H:%M{':%S' if seconds else ''}}"


def uk_time(moment: datetime | None, seconds: bool = False, missing: str = "—") -> Markup:
    """The ``uk_time`` template filter: :func:`uk_text` in a ``<time>`` element holding the UTC instant."""
    if moment is None:
        return Markup(escape(missing))
    exact = uk(moment).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return Markup('<time datetime="{}">{}</time>').format(exact, uk_text(moment, seconds))


def init_app(app: Flask) -> None:
    app.add_template_filter(uk_time, "uk_time")
