#!/usr/bin/env python
"""Time to record: a scripted officer in real headless Chromium, costed with a keystroke-level model.

Run from the repository root::

    .venv/bin/python bench/officer_time.py
    .venv/bin/python bench/officer_time.py --json officer_time.json
    .venv/bin/python bench/officer_time.py --offline        # the phone has no connection while recording

It starts ``fieldapp serve --demo`` on a fresh SQLite file in a temp folder and
Debian's Chromium at a 390x844 phone viewport (touch, geolocation granted and
a fake GPS fix set in the browser context), signs officer1 in (not counted),
and then, from the home screen each time, records as an officer would:

* a **stop and search**: location by GPS, a 150-character grounds and every
  other answer the law needs (legislation, object of search, self-defined
  ethnicity, outcome, outcome linked...), then Save until 'Saved on this
  phone'; twice, since a second search in the same shift may find answers
  remembered; and a third, **with phrases**: the grounds built as an officer
  would with the form's quick-pick phrases (two phrase taps, each counted as a
  tap, and about 60 characters typed after them) rather than 150 typed;
* a **postbox visit** (the postbox and the number of items, once per box) and
  a **resident's card by its summary** (a topic and a 200-character summary);
* a **resident's card by its photo**, the round's next card: a topic and a
  photo, no summary. Reported as 'not possible yet' while the card form has
  no way to take a photo (no file input for images), or refuses a card
  without a summary; it is not faked. Once there is an image input, the
  officer taps it, a JPEG of a handwritten card (3000x4000, drawn in the
  page) is given to the file chooser, and the camera app's two taps (shutter,
  'use photo') are added to the count: modelled, since Chromium has none.

The cards start on the round's empty card form (the visit's Save opens it;
the card's Save opens the next), as they do at a postbox.

Controls are found the way an officer finds them, by their labels (the field
labels of sync/schema.py; groups of chips by their legend; buttons and links
by their names), and used with clicks and keyboard events. A field already
holding the answer the scenario wants (a default, a remembered value) is left
alone and costs nothing. What is counted, per task:

* **taps**: clicks (a chip, a button, a link, focusing a text box);
* **selects**: choices from a native ``<select>`` (opening it and picking: one);
* **characters** typed with keyboard events;
* **swipes**: each time the next control to use is not fully in the viewport
  (or is covered, e.g. by the sticky header) before it is used; the page is
  then scrolled to bring it to the middle of the screen;
* **fields thought about**: each field (or the location) the officer acts on.

Keystroke-level model: tap 0.4 s, native select 1.5 s, 0.3 s a character,
1.2 s thinking a field, 0.8 s a swipe. Interactions besides typing are taps +
selects + swipes. Targets (issue #11): a stop and search at most 35 s and at
most 10 interactions besides typing; a card by photo at most 15 s.

At the end every entry recorded must be in the phone's outbox (IndexedDB,
read through the app's outbox.js) with what was typed. It prints figures and
does not assert: the exit status is 1 only when the run broke (a control
could not be found, the form refused to save, an entry is missing), 0 even
when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sync.schema import ENCOUNTER_FIELDS, POSTBOX_ITEM_FIELDS, POSTBOX_VISIT_FIELDS  # noqa: E402
from tests.browser.officer import set_pin  # noqa: E402
from tests.fixtures.chromium import CHROMIUM_ARGS  # noqa: E402
from tests.servers import ServerProcess  # noqa: E402

VIEWPORT = {"width": 390, "height": 844}
GPS = {"latitude": 51.7520, "longitude": -1.2577, "accuracy": 12}  # Oxford; 12 m
COST = {"tap": 0.4, "select": 1.5, "char": 0.3, "think": 1.2, "swipe": 0.8}
TARGETS = {"stop_search": {"seconds": 35, "interactions": 10}, "card_photo": {"seconds": 15}}
OWNER = "officer1"

# 150 and 200 characters: what an officer writes, not filler.
GROUNDS = ("Strong smell of cannabis from him; I saw him hand a small bag to another man and pocket "
           "cash. He turned away and hid both hands when he saw me coming.")
SUMMARY = ("Groups of teenagers gather on the bench by the shop at night, shouting and throwing bottles; "
           "a neighbour's car window was smashed last Friday. Please patrol after 9 pm and talk to the "
           "two shop owners.")
assert len(GROUNDS) == 150, len(GROUNDS)
assert len(SUMMARY) == 200, len(SUMMARY)

ANY = object()  # the scenario takes whatever the form offers first (e.g. the nearest postbox)
GPS_FIELD = "location (GPS)"

# Each form's answers, in the contract's values (what the inputs hold). Booleans are 'true'/'false'.
STOP_SEARCH = {
    GPS_FIELD: True,
    "search_type": "Person search",
    "legislation": "Misuse of Drugs Act 1971 (section 23)",
    "object_of_search": "Controlled drugs",
    "grounds": GROUNDS,
    "self_defined_ethnicity": "Other ethnic group - Not stated",
    "outcome": "A no further action disposal",
    "outcome_linked_to_object_of_search": "false",
    "removal_of_more_than_outer_clothing": "false",
    "bwv_used": "true",
}
VISIT = {"postbox_id": ANY, "box_condition": "ok", "item_count": "1"}
CARD = {"topics": ["anti-social-behaviour"], "summary": SUMMARY}
LABELS = {"encounter": ENCOUNTER_FIELDS, "postbox_visit": POSTBOX_VISIT_FIELDS, "postbox_item": POSTBOX_ITEM_FIELDS}

# Is the element fully inside the viewport and the thing a tap at its centre would hit?
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


class Phrased:
    """Grounds built from the form's quick-pick phrases (each a tap) and the officer's own words (typed)."""

    def __init__(self, *parts: tuple[str, str]) -> None:
        self.parts = parts  # ("tap", phrase) or ("type", text), in order
        text = ""
        for how, part in parts:
            if how == "tap" and text and not text.endswith(" "):
                text += " "
            text += f"{part} " if how == "tap" else part
        self.text = text


# A test-realistic account: two phrase taps and about 60 characters of the officer's own.
PHRASED_GROUNDS = Phrased(("tap", "Smell of cannabis from"), ("type", "his jacket as I walked past. "),
                          ("tap", "Seen to pass a small package to"), ("type", "a man on a bike at the bus stop."))


class Broken(RuntimeError):
    """The run could not go on: the figures would be wrong."""


@dataclass
class Tally:
    task: str
    taps: int = 0
    selects: int = 0
    chars: int = 0
    swipes: int = 0
    fields: list[str] = field(default_factory=list)
    cost_by_field: dict[str, float] = field(default_factory=dict)
    left_alone: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    saved_in_view: bool | None = None
    note: str = ""
    possible: bool = True
    photo_saved: bool = False

    def charge(self, what: str, kind: str, n: int = 1) -> None:
        """Count ``n`` gestures of ``kind`` (tap, select, char, swipe), spent on ``what``."""
        counter = {"tap": "taps", "select": "selects", "char": "chars", "swipe": "swipes"}[kind]
        setattr(self, counter, getattr(self, counter) + n)
        self.cost_by_field[what] = self.cost_by_field.get(what, 0) + COST[kind] * n

    def think(self, what: str) -> None:
        if what not in self.fields:
            self.fields.append(what)
            self.cost_by_field[what] = self.cost_by_field.get(what, 0) + COST["think"]

    @property
    def interactions(self) -> int:
        return self.taps + self.selects + self.swipes

    @property
    def seconds(self) -> float:
        return (self.taps * COST["tap"] + self.selects * COST["select"] + self.chars * COST["char"]
                + len(self.fields) * COST["think"] + self.swipes * COST["swipe"])


class Officer:
    """Uses the page as an officer would, counting every gesture in the current tally."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base = base_url
        self.tally: Tally | None = None

    # --- gestures ----------------------------------------------------------------------------
    def bring_into_view(self, target, what: str) -> None:
        target.wait_for(state="visible", timeout=10000)
        if target.evaluate(IN_VIEW):
            return
        self.tally.charge(what, "swipe")
        target.evaluate("(el) => el.scrollIntoView({block: 'center', inline: 'nearest', behavior: 'instant'})")
        if not target.evaluate(IN_VIEW):  # e.g. taller than half the screen, or under a banner: once more
            self.tally.charge(what, "swipe")
            target.evaluate("(el) => el.scrollIntoView({block: 'end', inline: 'nearest', behavior: 'instant'})")

    def tap(self, target, what: str) -> None:
        self.bring_into_view(target, what)
        target.click()
        self.tally.charge(what, "tap")

    def choose(self, select, value: str, what: str) -> None:
        self.bring_into_view(select, what)
        select.select_option(value)
        self.tally.charge(what, "select")

    def type_into(self, box, text: str, what: str) -> None:
        self.tap(box, what)  # focus it
        if box.input_value():  # something there already: select it all and type over it
            self.page.keyboard.press("Control+A")
            self.tally.charge(what, "tap")  # a long press / select-all
        self.page.keyboard.type(text)
        self.tally.charge(what, "char", len(text))

    # --- finding things --------------------------------------------------------------------------
    def home(self) -> None:
        """Open the home screen (not counted: every task starts there). The app stays open, as on a
        phone: only the hash changes (the router's way), unless the page is elsewhere."""
        if self.page.url.startswith(f"{self.base}/app") and not self.page.url.endswith("#home"):
            self.page.evaluate("location.hash = '#home'")
        else:
            self.page.goto(f"{self.base}/app#home")
            self.page.wait_for_load_state()
        self.home_control("Stop and search").wait_for(state="visible", timeout=15000)

    def home_control(self, name: str):
        pattern = re.compile(rf"^\s*{re.escape(name)}\b", re.I)
        return (self.page.get_by_role("link", name=pattern).or_(self.page.get_by_role("button", name=pattern))
                .locator("visible=true").first)

    def visible_form(self):
        """The form on screen, pinned down (by its id) so that it stays the same form when another shows."""
        form = self.page.locator("form:visible").first
        form.wait_for(state="visible", timeout=10000)
        form_id = form.get_attribute("id")
        return self.page.locator(f"form#{form_id}") if form_id else form

    def control(self, form, entry_type: str, name: str):
        """(kind, locator) of a field found by its label: 'group' (chips), 'select', 'text'; None if not shown."""
        label = LABELS[entry_type][name].label
        group = form.get_by_role("group", name=label, exact=True).locator("visible=true")
        if group.count():
            return "group", group.first
        boxes = form.get_by_label(label, exact=True).locator("visible=true")
        if not boxes.count():  # not found by its label: by its contract name, noted
            boxes = form.locator(f'[data-field="{name}"]').locator("select, textarea, input").locator("visible=true")
            if boxes.count():
                print(f"  note: {name!r} found by its name, not by its label {label!r}", flush=True)
        if not boxes.count():
            return None
        box = boxes.first
        tag = box.evaluate("(el) => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if tag.startswith("select"):
            return "select", box
        if tag in ("input:radio", "input:checkbox"):
            return "checkbox", box
        return "text", box

    @staticmethod
    def group_values(group) -> list[str]:
        return group.locator("input:checked").evaluate_all("(inputs) => inputs.map((i) => i.value)")

    # --- filling a form ---------------------------------------------------------------------------
    def satisfied(self, form, entry_type: str, name: str, wanted) -> bool | None:
        """Whether the field already holds ``wanted``; None when the form does not show it."""
        if name == GPS_FIELD:
            lat = form.locator('[name="latitude"]')
            return bool(lat.count() and lat.first.input_value())
        found = self.control(form, entry_type, name)
        if found is None:
            return None
        kind, loc = found
        if kind == "group":
            have = self.group_values(loc)
            if wanted is ANY:
                return bool(have)
            return sorted(have) == sorted([wanted] if isinstance(wanted, str) else wanted)
        if kind == "checkbox":
            return loc.is_checked() == (wanted == "true")
        value = loc.input_value()
        if isinstance(wanted, Phrased):
            return value == wanted.text
        return bool(value) if wanted is ANY else value == wanted

    def position(self, form, entry_type: str, name: str) -> float:
        if name == GPS_FIELD:
            target = self.locate_button(form)
        else:
            target = self.control(form, entry_type, name)[1]
        if target is None:
            return float("inf")
        return target.evaluate("(el) => el.getBoundingClientRect().top + window.scrollY")

    def locate_button(self, form):
        button = form.get_by_role("button", name=re.compile(r"location", re.I)).locator("visible=true")
        return button.first if button.count() else None

    def answer(self, form, entry_type: str, name: str, wanted) -> None:
        what = name
        self.tally.think(what)
        if name == GPS_FIELD:
            button = self.locate_button(form)
            if button is None:
                raise Broken("no way to use the GPS: no location button and no coordinates filled in")
            self.tap(button, what)
            self.page.wait_for_function(
                "(f) => { const i = f.querySelector('[name=\"latitude\"]'); return i && i.value !== ''; }",
                arg=form.element_handle(), timeout=20000)
            return
        kind, loc = self.control(form, entry_type, name)
        if kind == "group":
            wanted_values = [] if wanted is ANY else ([wanted] if isinstance(wanted, str) else list(wanted))
            if wanted is ANY:
                wanted_values = [loc.locator("input").first.get_attribute("value")]
            have = set(self.group_values(loc))
            multiple = loc.locator('input[type="checkbox"]').count() > 0
            for value in wanted_values:
                if value in have:
                    continue
                self.tap(self.option(loc, value), what)
            if multiple:  # take off the chips not wanted
                for value in have - set(wanted_values):
                    self.tap(self.option(loc, value), what)
        elif kind == "select":
            if wanted is ANY:
                wanted = loc.locator("option").evaluate_all(
                    "(os) => (os.find((o) => o.value !== '') || {}).value")
            self.choose(loc, wanted, what)
        elif kind == "checkbox":
            self.tap(loc, what)
        elif isinstance(wanted, Phrased):  # a phrase tap puts the cursor in the box, after the phrase
            for how, part in wanted.parts:
                if how == "tap":
                    self.tap(form.get_by_role("button", name=part, exact=True).locator("visible=true").first, what)
                else:
                    self.page.keyboard.type(part)
                    self.tally.charge(what, "char", len(part))
        else:
            self.type_into(loc, wanted, what)

    @staticmethod
    def option(group, value: str):
        """The chip for ``value``: its label (what the finger touches), or the input when it has none."""
        box = group.locator(f'input[value="{value}"]')
        if not box.count():
            raise Broken(f"no option {value!r} in the group")
        label_id = box.first.get_attribute("id")
        if label_id:
            label = group.locator(f'label[for="{label_id}"]').locator("visible=true")
            if label.count():
                return label.first
        return box.first

    def fill(self, form, entry_type: str, answers: dict) -> None:
        """Answer the form top to bottom: each time, the highest shown field not yet as wanted."""
        pending = dict(answers)
        for _ in range(4 * len(answers) + 4):
            todo = []
            for name, wanted in pending.items():
                state = self.satisfied(form, entry_type, name, wanted)
                if state is None:
                    continue
                if state:
                    continue
                todo.append((self.position(form, entry_type, name), name))
            if not todo:
                break
            _, name = min(todo)
            self.answer(form, entry_type, name, pending.pop(name))
        for name, wanted in answers.items():
            if name in self.tally.fields:
                continue
            state = self.satisfied(form, entry_type, name, wanted)
            (self.tally.missing if state is None else self.tally.left_alone).append(name)

    def save(self, form, next_form: bool = False) -> None:
        """Tap Save; wait for 'Saved on this phone' (or, with ``next_form``, for the next form)."""
        button = form.get_by_role("button", name=re.compile(r"^\s*Save", re.I)).locator("visible=true").first
        self.tap(button, "Save")
        saved = self.page.get_by_text("Saved on this phone").locator("visible=true")
        errors = ("() => [...document.querySelectorAll('form .error, [role=alert]')]"
                  ".filter((n) => n.offsetParent !== null && n.textContent.trim()).map((n) => n.textContent.trim())")
        for _ in range(100):
            if next_form and not form.is_visible():
                return
            if not next_form and saved.count():
                self.tally.saved_in_view = saved.first.evaluate(IN_VIEW)
                return
            shown = self.page.evaluate(errors)
            if shown:
                self.page.wait_for_timeout(300)
                if (not next_form and saved.count()) or (next_form and not form.is_visible()):
                    continue
                raise Broken(f"{self.tally.task}: the form refused to save: {shown}")
            self.page.wait_for_timeout(100)
        raise Broken(f"{self.tally.task}: no 'Saved on this phone' within 10 s")

    def wait_usable(self, form) -> None:
        """The form's lists are there and Save can be pressed (not counted)."""
        form.get_by_role("button", name=re.compile(r"^\s*Save", re.I)).locator("visible=true").first.wait_for(
            state="visible", timeout=10000)
        self.page.wait_for_function(
            "(f) => { const b = [...f.querySelectorAll('button')].find((x) => /^\\s*Save/i.test(x.textContent));"
            " return b && !b.disabled; }", arg=form.element_handle(), timeout=15000)
        # A form that asks for the location as it opens: let the fix arrive before deciding to tap.
        self.page.wait_for_function(
            "(f) => ![...f.querySelectorAll('[role=status]')]"
            ".some((n) => /finding|locating|searching/i.test(n.textContent))",
            arg=form.element_handle(), timeout=20000)


# --- the tasks ---------------------------------------------------------------------------------
def stop_and_search(officer: Officer, title: str, grounds=GROUNDS) -> Tally:
    officer.home()
    officer.tally = tally = Tally(title)
    officer.tap(officer.home_control("Stop and search"), "open the form")
    form = officer.visible_form()
    officer.wait_usable(form)
    officer.fill(form, "encounter", {**STOP_SEARCH, "grounds": grounds})
    officer.save(form)
    return tally


def visit_and_card(officer: Officer) -> tuple[Tally, Tally]:
    officer.home()
    officer.tally = visit = Tally("postbox visit (once a box)")
    officer.tap(officer.home_control("Postbox round"), "open the form")
    form = officer.visible_form()
    officer.wait_usable(form)
    if form.get_attribute("data-type") == "postbox_visit" or form.get_by_role(
            "button", name=re.compile("visit", re.I)).count():
        officer.fill(form, "postbox_visit", VISIT)
        officer.save(form, next_form=True)
        form = officer.visible_form()
        officer.wait_usable(form)
    else:
        visit.note = "no visit form: a round was already open"
    officer.tally = card = Tally("resident's card, by summary")
    officer.fill(form, "postbox_item", CARD)
    officer.save(form)
    return visit, card


# A photo of a handwritten card, drawn on a canvas and encoded by the browser (no image library needed).
CARD_PHOTO = """async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 3000; canvas.height = 4000;
  const g = canvas.getContext('2d');
  g.fillStyle = '#f4f1e8'; g.fillRect(0, 0, 3000, 4000);
  g.fillStyle = '#123'; g.font = '110px serif';
  for (let line = 0; line < 24; line += 1) {
    g.fillText('Dear officer, the bench by the shop at night ' + line, 150, 300 + line * 150);
  }
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}"""
CAMERA_TAPS = 2  # in the phone's camera: the shutter, then 'use photo' (modelled: Chromium has no camera app)


def camera_control(form):
    """What the officer taps to take a photo: the image input itself, its label, or a photo/camera button."""
    inputs = form.locator('input[type="file"]')
    if not inputs.count():
        return None
    for i in range(inputs.count()):
        box = inputs.nth(i)
        accept = box.get_attribute("accept") or ""
        if accept and "image" not in accept:
            continue
        if box.is_visible():
            return box
        box_id = box.get_attribute("id")
        if box_id:
            label = form.locator(f'label[for="{box_id}"]').locator("visible=true")
            if label.count():
                return label.first
    button = form.get_by_role("button", name=re.compile(r"photo|camera", re.I)).locator("visible=true")
    return button.first if button.count() else None


def card_by_photo(officer: Officer) -> Tally:
    """The next card of the round by its photo (a topic, no summary): measured only when the card form
    can take a photo; never faked. A form that refuses a card without a summary is reported, not broken."""
    officer.tally = tally = Tally("resident's card, by photo")
    form = officer.visible_form()
    camera = camera_control(form)
    if camera is None:
        tally.possible = False
        tally.note = "not possible yet: the card form cannot take a photo (no image input)"
        return tally
    import base64

    photo = Path(tempfile.mkdtemp(prefix="fieldapp-card-photo-")) / "card.jpg"
    photo.write_bytes(base64.b64decode(officer.page.evaluate(CARD_PHOTO)))
    tally.think("photo")
    try:
        with officer.page.expect_file_chooser(timeout=5000) as chooser:
            officer.tap(camera, "photo")
        chooser.value.set_files(str(photo))
    except Exception as exc:  # noqa: BLE001 - a camera that is not a file chooser: say so
        tally.possible = False
        tally.note = f"not measured: tapping the photo control opened no file chooser ({type(exc).__name__})"
        return tally
    finally:
        shutil.rmtree(photo.parent, ignore_errors=True)
    tally.charge("photo", "tap", CAMERA_TAPS)
    officer.fill(form, "postbox_item", {"topics": CARD["topics"]})
    try:
        officer.save(form)
    except Broken as exc:
        tally.possible = False
        tally.note = f"not possible yet: {str(exc).removeprefix(f'{tally.task}: ')}"
    else:
        tally.note = f"the camera app's {CAMERA_TAPS} taps (shutter, use photo) are modelled, not driven"
        tally.photo_saved = True
    return tally


def stored_entries(page) -> list[dict]:
    return page.evaluate("""async (owner) => {
        const m = await import('/app/static/js/outbox.js');
        return m.entriesOf(owner);
    }""", OWNER)


def verify(page, before: set[str], photo_cards: int) -> list[str]:
    """Problems with what the outbox holds (an empty list when every entry recorded is there)."""
    entries = stored_entries(page)
    new = [e for e in entries if e["id"] not in before]
    problems = []
    searches = [e for e in entries if e["type"] == "encounter" and e["data"].get("grounds") == GROUNDS]
    if len(searches) != 2:
        problems.append(f"{len(searches)} stop and searches with the grounds typed in the outbox, not 2")
    for search in searches:
        if search["data"].get("latitude") is None:
            problems.append("a stop and search was saved without the GPS position")
    phrased = [e for e in entries if e["type"] == "encounter" and e["data"].get("grounds") == PHRASED_GROUNDS.text.strip()]
    if len(phrased) != 1:
        problems.append(f"{len(phrased)} stop and searches with the phrased grounds in the outbox, not 1")
    if not any(e["type"] == "postbox_visit" for e in entries):
        problems.append("no postbox visit in the outbox")
    if not any(e["type"] == "postbox_item" and e["data"].get("summary") == SUMMARY for e in entries):
        problems.append("no card with the summary typed in the outbox")
    wanted = 5 + photo_cards
    if len(new) < wanted:
        problems.append(f"only {len(new)} new entries in the outbox, not {wanted}")
    return problems


# --- output ------------------------------------------------------------------------------------
def verdict(tally: Tally) -> tuple[str, str]:
    """(target, met) for the table."""
    if tally.task.startswith("stop and search"):
        t = TARGETS["stop_search"]
        ok = tally.seconds <= t["seconds"] and tally.interactions <= t["interactions"]
        return f"<= {t['seconds']} s, <= {t['interactions']} int.", "met" if ok else "NOT met"
    if tally.task.endswith("by photo"):
        return f"<= {TARGETS['card_photo']['seconds']} s", "-" if not tally.possible else (
            "met" if tally.seconds <= TARGETS["card_photo"]["seconds"] else "NOT met")
    return "-", "-"


def table(tallies: list[Tally]) -> str:
    head = ("task", "taps", "selects", "chars", "swipes", "fields", "interactions", "est. s", "target", "met")
    rows = []
    for t in tallies:
        target, met = verdict(t)
        if not t.possible:
            rows.append((t.task, "-", "-", "-", "-", "-", "-", "not possible yet", target, met))
            continue
        rows.append((t.task, str(t.taps), str(t.selects), str(t.chars), str(t.swipes), str(len(t.fields)),
                     str(t.interactions), f"{t.seconds:.1f}", target, met))
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join("-" * w for w in widths)
    out = [line, "  ".join(h.ljust(w) for h, w in zip(head, widths)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    out.append(line)
    return "\n".join(out)


def details(tallies: list[Tally]) -> str:
    out = []
    for t in tallies:
        if not t.possible:
            out.append(f"{t.task}: {t.note}")
            continue
        costs = sorted(t.cost_by_field.items(), key=lambda kv: -kv[1])
        out.append(f"{t.task}: " + ", ".join(f"{name} {s:.1f} s" for name, s in costs))
        extra = []
        if t.left_alone:
            extra.append("already as wanted, left alone: " + ", ".join(t.left_alone))
        if t.missing:
            extra.append("not shown by the form: " + ", ".join(t.missing))
        if t.saved_in_view is not None:
            extra.append("'Saved on this phone' " + ("fully in view" if t.saved_in_view else "NOT fully in view"))
        if t.note:
            extra.append(t.note)
        if extra:
            out.append("    " + "; ".join(extra))
    return "\n".join(out)


def as_json(tallies: list[Tally]) -> list[dict]:
    out = []
    for t in tallies:
        target, met = verdict(t)
        out.append({"task": t.task, "possible": t.possible, "note": t.note, "taps": t.taps, "selects": t.selects,
                    "characters": t.chars, "swipes": t.swipes, "fields": t.fields,
                    "interactions_besides_typing": t.interactions, "seconds": round(t.seconds, 1),
                    "seconds_by_field": {k: round(v, 1) for k, v in t.cost_by_field.items()},
                    "left_alone": t.left_alone, "not_shown": t.missing, "saved_in_view": t.saved_in_view,
                    "target": target, "met": met})
    return out


# --- running -----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", metavar="PATH", help="also write the figures to this file")
    parser.add_argument("--offline", action="store_true",
                        help="record with the phone offline (after signing in); default: online")
    parser.add_argument("--headed", action="store_true", help="show the browser (needs a display)")
    return parser.parse_args(argv)


def sign_in(page, server: ServerProcess) -> None:
    """Sign officer1 in, set the PIN and wait for the service worker (not counted)."""
    page.goto(f"{server.url}/app")
    form = page.get_by_test_id("signin-form")
    form.get_by_label("Username").fill(OWNER)
    form.get_by_label("Password").fill(server.demo_password())
    form.get_by_role("button", name="Sign in").click()
    set_pin(page)  # the phone's first sign-in sets its PIN (not counted: once a phone, not once an entry)
    page.get_by_role("link", name=re.compile("Stop and search", re.I)).or_(
        page.get_by_role("button", name=re.compile("Stop and search", re.I))).first.wait_for(timeout=20000)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20000)


def run(args: argparse.Namespace, stack: ExitStack) -> int:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium is missing: sudo apt-get install chromium")
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fieldapp-bench-officer-")))
    server = stack.enter_context(ServerProcess(f"sqlite:///{tmp / 'bench.sqlite3'}", tmp / "instance", "--demo"))
    playwright = stack.enter_context(sync_playwright())
    launch_args = [a for a in CHROMIUM_ARGS if not (args.headed and a.startswith("--headless"))]
    browser = playwright.chromium.launch(executable_path=chromium, args=launch_args, headless=not args.headed)
    stack.callback(browser.close)
    context = browser.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True, device_scale_factor=3,
                                  geolocation=GPS, permissions=["geolocation"], locale="en-GB")
    stack.callback(context.close)
    page = context.new_page()
    page.on("pageerror", lambda exc: PAGE_ERRORS.append(f"page error: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and PAGE_ERRORS.append(f"console: {msg.text}"))
    sign_in(page, server)
    if args.offline:
        context.set_offline(True)
    before = {e["id"] for e in stored_entries(page)}

    officer = Officer(page, server.url)
    tallies = [stop_and_search(officer, "stop and search")]
    tallies.append(stop_and_search(officer, "stop and search, 2nd of shift"))
    tallies.append(stop_and_search(officer, "stop and search, with phrases", PHRASED_GROUNDS))
    visit, card = visit_and_card(officer)
    tallies += [visit, card, card_by_photo(officer)]
    problems = verify(page, before, sum(t.photo_saved for t in tallies))

    print(f"\nA scripted officer at {VIEWPORT['width']}x{VIEWPORT['height']} in headless Chromium, "
          f"{'offline' if args.offline else 'online'}, from the home screen to 'Saved on this phone'.")
    print(f"Keystroke-level model: tap {COST['tap']} s, native select {COST['select']} s, "
          f"{COST['char']} s a character, {COST['think']} s thinking a field, {COST['swipe']} s a swipe.")
    print("Interactions = taps + selects + swipes (everything but typing).\n")
    print(table(tallies))
    print("\nWhere the time goes (seconds by field, most first):")
    print(details(tallies))
    if args.json:
        Path(args.json).write_text(json.dumps({"viewport": VIEWPORT, "model": COST, "targets": TARGETS,
                                               "offline": args.offline, "tasks": as_json(tallies),
                                               "problems": problems}, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    for problem in problems:
        print(f"BROKEN: {problem}")
    if problems:
        print_page_errors()
    if not problems:
        print("\nEvery entry recorded is in the outbox on this phone.")
    return 1 if problems else 0


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
