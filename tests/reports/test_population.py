"""The resident population by ethnic group: admins enter it (validated, audited), supervisors read it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, PopulationGroup

PATH = "/reports/population"
VALID = {"area": "Oxford", "source": "Census 2021 TS021", "year": "2021",
         "population_asian": "24,530", "population_black": "7 212", "population_mixed": "8000",
         "population_white": "120000", "population_other": "0"}


def saved() -> dict[str, tuple]:
    """The population rows, by group."""
    return {g.ethnic_group: (g.population, g.area, g.source, g.year)
            for g in db.session.scalars(select(PopulationGroup))}


def test_admin_enters_the_population(admin, client, post_form):
    page = client.get(PATH).get_data(as_text=True)
    assert page.count("Not entered") == 5
    for name in ("area", "source", "year", "population_asian", "population_black", "population_mixed",
                 "population_white", "population_other"):
        assert f'<label for="{name}">' in page
    response = post_form(PATH, VALID)
    assert response.status_code == 302 and response.headers["Location"].endswith(PATH)
    assert saved() == {"Asian": (24530, "Oxford", "Census 2021 TS021", 2021),
                       "Black": (7212, "Oxford", "Census 2021 TS021", 2021),
                       "Mixed": (8000, "Oxford", "Census 2021 TS021", 2021),
                       "White": (120000, "Oxford", "Census 2021 TS021", 2021),
                       "Other": (0, "Oxford", "Census 2021 TS021", 2021)}
    page = client.get(PATH).get_data(as_text=True)
    assert "Population saved" in page and "Not entered" not in page
    assert "24,530" in page and 'value="120000"' in page  # the form shows what is saved


def test_each_change_is_audited(admin, post_form):
    post_form(PATH, VALID)
    post_form(PATH, {**VALID, "population_white": "121000", "source": "Census 2021 TS021 (revised)"})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "population_group")
                                .order_by(AuditEvent.seq)).all()
    assert len(events) == 10 and {e.action for e in events} == {"alter"}
    assert all(e.actor_id == admin.id for e in events)
    white = [e.detail for e in events if e.detail.startswith("White")]
    assert white == ["White: none -> 120000 (Census 2021 TS021, 2021, Oxford)",
                     "White: 120000 (Census 2021 TS021, 2021) -> 121000 (Census 2021 TS021 (revised), 2021, Oxford)"]
    assert saved()["White"][0] == 121000 and len(saved()) == 5


@pytest.mark.parametrize("changes, field, message", [
    ({"population_black": ""}, "population_black", "Enter the Black group&#39;s population as a whole number"),
    ({"population_asian": "-5"}, "population_asian", "Enter the Asian group&#39;s population as a whole number"),
    ({"population_white": "lots"}, "population_white", "Enter the White group&#39;s population as a whole number"),
    ({"population_mixed": "2.5"}, "population_mixed", "Enter the Mixed group&#39;s population as a whole number"),
    ({"population_other": "99999999999"}, "population_other", "Enter the Other group&#39;s population"),
    ({"year": "2099"}, "year", "Enter a year from 1801 to"),
    ({"year": "twenty"}, "year", "Enter a year from 1801 to"),
    ({"year": ""}, "year", "Enter the year of the figures, like 2021."),
    ({"source": "  "}, "source", "Enter the source, like Census 2021 TS021."),
    ({"area": ""}, "area", "Enter the area the figures are for."),
    ({"area": "x" * 201}, "area", "Field cannot be longer than 200 characters."),
])
def test_bad_input_is_400_with_a_message_by_the_field(admin, post_form, changes, field, message):
    response = post_form(PATH, {**VALID, **changes})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="error" id="{field}-error">{message}' in page
    assert 'aria-invalid="true"' in page
    assert saved() == {}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "population_group")) is None


def test_without_csrf_token_nothing_is_saved(admin, post_form):
    assert post_form(PATH, VALID, csrf=False).status_code == 400
    assert saved() == {}


def test_supervisors_read_but_do_not_change(admin, post_form, auth, create_user):
    post_form(PATH, VALID)
    auth.logout()
    create_user("sgt", role="supervisor", team="Rose Hill")
    auth.login("sgt")
    page = auth.client.get(PATH).get_data(as_text=True)
    assert "24,530" in page and "Only an admin can change these figures." in page
    assert "<form method=\"post\" action=\"/reports/population\"" not in page
    assert post_form(PATH, {**VALID, "population_white": "1"}, token_page="/reports").status_code == 403
    assert saved()["White"][0] == 120000


def test_officers_and_strangers_are_kept_out(client, create_user, auth):
    response = client.get(PATH)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    create_user("pc5", role="officer")
    auth.login("pc5")
    assert client.get(PATH).status_code == 403
