"""Supervisors' decisions: appended, never changed; each one reaches the officer's phone.

Nobody decides on an entry they wrote (a supervisor may push entries from a phone too): such an
entry goes to another supervisor of the team or an admin, and so does a conflict copy on it.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from fieldapp.audit import operations as audit
from fieldapp.api.changes import record_changes
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Entry, Review, User
from fieldapp.reference import reference_lists

NEWER_VERSION = ("A newer version of this entry arrived while you were reading it. "
                 "Read the new version, then decide again.")


RETURN_NEEDS_COMMENT = "Say what the officer should change when returning an entry."

OWN_ENTRY = "You wrote this entry: another supervisor or an admin decides on it."


def may_decide(user_id: int, entry: Entry) -> bool:
    """Whether the user may decide on ``entry`` (or resolve its conflict copies): anyone but its author.

    The caller has already checked that the user reviews entries and can see this one.
    """
    return entry.author_id != user_id


class ReviewError(ValueError):
    """A decision that cannot be recorded; the message says why."""


def add_review(entry: Entry, reviewer: User, decision: str, comment: str | None = None, *,
               grounds_assessment: str | None = None, bwv_viewed: bool | None = None,
               manner_notes: str | None = None, footage_ref: str | None = None,
               commit: bool = True) -> Review:
    """Record a decision on the entry's version as loaded, set its review state, tell the officer.

    Raises :class:`ReviewError` (nothing written) when the reviewer wrote the entry, when the
    decision is incomplete or when a newer version arrived after ``entry`` was loaded: a decision never lands on a version
    the supervisor has not read.
    """
    comment = (comment or "").strip() or None
    manner_notes = (manner_notes or "").strip() or None
    footage_ref = (footage_ref or "").strip() or None
    if not may_decide(reviewer.id, entry):
        raise ReviewError(OWN_ENTRY)
    if decision not in reference_lists().values("review_decisions"):
        raise ReviewError("Choose approve, return or flag.")
    if decision == "returned" and not comment:
        raise ReviewError(RETURN_NEEDS_COMMENT)
    if grounds_assessment is not None and grounds_assessment not in reference_lists().values("grounds_assessments"):
        raise ReviewError("Choose reasonable, weak or insufficient for the grounds.")
    if footage_ref is not None and len(footage_ref) > 100:
        raise ReviewError("Give the footage reference in at most 100 characters.")
    # Set the state only if the entry is still at the version read: a sync edit arriving
    # meanwhile (which resets the state to unreviewed) wins, and this decision is refused.
    moved = db.session.execute(
        update(Entry).where(Entry.id == entry.id, Entry.version == entry.version)
        .values(review_state=decision).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise ReviewError(NEWER_VERSION)
    review = Review(entry_id=entry.id, entry_version=entry.version, reviewer_id=reviewer.id, decision=decision,
                    comment=comment, grounds_assessment=grounds_assessment, bwv_viewed=bwv_viewed,
                    manner_notes=manner_notes, footage_ref=footage_ref)
    db.session.add(review)
    db.session.flush()
    audit.record(AuditAction.ALTER, "entry", entry.id, f"review: {decision}", actor_id=reviewer.id)
    record_changes([(entry.author_id, entry.id, entry.type, entry.version, review.id)])
    set_committed_value(entry, "review_state", decision)  # in step with the row, without a second UPDATE
    if commit:
        db.session.commit()
    return review
