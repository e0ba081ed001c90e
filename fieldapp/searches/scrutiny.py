"""Scrutiny packs: a random sample of a period's stop and searches for a community scrutiny panel (#15).

A supervisor (of the team) or an admin draws a pack: the team's stop and
searches that happened in a period, sampled with ``random.Random(seed)``
from their sorted ids, the seed recorded, so anyone can draw it again
(:func:`draw`). The panel reads the grounds, the part of the record that
says most about how the power was used, but the grounds are free text and
name people and places: a supervisor reads each record's grounds in full
and saves a redacted copy, helped by a check that marks what looks like a
name, an address, a postcode or a registration (:func:`likely_identifiers`:
a warning, never a block, since no pattern catches everything). A pack is
released only when every record has been redacted, and only a released
pack is the community version; before that it is a draft for supervisors.

What a record shows is a fixed list (:class:`PackRecord`): the day and
part of day but never the time, the team's name as the general area but
never the location text or coordinates, and nothing that leads back to a
person or an officer's record: no name, registration, operation name,
footage reference, notes, receipt reference or entry id.

Every page is personal data or leads to it: each view and each write is in
the audit log (a pack drawn is a COMBINE, a redaction an ALTER, reading the
grounds a CONSULT, a release a DISCLOSE of each entry) and no page is cached.
"""

from __future__ import annotations

import random
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from fieldapp import transactions
from fieldapp.access import role_required
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Encounter, Entry, Review, Role, Team
from fieldapp.models.searches import ScrutinyPack, ScrutinyPackRecord
from fieldapp.models.types import utcnow
from fieldapp.periods import DayField, Period, period_rules, read_period_fields
from fieldapp.reference import reference_lists
from fieldapp.reports.search_figures import search_figures
from fieldapp.searches import bp
from fieldapp.times import uk

#: A pack's size when none is typed, and the most a panel is asked to read in one sitting.
DEFAULT_SIZE = 10
MAX_SIZE = 50
#: The longest redacted grounds kept (the officer's grounds are shorter than this in practice).
MAX_GROUNDS = 5000
#: Every page of a pack: personal data, never kept by a cache on the way.
NO_STORE = {"Cache-Control": "no-store"}
NOT_FOUND = "No scrutiny pack with that number that you can see."


# --------------------------------------------------------------------------
# The draw and the record's shape: plain functions
# --------------------------------------------------------------------------

def draw(seed: str, entry_ids: Sequence[uuid.UUID], size: int) -> list[uuid.UUID]:
    """The ids of the pack, in draw order: ``size`` of ``entry_ids`` (all of them if fewer).

    Pure: the same seed, ids (sorted by the caller) and size always give the same pack.
    """
    return random.Random(seed).sample(list(entry_ids), min(size, len(entry_ids)))


def part_of_day(moment: datetime) -> str:
    """Morning (06-12), afternoon (12-18), evening (18-22) or night, on the team's clock."""
    hour = uk(moment).hour
    if 6 <= hour < 12:
        return "Morning"
    if 12 <= hour < 18:
        return "Afternoon"
    if 18 <= hour < 22:
        return "Evening"
    return "Night"


@dataclass(frozen=True)
class Finding:
    """A stretch of text that looks like it identifies someone or somewhere."""

    start: int
    end: int
    kind: str
    text: str


#: Words that start with a capital in the middle of a sentence and are not names.
_NOT_NAMES = frozenset("""
    I PC PCSO DC DS PS Sgt Sergeant Inspector Police Officer Constable Mr Mrs Ms Miss Dr
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Christmas GOWISELY BWV Section Act Code PACE CJPOA
    """.split())
_IDENTIFIERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a UK postcode", re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.I)),
    ("a vehicle registration", re.compile(
        r"\b(?:[A-Z]{2}[0-9]{2} ?[A-Z]{3}|[A-Z][0-9]{1,3} ?[A-Z]{3}|[A-Z]{3} ?[0-9]{1,3}[A-Z])\b")),
    ("a phone number", re.compile(r"(?<![0-9])(?:\+44 ?|0)[0-9]{2,4}[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}(?![0-9])")),
    ("an email address", re.compile(r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}")),
    ("a house number and street", re.compile(
        r"\b[0-9]{1,4}[A-Za-z]?,? +(?:[A-Za-z'-]+ +){0,3}?(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Way|Drive|"
        r"Dr|Court|Ct|Crescent|Place|Pl|Terrace|Hill|Gardens|Grove|Park|Square|Row|Walk|Mews|Parade)\b", re.I)),
)
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\b")
#: What ends a sentence: the capitalised word after it is not taken for a name.
_SENTENCE_ENDS = ".!?:;\n"


def likely_identifiers(text: str) -> list[Finding]:
    """What in ``text`` looks like a postcode, a registration, a phone number, an email address, a house
    number and street, or a name.

    A name is a capitalised word inside a sentence that is not a common
    capitalised word (days, months, ranks). A help for the supervisor, not a
    guarantee: they read the whole text anyway. Overlaps keep the first found.
    """
    found: list[Finding] = []
    for kind, pattern in _IDENTIFIERS:
        found += [Finding(m.start(), m.end(), kind, m.group()) for m in pattern.finditer(text)]
    for match in _CAPITALISED.finditer(text):
        before = text[:match.start()].rstrip(" \t")
        if match.group() not in _NOT_NAMES and before and before[-1] not in _SENTENCE_ENDS:
            found.append(Finding(match.start(), match.end(), "a name or a place", match.group()))
    kept: list[Finding] = []
    for finding in sorted(found, key=lambda f: (f.start, -f.end)):
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


def marked(text: str, findings: Sequence[Finding]) -> Markup:
    """``text`` escaped, each finding in a ``<mark>`` that says what it looks like."""
    parts, at = [], 0
    for finding in findings:
        parts.append(escape(text[at:finding.start]))
        parts.append(Markup('<mark title="Looks like {}">{}</mark>').format(finding.kind, finding.text))
        at = finding.end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


# --------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------

def candidates(team_id: int, period: Period) -> list[uuid.UUID]:
    """The ids, sorted, of the team's stop and searches that happened in ``period``."""
    query = (select(Entry.id).join(Encounter, Encounter.entry_id == Entry.id)
             .where(Entry.team_id == team_id, Entry.type == "encounter", Encounter.kind == "stop_search",
                    *period.clauses(Encounter.occurred_at)))
    return sorted(db.session.scalars(query))


@dataclass(frozen=True)
class PackRecord:
    """One record as the panel reads it: only these fields, never the location, names or references."""

    position: int
    day: date
    part_of_day: str
    area: str
    search_type: str | None
    legislation: str | None
    object_of_search: str | None
    outcome: str | None
    outcome_linked: bool | None
    more_than_outer_clothing: bool | None
    age_range: str | None
    gender: str | None
    self_defined_ethnicity: str | None
    bwv_used: bool
    grounds_assessment: str | None
    redacted_grounds: str | None
    redacted: bool


def _assessments(entry_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each entry's latest grounds assessment by a supervisor, as its label."""
    rows = db.session.execute(select(Review.entry_id, Review.grounds_assessment)
                              .where(Review.entry_id.in_(entry_ids), Review.grounds_assessment.is_not(None))
                              .order_by(Review.created_at, Review.id))
    label = reference_lists().label
    return {entry_id: label("grounds_assessments", value) for entry_id, value in rows}  # the latest wins


def pack_records(pack: ScrutinyPack, area: str) -> list[PackRecord]:
    """The pack's records in draw order, each with only what the panel may read."""
    rows = db.session.execute(select(ScrutinyPackRecord, Encounter)
                              .join(Encounter, Encounter.entry_id == ScrutinyPackRecord.entry_id)
                              .where(ScrutinyPackRecord.pack_id == pack.id)
                              .order_by(ScrutinyPackRecord.position)).all()
    assessed = _assessments([record.entry_id for record, _ in rows])
    return [PackRecord(
        position=record.position, day=uk(search.occurred_at).date(), part_of_day=part_of_day(search.occurred_at),
        area=area, search_type=search.search_type, legislation=search.legislation,
        object_of_search=search.object_of_search, outcome=search.outcome,
        outcome_linked=search.outcome_linked_to_object_of_search,
        more_than_outer_clothing=search.removal_of_more_than_outer_clothing, age_range=search.age_range,
        gender=search.gender, self_defined_ethnicity=search.self_defined_ethnicity, bwv_used=search.bwv_used,
        grounds_assessment=assessed.get(record.entry_id), redacted_grounds=record.redacted_grounds,
        redacted=record.redacted_at is not None,
    ) for record, search in rows]


def visible_packs() -> list[ScrutinyPack]:
    """The packs the signed-in user may see, newest first: their team's, or every team's for an admin."""
    query = select(ScrutinyPack).order_by(ScrutinyPack.created_at.desc(), ScrutinyPack.id.desc())
    if current_user.role != Role.ADMIN:
        query = query.where(ScrutinyPack.team_id == current_user.team_id)
    return list(db.session.scalars(query))


def _pack_or_404(pack_id: int, for_update: bool = False) -> ScrutinyPack:
    """The pack if the user may see it; 404 for another team's, so its existence is not leaked.

    ``for_update``: its row locked (PostgreSQL; SQLite's write lock is already held), so that a
    release and a redaction of the same pack happen one after the other.
    """
    pack = db.session.get(ScrutinyPack, pack_id, with_for_update=for_update or None)
    if pack is None or (current_user.role != Role.ADMIN and pack.team_id != current_user.team_id):
        abort(404, NOT_FOUND)
    return pack


def _record_or_404(pack: ScrutinyPack, position: int) -> ScrutinyPackRecord:
    record = db.session.get(ScrutinyPackRecord, (pack.id, position))
    if record is None:
        abort(404, "No record at that place in this pack.")
    return record


# --------------------------------------------------------------------------
# Writes (each in the caller's transaction, with its audit event)
# --------------------------------------------------------------------------

class PackError(ValueError):
    """A pack cannot be drawn, changed or released as asked; the message says why."""


def create_pack(team_id: int, period: Period, size: int, user_id: int) -> ScrutinyPack:
    """Draw a pack of ``size`` of the team's stop and searches in ``period``, with a fresh seed recorded."""
    transactions.begin_write()
    ids = candidates(team_id, period)
    if not ids:
        raise PackError("The team recorded no stop and search in that period: there is nothing to draw.")
    seed = secrets.token_hex(16)
    pack = ScrutinyPack(team_id=team_id, period_start=period.first, period_end=period.last, seed=seed,
                        size=size, created_by=user_id)
    pack.records = [ScrutinyPackRecord(position=place, entry_id=entry_id)
                    for place, entry_id in enumerate(draw(seed, ids, size), start=1)]
    db.session.add(pack)
    db.session.flush()
    audit.record(AuditAction.COMBINE, "scrutiny_pack", pack.id,
                 f"scrutiny pack drawn: team={team_id}; period={period.describe()}; seed={seed}; size={size}; "
                 f"{len(pack.records)} of {len(ids)} stop and searches")
    return pack


def save_redaction(pack: ScrutinyPack, record: ScrutinyPackRecord, text: str, user_id: int) -> None:
    """Keep the grounds of ``record`` as the supervisor redacted them (a released pack is fixed)."""
    if pack.released_at is not None:
        raise PackError("This pack has been released: its records can no longer be changed.")
    record.redacted_grounds, record.redacted_by, record.redacted_at = text, user_id, utcnow()
    audit.record(AuditAction.ALTER, "scrutiny_pack", pack.id,
                 f"grounds of record {record.position} (entry {record.entry_id}) redacted")


def release_pack(pack: ScrutinyPack, user_id: int) -> None:
    """Release the pack to the panel: only when every record is redacted; each entry's disclosure logged."""
    if pack.released_at is not None:
        raise PackError("This pack was already released.")
    waiting = [record.position for record in pack.records if record.redacted_at is None]
    if waiting:
        raise PackError(f"Every record's grounds must be read and redacted before the pack is released: "
                        f"record{'s' if len(waiting) > 1 else ''} {', '.join(map(str, waiting))} "
                        f"{'are' if len(waiting) > 1 else 'is'} not yet.")
    pack.released_by, pack.released_at = user_id, utcnow()
    entry_ids = [record.entry_id for record in pack.records]
    audit.record(AuditAction.DISCLOSE, "scrutiny_pack", pack.id,
                 f"scrutiny pack released to a community panel: {len(entry_ids)} records; entries "
                 + ", ".join(str(entry_id) for entry_id in entry_ids))
    # The detail above is cut at 500 characters: each entry's disclosure is also its own event.
    audit.record_many(AuditAction.DISCLOSE, "entry", entry_ids,
                      f"in scrutiny pack {pack.id}, redacted, released to a community panel")


# --------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------

class PackForm(FlaskForm):
    """Draw a pack: the period, how many searches and (admins) the team."""

    from_ = DayField("From (date, included)", name="from")
    to = DayField("To (date, included)")
    size = IntegerField("How many searches", default=DEFAULT_SIZE, validators=[
        InputRequired(f"Say how many searches to draw, from 1 to {MAX_SIZE}."),
        NumberRange(1, MAX_SIZE, f"Draw from 1 to {MAX_SIZE} searches.")])
    team = SelectField("Team", coerce=int)

    def __init__(self, *args, **kwargs) -> None:
        """Admins choose a team; a supervisor's pack is their own team's."""
        super().__init__(*args, **kwargs)
        self.from_.description = period_rules()
        if current_user.role == Role.ADMIN:
            self.team.choices = [(team.id, team.name) for team in db.session.scalars(select(Team).order_by(Team.name))]
        else:
            del self.team

    def validate(self, extra_validators=None) -> bool:
        """Every field, then the period by the app's one period reader."""
        valid = super().validate(extra_validators)
        return read_period_fields(self.from_, self.to, required=True) and valid


class RedactForm(FlaskForm):
    """The grounds as the panel will read them."""

    grounds = TextAreaField("Grounds as the panel will read them", validators=[
        DataRequired("Write the grounds as the panel may read them; put [removed] where you took something out."),
        Length(max=MAX_GROUNDS, message=f"Use at most {MAX_GROUNDS:,} characters.")])


class ReleaseForm(FlaskForm):
    """Release a pack (CSRF only)."""


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------

def _render_list(form: PackForm, status: int = 200):
    packs = visible_packs()
    teams = {team.id: team.name for team in db.session.scalars(select(Team))}
    return render_template("searches/scrutiny_list.html", form=form, packs=packs, teams=teams), status, NO_STORE


@bp.get("/scrutiny")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def scrutiny_packs():
    """The packs of the team (every team for an admin), drafts and released, and the form to draw one."""
    return _render_list(PackForm(formdata=None))


@bp.post("/scrutiny")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def draw_pack():
    """Draw a new pack and open it."""
    form = PackForm()
    if not form.validate_on_submit():
        return _render_list(form, 400)
    team_id = form.team.data if "team" in form else current_user.team_id
    try:
        pack = create_pack(team_id, Period(form.from_.data, form.to.data), form.size.data, current_user.id)
    except PackError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _render_list(form, 400)
    db.session.commit()
    flash(f"Scrutiny pack {pack.id} drawn: {len(pack.records)} searches. Read and redact each one's grounds.")
    return redirect(url_for("searches.scrutiny_pack", pack_id=pack.id), 303)


def _render_pack(pack: ScrutinyPack, error: str | None = None, status: int = 200):
    """The pack: the draft (for supervisors, marked DRAFT) or the released community version; logged."""
    team = db.session.get(Team, pack.team_id)
    records = pack_records(pack, team.name)
    released = pack.released_at is not None
    audit.record(AuditAction.CONSULT, "scrutiny_pack", pack.id,
                 "released scrutiny pack viewed" if released else "draft scrutiny pack viewed")
    figures = search_figures(pack.team_id, pack.period_start, pack.period_end)  # the whole period, suppressed
    db.session.commit()
    return render_template("searches/scrutiny_pack.html", pack=pack, team=team, records=records, released=released,
                           figures=figures, error=error, form=ReleaseForm(formdata=None),
                           waiting=sum(not record.redacted for record in records)), status, NO_STORE


@bp.get("/scrutiny/<int:pack_id>")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def scrutiny_pack(pack_id: int):
    """One pack: the draft with each record's redaction, or the released pack ready to print."""
    return _render_pack(_pack_or_404(pack_id))


@bp.post("/scrutiny/<int:pack_id>/release")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def release(pack_id: int):
    """Release a pack whose every record has been redacted."""
    transactions.begin_write()
    pack = _pack_or_404(pack_id, for_update=True)
    if not ReleaseForm().validate_on_submit():
        return _render_pack(pack, "The form had expired; try again.", 400)
    try:
        release_pack(pack, current_user.id)
    except PackError as error:
        db.session.rollback()
        return _render_pack(pack, str(error), 409)
    db.session.commit()
    flash(f"Scrutiny pack {pack.id} released. Print it from this page for the panel.")
    return redirect(url_for("searches.scrutiny_pack", pack_id=pack.id), 303)


def _render_redact(pack: ScrutinyPack, record: ScrutinyPackRecord, form: RedactForm, status: int = 200):
    """The full grounds of one record, with the redaction form; the reading is logged."""
    grounds = db.session.scalar(select(Encounter.grounds).where(Encounter.entry_id == record.entry_id)) or ""
    if form.grounds.data is None:
        form.grounds.data = record.redacted_grounds if record.redacted_grounds is not None else grounds
    text = form.grounds.data
    findings = likely_identifiers(text)
    audit.record(AuditAction.CONSULT, "entry", record.entry_id,
                 f"grounds read for redaction, scrutiny pack {pack.id} record {record.position}")
    db.session.commit()
    return render_template("searches/scrutiny_redact.html", pack=pack, record=record, grounds=grounds, form=form,
                           findings=findings, preview=marked(text, findings),
                           count=len(pack.records)), status, NO_STORE


@bp.get("/scrutiny/<int:pack_id>/records/<int:position>")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def redact_record(pack_id: int, position: int):
    """Read one record's grounds in full and redact them."""
    pack = _pack_or_404(pack_id)
    record = _record_or_404(pack, position)
    if pack.released_at is not None:
        flash("This pack has been released: its records can no longer be changed.")
        return redirect(url_for("searches.scrutiny_pack", pack_id=pack.id), 303)
    return _render_redact(pack, record, RedactForm(formdata=None))


@bp.post("/scrutiny/<int:pack_id>/records/<int:position>")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def save_record(pack_id: int, position: int):
    """Save the redacted grounds; what still looks like an identifier is pointed out, not refused."""
    transactions.begin_write()
    pack = _pack_or_404(pack_id, for_update=True)
    record = _record_or_404(pack, position)
    form = RedactForm()
    if not form.validate_on_submit():
        return _render_redact(pack, record, form, 400)
    text = form.grounds.data.strip()
    try:
        save_redaction(pack, record, text, current_user.id)
    except PackError as error:
        db.session.rollback()
        flash(str(error))
        return redirect(url_for("searches.scrutiny_pack", pack_id=pack.id), 303)
    # Read before the commit: a read after it would open a transaction (on SQLite, the write lock) again.
    following = next((other.position for other in pack.records
                      if other.redacted_at is None and other.position != position), None)
    db.session.commit()
    left = likely_identifiers(text)
    if left:
        flash(f"Record {position} saved, but {len(left)} thing{'s' if len(left) > 1 else ''} in it still "
              "look like a name, place or number that identifies someone (marked below). Check and save again "
              "if they should go.")
        return redirect(url_for("searches.redact_record", pack_id=pack.id, position=position), 303)
    flash(f"Record {position} saved.")
    if following is not None:
        return redirect(url_for("searches.redact_record", pack_id=pack.id, position=following), 303)
    return redirect(url_for("searches.scrutiny_pack", pack_id=pack.id), 303)
