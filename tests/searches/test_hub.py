"""/searches (#15): the stop and search hub says what is waiting, for the user's own team only."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import RecordRequest, Section60Authorisation, Team, User
from fieldapp.models.types import utcnow


def _team_id(name: str) -> int:
    return db.session.scalar(select(Team.id).where(Team.name == name))


def _authorisation(team: str, reference: str, starts: timedelta, ends: timedelta) -> None:
    now = utcnow()
    author = db.session.scalar(select(User.id).limit(1))
    db.session.add(Section60Authorisation(team_id=_team_id(team), reference=reference, authorising_rank="Inspector",
                                          area_description="Cowley Road", starts_at=now + starts,
                                          ends_at=now + ends, created_by=author))


def _request(team: str | None, due_in: timedelta, answered: bool = False) -> None:
    now = utcnow()
    db.session.add(RecordRequest(reference="ABCD-EFGH-JKMN", team_id=_team_id(team) if team else None,
                                 contact="someone@example.org", requested_at=now - timedelta(days=1),
                                 due_at=now + due_in, answered_at=now if answered else None))


def _text(page: str) -> str:
    """The page's words, tags dropped (links kept as their href for the last check)."""
    return " ".join(re.sub(r"<(?!a )[^>]*>", "", page).split())


def test_the_hub_counts_what_waits_for_the_team(signed_in):
    sergeant = signed_in("sgt", role="supervisor", team="Rose Hill")
    signed_in("sgt9", role="supervisor", team="Cowley")
    _authorisation("Rose Hill", "S60-1", -timedelta(hours=1), timedelta(hours=5))   # in force
    _authorisation("Rose Hill", "S60-2", -timedelta(hours=30), -timedelta(hours=2))  # ended
    _authorisation("Cowley", "S60-3", -timedelta(hours=1), timedelta(hours=5))      # another team's
    _request("Rose Hill", timedelta(days=3))
    _request("Rose Hill", -timedelta(days=1))               # overdue
    _request("Rose Hill", timedelta(days=3), answered=True)  # done
    _request("Cowley", -timedelta(days=1))                  # another team's
    _request(None, timedelta(days=3))                       # no search has its reference: every team's
    db.session.commit()

    page = _text(sergeant.client.get("/searches").get_data(as_text=True))
    assert "3 open, 1 overdue" in page
    assert "1 in force now" in page
    assert "last month&#39;s not drawn yet" in page or "last month's not drawn yet" in page
    for path in ("/searches/requests", "/searches/dip", "/searches/authorisations", "/searches/scrutiny",
                 "/reports/searches", "/reports/population"):
        assert f'href="{path}"' in page


def test_officers_have_no_hub(signed_in):
    assert signed_in("pc1").client.get("/searches").status_code == 403
