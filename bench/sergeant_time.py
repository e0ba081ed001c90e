#!/usr/bin/env python
"""Time to review: a scripted sergeant in real headless Chromium, costed with a keystroke-level model.

Run from the repository root::

    .venv/bin/python bench/sergeant_time.py
    .venv/bin/python bench/sergeant_time.py --json sergeant_time.json
    PYTHONPATH=/tmp/other-checkout .venv/bin/python bench/sergeant_time.py   # measure another checkout's UI

It starts ``fieldapp serve --demo`` on a fresh SQLite file in a temp folder
(the server runs the code of the checkout ``tests.servers`` is imported from:
this one, or the one first on PYTHONPATH; the script prints which
``fieldapp`` the server imports), then, as the demo officer ``officer1``,
gets a device token (``POST /api/auth/token``, as the officer app does) and
pushes 20 entries through the real sync API (``POST /api/sync/push``): 8 stop
and searches with 120-character grounds, 7 other encounters, a postbox visit
and 4 residents' cards. All are unreviewed; none is the sergeant's.

Debian's Chromium, headless, at 1280x800, then signs the demo supervisor
``sergeant`` in through /login (typing the credentials is not counted) and
reviews the 20 entries: approve 15, return 4 with a one-line comment, flag 1
(the n-th entry met gets the n-th decision of a fixed plan). The sergeant
uses the fastest way the page offers, detected from the page, never assumed:

* **landing**: sign-in already on the queue (``/review``): nothing; else a
  click on the nav's 'Review' link and its page load;
* **the unreviewed work**: if the queue does not open on it (the 'Review
  state' filter is not 'unreviewed'), the state's link in the counts line if
  there is one (a click and a page load), else the filter: a select, a click
  on the form's submit button and a page load; once. If there is an order
  control offering 'oldest first' not already chosen, it is chosen too (a
  select; with the filter's submit click and load, or its own);
* **the next entry**: if the page after a decision is already an entry not
  yet decided with a decision form (the new UI moves on by itself), nothing;
  else back to the queue (a click on 'Back to the queue' or the nav's
  'Review', whichever is in view, and a page load; the browser's back, a
  click, only if neither exists) and a click on the first unreviewed row's
  link (``tr[data-testid="queue-row"] a``, else the first link to
  ``/review/<uuid>`` in the queue table) and its page load;
* **deciding**: if the decision radios carry ``aria-keyshortcuts``, the keys:
  approve's key (it submits at once); return's or flag's key, the comment
  typed (the key puts the focus in the box; if it does not, a click into it
  is counted), and Ctrl+Enter (or the submit button's own
  ``aria-keyshortcuts``), one key. Else a click on the radio, a click into the
  comment box and the comment typed (returns), and a click on 'Record
  decision'. The submit's page load follows.

Counted: **clicks** (0.4 s), **keys** (characters and shortcut keys, 0.3 s
each), **selects** (a native ``<select>``: opening it and picking, 1.5 s as
in bench/officer_time.py), **scrolls** (0.8 s: one whenever the next control
to use is not fully in the viewport, or is covered, and the page must be
scrolled to it; the page is then scrolled to bring it to the middle),
**page loads** (counted, and their wall time measured from the gesture that
starts them to the load event, added as is), and **1.2 s thinking per
decision**. Reading time aside (the entry is not read in this model; the
optional grounds assessment and 'viewed the body-worn video' box of a stop
and search are left alone). Target (issue #12): at most 8 s a decision on
average, all of it included (the landing and the filter too).

At the end the database must hold, for the 20 entries, exactly 15 approvals,
4 returns with their comments and 1 flag, all by the sergeant, one a entry,
each entry's review state matching. Any failed check is printed and the exit
status is 1; a missed target is reported, not an error (exit 0). The server,
the browser and the temp folder are removed on exit, error, Ctrl+C and SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Appended, not put first: a checkout named on PYTHONPATH (its tests.servers, so its server code) wins.
    sys.path.append(str(ROOT))

from tests.fixtures.chromium import CHROMIUM_ARGS  # noqa: E402
from tests.servers import ROOT as SERVER_ROOT  # noqa: E402
from tests.servers import ServerProcess  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}
COST = {"click": 0.4, "key": 0.3, "select": 1.5, "scroll": 0.8, "think": 1.2}
TARGET_PER_DECISION = 8.0
OFFICER, SERGEANT = "officer1", "sergeant"

# 120 characters each: what an officer writes, not filler.
GROUNDS = [
    "Smelt cannabis on him as he left the alley; he pushed a small bag into his sock when he saw me and would not explain it.",
    "Matched the description of a man seen trying car door handles in Ashhurst Way ten minutes before; he held a screwdriver.",
    "Two witnesses said he showed a knife outside the chip shop; he fitted the description and kept his right hand concealed.",
    "Seen passing small wraps to four people in turn by the bus shelter, each time taking cash; he ran when he saw us arrive.",
]
assert all(len(g) == 120 for g in GROUNDS), [len(g) for g in GROUNDS]

COMMENTS = [
    "Add what you saw before the search.",
    "Say which legislation you used.",
    "Give the time you arrived, not when you wrote it.",
    "Add the outcome and whether it was linked.",
]
# The n-th entry the sergeant meets gets the n-th decision: 15 approvals, 4 returns (with a comment), 1 flag.
PLAN: list[tuple[str, str | None]] = []
_returns = iter(COMMENTS)
for _n in range(20):
    if _n in (3, 8, 13, 18):
        PLAN.append(("returned", next(_returns)))
    elif _n == 11:
        PLAN.append(("flagged", None))
    else:
        PLAN.append(("approved", None))
assert [d for d, _ in PLAN].count("approved") == 15

UUID_PATH = re.compile(r"^/review/(?:[a-z]+/)?([0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})/?$")

# Is the element fully inside the viewport and the thing a click at its centre would hit?
IN_VIEW = """(el) => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return false;
  const h = window.innerHeight, w = window.innerWidth;
  if (r.top < 0 || r.left < 0 || r.bottom > h || r.right > w) return false;
  const x = r.left + r.width / 2, y = r.top + Math.min(r.height / 2, 20);
  const hit = document.elementFromPoint(x, y);
  if (!hit) return false;
  if (hit === el || el.contains(hit)) return true;
  const label = hit.closest('label');
  return !!label && (label.control === el || (el.labels && [...el.labels].includes(label)));
}"""


EDITING = """() => {
  const el = document.activeElement;
  return !!el && (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT'
    || (el.tagName === 'INPUT' && !['radio', 'checkbox', 'button', 'submit'].includes(el.type)));
}"""


class Broken(RuntimeError):
    """The run could not go on: the figures would be wrong."""


# --- the entries, through the sync API ----------------------------------------------------------
def _api(server: ServerProcess, method: str, path: str, body: dict | None = None, token: str | None = None):
    request = urllib.request.Request(f"{server.url}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read() or b"null")


def _envelope(entry_type: str, data: dict, captured: datetime) -> dict:
    return {"id": str(uuid.uuid4()), "type": entry_type, "version": 1, "base_version": None,
            "captured_at": captured.isoformat(), "data": data}


def entries_to_review(postbox_id: int) -> list[dict]:
    """20 entries of one shift, oldest first, each 20 minutes after the one before (UTC times)."""
    start = datetime.now(UTC) - timedelta(hours=8)
    at = [start + timedelta(minutes=20 * n) for n in range(20)]
    out: list[dict] = []

    def search(n: int, grounds: str, **extra) -> dict:
        data = {"kind": "stop_search", "occurred_at": at[n].isoformat(), "latitude": 51.7290 + n / 10000,
                "longitude": -1.2343, "location_accuracy_m": 8.0, "gender": "Male", "age_range": "18-24",
                "self_defined_ethnicity": "White - Irish", "officer_defined_ethnicity": "White",
                "bwv_used": True, "search_type": "Person search",
                "legislation": "Misuse of Drugs Act 1971 (section 23)", "object_of_search": "Controlled drugs",
                "grounds": grounds, "outcome": "A no further action disposal",
                "outcome_linked_to_object_of_search": False, "removal_of_more_than_outer_clothing": False, **extra}
        return _envelope("encounter", data, at[n] + timedelta(minutes=2))

    def other(n: int, kind: str, notes: str, **extra) -> dict:
        data = {"kind": kind, "occurred_at": at[n].isoformat(), "location_text": "Outside the Co-op, Rose Hill",
                "bwv_used": False, "notes": notes, **extra}
        if kind in {"begging", "welfare_check"}:
            data.update(support_offered=True, referral_made=False)
        if kind == "asb":
            data.update(asb_category="nuisance", asb_action="advice")
        return _envelope("encounter", data, at[n] + timedelta(minutes=2))

    weapons = {"legislation": "Police and Criminal Evidence Act 1984 (section 1)", "object_of_search": "Offensive weapons"}
    theft = {"legislation": "Police and Criminal Evidence Act 1984 (section 1)",
             "object_of_search": "Article for use in theft"}
    out.append(search(0, GROUNDS[0]))
    out.append(other(1, "stop_account", "Asked why he was in the car park at 2 am; said he was waiting for a taxi."))
    out.append(search(2, GROUNDS[1], **theft))
    out.append(other(3, "asb", "Group of six on the bench by the shop, shouting at passers-by; moved on."))
    out.append(search(4, GROUNDS[2], **weapons, outcome="Arrest", outcome_linked_to_object_of_search=True))
    visit = _envelope("postbox_visit", {"postbox_id": postbox_id, "visited_at": at[5].isoformat(),
                                        "box_condition": "ok", "item_count": 4}, at[5] + timedelta(minutes=2))
    out.append(visit)
    cards = [(["drugs"], "Dealing by the bus shelter after 10pm, a grey car stops for a minute each time."),
             (["anti-social-behaviour"], "Teenagers throw stones at the back windows of the community centre."),
             (["vehicle-crime"], "Cars tried for open doors in Ashhurst Way at night, twice this week."),
             (["public-order", "drugs"], "Shouting and a fight outside number 12 most Friday nights.")]
    for i, (topics, summary) in enumerate(cards):
        card = {"visit_id": visit["id"], "topics": topics, "summary": summary}
        out.append(_envelope("postbox_item", card, at[6 + i] + timedelta(minutes=2)))
    out.append(search(10, GROUNDS[3]))
    out.append(other(11, "welfare_check", "Elderly man confused at the bus stop; took him home, daughter told."))
    out.append(search(12, GROUNDS[0], age_range="25-34"))
    out.append(other(13, "begging", "Woman begging at the cash machine; gave details of the day centre."))
    out.append(search(14, GROUNDS[1], **theft, age_range="over 34"))
    out.append(other(15, "stop_account", "Cyclist with no lights asked about the bike; frame number checked, not stolen."))
    out.append(search(16, GROUNDS[2], **weapons))
    out.append(other(17, "other", "Lost child taken back to her mother at the play park."))
    out.append(search(18, GROUNDS[3], outcome="Khat or Cannabis warning", outcome_linked_to_object_of_search=True))
    out.append(other(19, "asb", "Music played loudly from a flat at midnight; spoke to the tenant."))
    assert len(out) == 20
    return out


def seed(server: ServerProcess) -> list[dict]:
    """Push the 20 entries as officer1's phone would; return them (SystemExit-worthy problems raise Broken)."""
    status, body = _api(server, "POST", "/api/auth/token", {"username": OFFICER, "password": server.demo_password(),
                                                            "device_name": "Bench phone (sergeant_time.py)"})
    if status != 201:
        raise Broken(f"no device token for {OFFICER}: {status} {body}")
    token = body["token"]
    _, reference = _api(server, "GET", "/api/reference", token=token)
    boxes = [b for b in reference["postboxes"] if b.get("active")]
    if not boxes:
        raise Broken("the demo has no active postbox to visit")
    entries = entries_to_review(boxes[0]["id"])
    status, body = _api(server, "POST", "/api/sync/push", {"entries": entries}, token=token)
    refused = [r for r in body.get("results", []) if r.get("status") not in ("created",)]
    if status != 200 or refused or len(body.get("results", [])) != len(entries):
        raise Broken(f"the sync push did not create every entry ({status}): {refused or body}")
    return entries


# --- the sergeant -------------------------------------------------------------------------------
@dataclass
class Tally:
    decisions: int = 0
    clicks: int = 0
    keys: int = 0
    selects: int = 0
    scrolls: int = 0
    loads: int = 0
    load_seconds: float = 0.0
    cost_by_step: dict[str, float] = field(default_factory=dict)
    ways: list[str] = field(default_factory=list)  # how each step was done, in words, once each

    def charge(self, step: str, kind: str, n: int = 1) -> None:
        counter = {"click": "clicks", "key": "keys", "select": "selects", "scroll": "scrolls"}[kind]
        setattr(self, counter, getattr(self, counter) + n)
        self.cost_by_step[step] = self.cost_by_step.get(step, 0) + COST[kind] * n

    def loaded(self, step: str, seconds: float) -> None:
        self.loads += 1
        self.load_seconds += seconds
        self.cost_by_step[step] = self.cost_by_step.get(step, 0) + seconds

    def way(self, text: str) -> None:
        if text not in self.ways:
            self.ways.append(text)

    @property
    def seconds(self) -> float:
        return (self.clicks * COST["click"] + self.keys * COST["key"] + self.selects * COST["select"]
                + self.scrolls * COST["scroll"] + self.decisions * COST["think"] + self.load_seconds)


class Sergeant:
    """Uses the review pages as a sergeant would, counting every gesture."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base = base_url
        self.tally = Tally()
        self.decided: dict[str, tuple[str, str | None]] = {}  # entry id (as in the URL) -> decision, comment

    # --- gestures ----------------------------------------------------------------------------
    def bring_into_view(self, target, step: str) -> None:
        target.wait_for(state="visible", timeout=10000)
        if target.evaluate(IN_VIEW):
            return
        self.tally.charge(step, "scroll")
        target.evaluate("(el) => el.scrollIntoView({block: 'center', inline: 'nearest', behavior: 'instant'})")
        if not target.evaluate(IN_VIEW):  # under a sticky bar, or taller than half the screen: once more
            self.tally.charge(step, "scroll")
            target.evaluate("(el) => el.scrollIntoView({block: 'end', inline: 'nearest', behavior: 'instant'})")

    def click(self, target, step: str) -> None:
        self.bring_into_view(target, step)
        target.click()
        self.tally.charge(step, "click")

    def choose(self, select, value: str, step: str) -> None:
        self.bring_into_view(select, step)
        select.select_option(value)
        self.tally.charge(step, "select")

    def loading(self, step: str, gesture) -> int | None:
        """Do ``gesture`` (which counts itself), wait for the page it opens to load; count the load and its
        time; return the page's HTTP status."""
        started = time.monotonic()
        with self.page.expect_navigation(wait_until="load", timeout=30000) as navigation:
            gesture()
        self.tally.loaded(step, time.monotonic() - started)
        response = navigation.value
        return response.status if response is not None else None

    # --- where we are ------------------------------------------------------------------------
    def path(self) -> str:
        return urlparse(self.page.url).path

    def on_queue(self) -> bool:
        return self.path().rstrip("/") == "/review"

    def entry_id(self) -> str | None:
        match = UUID_PATH.match(self.path())
        return match.group(1) if match else None

    def decision_form(self):
        forms = self.page.locator("form").filter(has=self.page.locator('input[type="radio"][name="decision"]'))
        return forms.first if forms.count() else None

    # --- the queue ---------------------------------------------------------------------------
    def to_queue_after_sign_in(self) -> None:
        if self.on_queue():
            self.tally.way("landing: sign-in lands on the queue")
            return
        link = self.page.get_by_role("navigation").get_by_role("link", name="Review", exact=True)
        if not link.count():
            link = self.page.get_by_role("link", name=re.compile(r"^\s*Review\b", re.I))
        if not link.count():
            raise Broken(f"signed in on {self.path()}: no 'Review' link to the queue")
        self.tally.way(f"landing: sign-in lands on {self.path()}; a click on 'Review'")
        self.loading("landing", lambda: self.click(link.first, "landing"))
        if not self.on_queue():
            raise Broken(f"the 'Review' link led to {self.path()}, not the queue")

    def state_filter(self):
        box = self.page.get_by_label("Review state", exact=True)
        if not box.count():
            box = self.page.locator('select[name="state"]')
        return box.first if box.count() else None

    def order_control(self):
        """(select, value) of an 'oldest first' order not already chosen; (None, None) if none is needed."""
        for select in self.page.locator("select").all():
            options = select.locator("option").all()
            for option in options:
                if re.search(r"oldest", option.inner_text(), re.I):
                    value = option.get_attribute("value") or option.inner_text()
                    if select.input_value() == value:
                        return None, None
                    return select, value
        return None, None

    def open_folded(self, control, step: str) -> None:
        """A control folded away in a closed <details>: a click on its summary."""
        if control.is_visible():
            return
        summary = control.locator("xpath=ancestor::details[not(@open)][1]/summary")
        if summary.count():
            self.click(summary.first, step)
            self.tally.way("filters folded away: a click on their summary to open them")

    def unreviewed_first(self) -> None:
        step = "queue: unreviewed first"
        state = self.state_filter()
        if state is None:
            raise Broken("no 'Review state' filter on the queue")
        current = self.page.locator('a[href*="state=unreviewed"][aria-current]:not([aria-current="false"])')
        needs_state = state.input_value() != "unreviewed" and not current.count()
        order, order_value = self.order_control()
        if not needs_state and order is None:
            self.tally.way("queue: opens on the unreviewed work" + (
                ", oldest first" if self.page.locator("option", has_text=re.compile("oldest", re.I)).count() else ""))
            return
        link = self.page.locator('a[href*="state=unreviewed"]').locator("visible=true")
        if needs_state and order is None and link.count():
            self.tally.way("queue: does not open on 'unreviewed'; a click on its link in the counts line")
            self.loading(step, lambda: self.click(link.first, step))
            return
        form = (state if needs_state else order).locator("xpath=ancestor::form[1]")
        if needs_state:
            self.open_folded(state, step)
            self.choose(state, "unreviewed", step)
        if order is not None:
            self.open_folded(order, step)
            self.choose(order, order_value, step)
        submit = form.locator('button[type="submit"], button:not([type]), input[type="submit"]').locator("visible=true")
        if not submit.count():
            raise Broken("no button to apply the queue's filters")
        self.tally.way("queue: " + " and ".join(
            (["'Review state' set to unreviewed"] if needs_state else []) + (["oldest first chosen"] if order else []))
            + f" (selects) and '{submit.first.inner_text().strip()}' clicked")
        self.loading(step, lambda: self.click(submit.first, step))

    def back_to_queue(self) -> None:
        step = "back to the queue"
        candidates = [self.page.get_by_role("link", name=re.compile(r"back to the queue", re.I)),
                      self.page.get_by_role("navigation").get_by_role("link", name="Review", exact=True)]
        found = [c.locator("visible=true").first for c in candidates if c.locator("visible=true").count()]
        if found:
            in_view = [c for c in found if c.evaluate(IN_VIEW)]
            link = (in_view or found)[0]
            self.tally.way(f"next entry: back to the queue by '{link.inner_text().strip()}', then the first row")
            self.loading(step, lambda: self.click(link, step))
        else:
            self.tally.way("next entry: the browser's back to the queue, then the first row")
            while not self.on_queue():
                self.tally.charge(step, "click")
                started = time.monotonic()
                self.page.go_back(wait_until="load")
                self.tally.loaded(step, time.monotonic() - started)
        if not self.on_queue():
            raise Broken(f"'back to the queue' led to {self.path()}")

    def first_row_link(self):
        rows = self.page.locator('tr[data-testid="queue-row"] a')
        if not rows.count():
            rows = self.page.locator("table a[href^='/review/']")
        for i in range(rows.count()):
            link = rows.nth(i)
            match = UUID_PATH.match(urlparse(link.get_attribute("href") or "").path)
            if not match or match.group(1) in self.decided:
                continue
            if self.row_state(link) not in (None, "unreviewed"):
                continue
            return link
        return None

    @staticmethod
    def row_state(link) -> str | None:
        """The review state a queue row shows (its data-state, or its state badge), None if it shows none."""
        row = link.locator("xpath=ancestor::tr[1]")
        for holder in (row, *row.locator("[data-state]").all()):
            state = holder.get_attribute("data-state")
            if state:
                return state.lower()
        badge = row.locator("[class*='state-']")
        if badge.count():
            match = re.search(r"\bstate-(unreviewed|approved|returned|flagged)\b", badge.first.get_attribute("class") or "")
            if match:
                return match.group(1)
        return None

    def open_next(self) -> None:
        entry = self.entry_id()
        if entry and entry not in self.decided and self.decision_form() is not None:
            self.tally.way("next entry: the page after a decision is already the next unreviewed entry")
            return
        if not self.on_queue():
            self.back_to_queue()
        link = self.first_row_link()
        if link is None:
            raise Broken(f"no unreviewed entry left in the queue after {len(self.decided)} decisions")
        self.loading("open an entry", lambda: self.click(link, "open an entry"))
        if self.entry_id() is None or self.decision_form() is None:
            raise Broken(f"the queue's row led to {self.path()}, with no decision form")

    # --- deciding ------------------------------------------------------------------------------
    def decide(self, decision: str, comment: str | None) -> None:
        entry = self.entry_id()
        form = self.decision_form()
        radio = form.locator(f'input[type="radio"][name="decision"][value="{decision}"]')
        if not radio.count():
            raise Broken(f"no '{decision}' choice on the decision form")
        self.tally.decisions += 1
        self.tally.cost_by_step["thinking"] = self.tally.cost_by_step.get("thinking", 0) + COST["think"]
        step = f"decide: {decision}"
        shortcut = radio.get_attribute("aria-keyshortcuts")
        if not shortcut and radio.get_attribute("id"):  # on its label instead
            label = form.locator(f'label[for="{radio.get_attribute("id")}"][aria-keyshortcuts]')
            shortcut = label.first.get_attribute("aria-keyshortcuts") if label.count() else None
        box = form.locator('textarea[name="comment"]')
        if shortcut:
            key = shortcut.split()[0]
            key = key.lower() if len(key) == 1 else key
            submit_key = None
            for button in form.locator('button[type="submit"], button:not([type]), input[type="submit"]').all():
                submit_key = button.get_attribute("aria-keyshortcuts") or submit_key
            submit_key = (submit_key or "Control+Enter").split()[0]
            self.tally.way(f"decide: by the keys the page shows ({', '.join(sorted(self.shortcuts(form)))})")
            if self.page.evaluate(EDITING):  # a shortcut typed into a box would be text: leave the box first
                self.tally.way("decide: the focus was in a text box: a click outside it before the shortcut")
                self.page.evaluate("document.activeElement.blur()")
                self.tally.charge(step, "click")
            if decision == "approved":
                self.tally.charge(step, "key")
                status = self.loading(step, lambda: self.page.keyboard.press(key))
            else:
                self.tally.charge(step, "key")
                self.page.keyboard.press(key)
                if comment:
                    if not box.evaluate("(el) => el === document.activeElement"):
                        self.tally.way(f"decide: '{key}' did not put the focus in the comment: a click into it")
                        self.click(box, step)
                    self.page.keyboard.type(comment)
                    self.tally.charge(step, "key", len(comment))
                self.tally.charge(step, "key")
                status = self.loading(step, lambda: self.page.keyboard.press(submit_key))
        else:
            self.tally.way("decide: no keyboard shortcuts; click the radio, the comment box, 'Record decision'")
            self.click(radio, step)
            if comment:
                self.click(box, step)
                self.page.keyboard.type(comment)
                self.tally.charge(step, "key", len(comment))
            submit = form.get_by_role("button", name=re.compile(r"record decision", re.I))
            if not submit.count():
                submit = form.locator('button[type="submit"]')
            status = self.loading(step, lambda: self.click(submit.first, step))
        if status is None or status >= 400:
            refused = self.page.locator(".error, [role=alert]").locator("visible=true")
            why = refused.first.inner_text() if refused.count() else ""
            raise Broken(f"the decision '{decision}' on {entry} was refused ({status}): {why!r}")
        self.decided[entry] = (decision, comment)

    @staticmethod
    def shortcuts(form) -> set[str]:
        return {f"{el.get_attribute('value') or 'submit'} {el.get_attribute('aria-keyshortcuts')}"
                for el in form.locator("[aria-keyshortcuts]").all()}


# --- checking what was recorded -------------------------------------------------------------------
def verify(database: Path, entries: list[dict]) -> list[str]:
    """Problems with the decisions stored (an empty list when exactly the plan was recorded)."""
    ids = {e["id"].replace("-", "").lower() for e in entries}
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT r.entry_id, r.decision, r.comment, u.username, e.review_state FROM reviews r "
            "JOIN users u ON u.id = r.reviewer_id JOIN entries e ON e.id = r.entry_id").fetchall()
    problems = []
    mine = [(str(eid).replace("-", "").lower(), d, c, who, state) for eid, d, c, who, state in rows]
    mine = [r for r in mine if r[0] in ids]
    if len(rows) != len(mine):
        problems.append(f"{len(rows) - len(mine)} decisions on entries the bench did not make")
    counts = {d: sum(1 for r in mine if r[1] == d) for d in ("approved", "returned", "flagged")}
    for decision, wanted in (("approved", 15), ("returned", 4), ("flagged", 1)):
        if counts[decision] != wanted:
            problems.append(f"{counts[decision]} {decision} decisions stored, not {wanted}")
    if len({r[0] for r in mine}) != len(mine) or len(mine) != 20:
        problems.append(f"{len(mine)} decisions on {len({r[0] for r in mine})} distinct entries, not 20 on 20")
    comments = sorted(r[2] or "" for r in mine if r[1] == "returned")
    if comments != sorted(COMMENTS):
        problems.append(f"the returns' comments stored are {comments}, not {sorted(COMMENTS)}")
    if any(r[3] != SERGEANT for r in mine):
        problems.append("a decision not by the sergeant")
    if any(r[4] != r[1] for r in mine):
        problems.append("an entry whose review state is not the decision recorded")
    return problems


# --- output --------------------------------------------------------------------------------------
def table(t: Tally) -> str:
    per = t.seconds / t.decisions if t.decisions else float("nan")
    head = ("decisions", "clicks", "keys", "selects", "scrolls", "page loads", "load time", "est. s total",
            "est. s/decision", "target", "met")
    row = (str(t.decisions), str(t.clicks), str(t.keys), str(t.selects), str(t.scrolls), str(t.loads),
           f"{t.load_seconds:.1f} s", f"{t.seconds:.1f}", f"{per:.2f}", f"<= {TARGET_PER_DECISION:g} s",
           "met" if per <= TARGET_PER_DECISION else "NOT met")
    widths = [max(len(a), len(b)) for a, b in zip(head, row)]
    line = "  ".join("-" * w for w in widths)
    return "\n".join([line, "  ".join(h.ljust(w) for h, w in zip(head, widths)), line,
                      "  ".join(c.ljust(w) for c, w in zip(row, widths)), line])


def server_code(server: ServerProcess) -> str:
    """Which fieldapp the server imports: run the same interpreter with the server's environment and folder."""
    done = subprocess.run([sys.executable, "-c", "import fieldapp; print(fieldapp.__file__)"], env=server.env,
                          cwd=SERVER_ROOT, capture_output=True, text=True, timeout=60)
    return (done.stdout.strip() or done.stderr.strip())


def git_commit(folder: Path) -> str:
    done = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", "fieldapp"],
                           capture_output=True, text=True).stdout.strip()
    return (done.stdout.strip()[:100] or "unknown") + (" (+ uncommitted changes in fieldapp/)" if dirty else "")


# --- running -------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", metavar="PATH", help="also write the figures to this file")
    parser.add_argument("--headed", action="store_true", help="show the browser (needs a display)")
    return parser.parse_args(argv)


def sign_in(page, server: ServerProcess) -> None:
    """Sign the sergeant in through /login (not counted) and wait for the page it lands on."""
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(SERGEANT)
    page.get_by_label("Password").fill(server.demo_password())
    with page.expect_navigation(wait_until="load", timeout=30000):
        page.get_by_role("button", name="Sign in").click()
    if urlparse(page.url).path.rstrip("/") == "/login":
        raise Broken("the sergeant could not sign in")


def run(args: argparse.Namespace, stack: ExitStack) -> int:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium is missing: sudo apt-get install chromium")
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fieldapp-bench-sergeant-")))
    database = tmp / "bench.sqlite3"
    server = stack.enter_context(ServerProcess(f"sqlite:///{database}", tmp / "instance", "--demo"))
    code = server_code(server)
    print(f"server: {server.url}, code {code} (checkout {SERVER_ROOT}, commit {git_commit(SERVER_ROOT)})", flush=True)
    entries = seed(server)
    print(f"pushed {len(entries)} entries as {OFFICER} through /api/sync/push", flush=True)

    playwright = stack.enter_context(sync_playwright())
    launch_args = [a for a in CHROMIUM_ARGS if not (args.headed and a.startswith("--headless"))]
    browser = playwright.chromium.launch(executable_path=chromium, args=launch_args, headless=not args.headed)
    stack.callback(browser.close)
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    stack.callback(context.close)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("pageerror", lambda exc: PAGE_ERRORS.append(f"page error: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and PAGE_ERRORS.append(f"console: {msg.text}"))
    sign_in(page, server)

    sergeant = Sergeant(page, server.url)
    sergeant.to_queue_after_sign_in()
    sergeant.unreviewed_first()
    for decision, comment in PLAN:
        sergeant.open_next()
        sergeant.decide(decision, comment)
    problems = verify(database, entries)

    t = sergeant.tally
    print(f"\nA scripted sergeant at {VIEWPORT['width']}x{VIEWPORT['height']} in headless Chromium reviews 20 "
          "unreviewed entries of the team (15 approved, 4 returned with a comment, 1 flagged), from sign-in.")
    print(f"Keystroke-level model: click {COST['click']} s, {COST['key']} s a key (characters and shortcuts), "
          f"native select {COST['select']} s, {COST['scroll']} s a scroll, {COST['think']} s thinking a decision, "
          "page loads at their measured wall time. Reading time aside.\n")
    print(table(t))
    print("\nHow the sergeant worked (detected from the pages):")
    print("\n".join(f"  - {w}" for w in t.ways))
    print("Where the time goes (seconds, most first): " + ", ".join(
        f"{k} {v:.1f}" for k, v in sorted(t.cost_by_step.items(), key=lambda kv: -kv[1])))
    print("Not counted: typing the credentials at sign-in; reading the entry; the optional grounds assessment "
          "and body-worn video box of a stop and search (left alone).")
    print(f"Page loads: {t.loads} in {t.load_seconds:.1f} s (mean {t.load_seconds / max(t.loads, 1) * 1000:.0f} ms; "
          "a local server on a shared machine: real networks add their own).")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "viewport": VIEWPORT, "model": COST, "target_per_decision": TARGET_PER_DECISION,
            "server_code": code, "commit": git_commit(SERVER_ROOT), "decisions": t.decisions, "clicks": t.clicks,
            "keys": t.keys, "selects": t.selects, "scrolls": t.scrolls, "page_loads": t.loads,
            "load_seconds": round(t.load_seconds, 2), "seconds": round(t.seconds, 1),
            "seconds_per_decision": round(t.seconds / max(t.decisions, 1), 2), "how": t.ways,
            "seconds_by_step": {k: round(v, 2) for k, v in t.cost_by_step.items()}, "problems": problems,
        }, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    if problems:
        print_page_errors()
        return 1
    print("\nChecked in the database: exactly 15 approvals, 4 returns with their comments and 1 flag, "
          "by the sergeant, one on each of the 20 entries.")
    return 0


PAGE_ERRORS: list[str] = []  # the page's errors, shown when the run breaks (the UI may be mid-change)


def print_page_errors() -> None:
    if PAGE_ERRORS:
        print("\n".join(["the page reported (last 10):", *PAGE_ERRORS[-10:]]), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def on_term(signum, frame):  # clean up on SIGTERM as on Ctrl+C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    with ExitStack() as stack:
        try:
            return run(args, stack)
        except KeyboardInterrupt:
            print("interrupted; cleaning up", file=sys.stderr)
            return 130
        except Broken as exc:
            print(f"BROKEN RUN: {exc}", file=sys.stderr)
            print_page_errors()
            return 1
        except Exception as exc:  # noqa: BLE001 - report, clean up, exit 1
            import traceback

            traceback.print_exc()
            print_page_errors()
            print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
