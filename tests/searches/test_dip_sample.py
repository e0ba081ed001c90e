"""/searches/dip and ``fieldapp dip-sample`` (#15): the month's random sample of a team's stop and searches,
its size, fixed once drawn, reproducible from its recorded seed, the previous month's searches of that team
only, the reviewed marks, who may see it, and the audit events of drawing and viewing."""

from __future__ import annotations

import random
import re
import threading
import uuid
from datetime import date, datetime, time, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import func, select, update

from fieldapp.extensions import db
from fieldapp.models import DipSample, Team, User
from fieldapp.periods import LOCAL_ZONE
from fieldapp.searches.dip import (
    AlreadyDrawn, dip_sample_command, draw, draw_sample, previous_month, sample_size, this_month,
)
from fieldapp.transactions import begin_write
from tests.factories import encounter, stop_search
from tests.fixtures.rows import audit_events
from tests.fixtures.web import AuthActions, token

LAST = previous_month(this_month())
BEFORE_LAST = previous_month(LAST)


def during(month: date, day: int, hour: int = 12) -> str:
    """An ISO instant on ``day`` of ``month`` at ``hour`` on the UK clock."""
    return datetime.combine(month.replace(day=day), time(hour), LOCAL_ZONE).isoformat()


@pytest.fixture
def month(create_user, sign_in_device) -> dict:
    """Rose Hill: two active supervisors and one gone, 8 stop and searches last month by two officers,
    and what must not be drawn (a stop and account last month, searches this month and the month before);
    Cowley: one supervisor and one search last month; an admin. Returns the ids by group."""
    create_user("sarge", role="supervisor", team="Rose Hill", display_name="PS Jo Hughes")
    create_user("sarge2", role="supervisor", team="Rose Hill", display_name="PS Two")
    gone = create_user("sarge3", role="supervisor", team="Rose Hill", display_name="PS Gone")
    create_user("cowsarge", role="supervisor", team="Cowley", display_name="PS Cowley")
    create_user("boss", role="admin", team="Rose Hill", display_name="Admin")
    db.session.execute(update(User).where(User.id == gone.id).values(active=False))
    db.session.commit()
    pc1, pc2, pc9 = sign_in_device("pc1"), sign_in_device("pc2"), sign_in_device("pc9", team="Cowley")
    searches = [stop_search(occurred_at=during(LAST, 1 + 3 * i)) for i in range(8)]
    pc1.push(*searches[:5])
    pc2.push(*searches[5:])
    others = [encounter("stop_account", occurred_at=during(LAST, 10)),
              stop_search(occurred_at=during(BEFORE_LAST, 20)),
              stop_search(occurred_at=(datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat())]
    pc1.push(*others)
    cowley = [stop_search(occurred_at=during(LAST, 9))]
    pc9.push(*cowley)
    return {"rose_hill": [uuid.UUID(e["id"]) for e in searches], "others": [uuid.UUID(e["id"]) for e in others],
            "cowley": [uuid.UUID(e["id"]) for e in cowley]}


def team_id(name: str) -> int:
    return db.session.scalar(select(Team.id).where(Team.name == name))


def samples() -> list[DipSample]:
    db.session.expire_all()
    return list(db.session.scalars(select(DipSample).order_by(DipSample.id)))


def drawn_ids(sample: DipSample) -> list[uuid.UUID]:
    return [row.entry_id for row in sample.entries]


def page(browser, **args) -> tuple[int, str]:
    response = browser.get("/searches/dip", query_string=args)
    return response.status_code, unescape(response.get_data(as_text=True))


def post_draw(browser, team: int, month: date = LAST):
    return browser.post("/searches/dip", data={"csrf_token": token(browser), "team": str(team),
                                               "month": f"{month:%Y-%m}"})


def test_the_draw_is_a_pure_function_of_the_seed_and_the_candidates():
    ids = [uuid.uuid4() for _ in range(20)]
    first = draw("abc123", ids, 6)
    assert len(first) == len(set(first)) == 6 and set(first) <= set(ids)
    assert draw("abc123", list(reversed(ids)), 6) == first  # the candidates' order does not matter
    assert draw("abc123", ids, 6) == random.Random("abc123").sample(sorted(ids), 6)
    assert sorted(draw("abc123", ids[:4], 6)) == sorted(ids[:4])  # fewer than asked: all of them
    assert draw("abc123", [], 6) == []
    assert any(draw(f"seed{n}", ids, 6) != first for n in range(5))


def test_the_size_is_the_setting_for_each_active_supervisor(app, month):
    rose_hill, cowley = team_id("Rose Hill"), team_id("Cowley")
    assert sample_size(rose_hill) == 3 * 2  # sarge3 is no longer active
    assert sample_size(cowley) == 3
    app.config["DIP_SAMPLE_PER_SUPERVISOR"] = 2
    assert sample_size(rose_hill) == 4
    lonely = Team(name="Nobody")
    db.session.add(lonely)
    db.session.commit()
    assert sample_size(lonely.id) == 2  # at least the setting once


def test_a_supervisor_draws_last_months_sample_of_their_team(month, as_user):
    sarge = as_user("sarge")
    status, html = page(sarge)
    assert status == 200
    assert f"Not drawn yet. 8 stop and searches of Rose Hill happened in {LAST:%B %Y}." in html
    assert f"Draw the sample for {LAST:%B %Y}" in html
    response = post_draw(sarge, team_id("Rose Hill"))
    assert response.status_code == 302
    [sample] = samples()
    assert (sample.team_id, sample.month, sample.size) == (team_id("Rose Hill"), LAST, 6)
    drawn = drawn_ids(sample)
    assert len(drawn) == len(set(drawn)) == 6
    assert set(drawn) <= set(month["rose_hill"])  # never another kind, month or team
    # Reproducible: the recorded seed and the month's searches give the same sample, in the same order.
    assert drawn == draw(sample.seed, month["rose_hill"], sample.size)
    assert len(sample.seed) == 32 and re.fullmatch(r"[0-9a-f]+", sample.seed)
    [event] = audit_events("combine", "dip_sample")
    assert event.record_id == str(sample.id) and sample.seed in event.detail and "drew 6 of 8" in event.detail
    status, html = sarge.get(response.headers["Location"]).status_code, unescape(
        sarge.get(response.headers["Location"]).get_data(as_text=True))
    assert f"Drew 6 stop and searches of {LAST:%B %Y} for review." in html or "0 of 6" in html
    status, html = page(sarge)
    assert status == 200 and "0 of 6</strong> reviewed since the draw" in html
    shown = re.findall(r'<tr data-entry="([0-9a-f-]+)">', html)
    assert shown == [str(i) for i in drawn]
    for entry_id in drawn:
        assert f'href="/review/{entry_id}"' in html
    assert "Misuse of Drugs Act 1971 (section 23)" in html and "PC1" in html
    consulted = [e.record_id for e in audit_events("consult", "entry") if e.detail.startswith("dip sample")]
    assert set(consulted) >= {str(i) for i in drawn}


def test_a_second_draw_changes_nothing(month, as_user):
    sarge, sarge2 = as_user("sarge"), as_user("sarge2")
    assert post_draw(sarge, team_id("Rose Hill")).status_code == 302
    [first] = samples()
    seed, drawn = first.seed, drawn_ids(first)
    response = post_draw(sarge2, team_id("Rose Hill"))
    assert response.status_code == 302
    html = unescape(sarge2.get(response.headers["Location"]).get_data(as_text=True))
    assert f"The sample for {LAST:%B %Y} was already drawn; it stays as drawn." in html
    [again] = samples()
    assert (again.id, again.seed, drawn_ids(again)) == (first.id, seed, drawn)
    assert len(audit_events("combine", "dip_sample")) == 1
    # The write path itself refuses, whoever calls it.
    begin_write()
    with pytest.raises(AlreadyDrawn):
        draw_sample(db.session.get(Team, team_id("Rose Hill")), LAST, again.drawn_by)
    db.session.rollback()
    assert len(samples()) == 1


def test_fewer_searches_than_the_size_are_all_drawn(month, as_user):
    cowsarge = as_user("cowsarge")
    assert post_draw(cowsarge, team_id("Cowley")).status_code == 302
    [sample] = samples()
    assert (sample.size, drawn_ids(sample)) == (3, month["cowley"])


def test_a_month_without_searches_is_not_recorded_as_drawn(month, as_user):
    sarge = as_user("sarge")
    earlier = previous_month(BEFORE_LAST)
    status, html = page(sarge, month=f"{earlier:%Y-%m}")
    assert status == 200 and "Not drawn yet. 0 stop and searches" in html and "Draw the sample" not in html
    response = post_draw(sarge, team_id("Rose Hill"), earlier)
    assert "nothing to draw" in unescape(sarge.get(response.headers["Location"]).get_data(as_text=True))
    assert samples() == []


def test_reviewed_marks_count_grounds_assessments_since_the_draw(month, as_user):
    sarge, sarge2 = as_user("sarge"), as_user("sarge2")
    post_draw(sarge, team_id("Rose Hill"))
    [sample] = samples()
    first, second = drawn_ids(sample)[:2]
    assert sarge2.post(f"/review/{first}", data={
        "csrf_token": token(sarge2), "decision": "approved", "grounds_assessment": "weak",
        "entry_version": "1"}).status_code == 302
    # A decision without a grounds assessment is not a review of the grounds.
    assert sarge2.post(f"/review/{second}", data={
        "csrf_token": token(sarge2), "decision": "approved", "entry_version": "1"}).status_code == 302
    status, html = page(sarge)
    assert "1 of 6</strong> reviewed since the draw" in html
    row = re.search(rf'<tr data-entry="{first}">(.*?)</tr>', html, re.S).group(1)
    assert 'data-reviewed="yes"' in row and "grounds weak (PS Two)" in row
    row = re.search(rf'<tr data-entry="{second}">(.*?)</tr>', html, re.S).group(1)
    assert 'data-reviewed="no"' in row


def test_who_may_see_and_draw(month, as_user):
    rose_hill = team_id("Rose Hill")
    officer = as_user("pc1")
    assert officer.get("/searches/dip").status_code == 403
    assert post_draw(officer, rose_hill).status_code == 403
    cowsarge = as_user("cowsarge")
    assert page(cowsarge, team=rose_hill)[0] == 404
    assert post_draw(cowsarge, rose_hill).status_code == 404
    assert samples() == []
    status, html = page(cowsarge)
    assert status == 200 and "Cowley" in html and "1 stop and search of Cowley" in html
    admin = as_user("boss")
    post_draw(admin, rose_hill)
    [sample] = samples()
    status, html = page(admin, team=rose_hill)
    assert status == 200 and all(str(i) in html for i in drawn_ids(sample))
    assert page(admin, team=999999)[0] == 404


@pytest.mark.parametrize("raw", ["2026-13", "soon", f"{this_month():%Y-%m}", "1999-12"])
def test_an_unreadable_or_unfinished_month_is_refused(month, as_user, raw):
    sarge = as_user("sarge")
    status, html = page(sarge, month=raw)
    assert status == 400 and "Give the month as YYYY-MM, a month that has ended." in html
    # The form path refuses the same month.
    response = sarge.post("/searches/dip", data={"csrf_token": token(sarge), "team": "", "month": raw})
    assert response.status_code == 400
    assert samples() == []


def test_the_command_draws_for_every_team_lacking_a_sample(app, month, as_user):
    post_draw(as_user("cowsarge"), team_id("Cowley"))
    [cowley] = samples()
    runner = app.test_cli_runner()
    result = runner.invoke(dip_sample_command, ["--month", f"{LAST:%Y-%m}"])
    assert result.exit_code == 0, result.output
    assert f"Cowley: already drawn for {LAST:%Y-%m}, unchanged" in result.output
    assert "Rose Hill: drew 6 stop and searches" in result.output
    boss = db.session.scalar(select(User.id).where(User.username == "boss"))
    rose = [s for s in samples() if s.team_id == team_id("Rose Hill")]
    assert [s.drawn_by for s in rose] == [boss]
    assert drawn_ids(rose[0]) == draw(rose[0].seed, month["rose_hill"], 6)
    again = runner.invoke(dip_sample_command, [])  # the previous month by default
    assert again.exit_code == 0 and "0 drawn" in again.output
    assert [s.id for s in samples()] == [cowley.id, rose[0].id]
    by = runner.invoke(dip_sample_command, ["--month", f"{BEFORE_LAST:%Y-%m}", "--by", "sarge"])
    assert by.exit_code == 0, by.output
    [earlier] = [s for s in samples() if s.month == BEFORE_LAST]
    assert drawn_ids(earlier) == [month["others"][1]]
    assert earlier.drawn_by == db.session.scalar(select(User.id).where(User.username == "sarge"))
    bad = runner.invoke(dip_sample_command, ["--month", "2026-13"])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
    nobody = runner.invoke(dip_sample_command, ["--by", "pc1"])
    assert nobody.exit_code != 0 and "no active supervisor or admin named 'pc1'" in nobody.output
    assert db.session.scalar(select(func.count(DipSample.id))) == 3


def test_two_draws_at_once_record_one_sample(month, make_app):
    """Two app processes drawing the same month at the same moment: one sample, both answered 302."""
    rose_hill = team_id("Rose Hill")
    db.session.commit()  # the test's own session holds no transaction while the two draw
    browsers = []
    for username in ("sarge", "sarge2"):
        browser = make_app().test_client()
        assert AuthActions(browser).login(username).status_code == 302
        browsers.append((browser, token(browser)))
    start = threading.Barrier(len(browsers))
    answers: list[int] = []

    def draw_now(browser, csrf: str) -> None:
        start.wait()
        answers.append(browser.post("/searches/dip", data={
            "csrf_token": csrf, "team": str(rose_hill), "month": f"{LAST:%Y-%m}"}).status_code)

    threads = [threading.Thread(target=draw_now, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302, 302]
    [sample] = samples()
    assert len(drawn_ids(sample)) == 6
    assert len(audit_events("combine", "dip_sample")) == 1
