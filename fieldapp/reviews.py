"""Supervisors' decisions: appended, never changed; each one reaches the officer's phone."""

from __future__ import annotations

from fieldapp import audit
from fieldapp.changes import record_changes
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Entry, Review, User


class ReviewError(ValueError):
    """A decision that cannot be recorded; the message says why."""


def add_review(entry: Entry, reviewer: User, decision: str, comment: str | None = None, *,
               grounds_assessment: str | None = None, bwv_viewed: bool | None = None,
               commit: bool = True) -> Review:
    """Record a decision on the entry's current version, set its review state, tell the officer."""
    comment = (comment or "").strip() or None
    if decision not in {"approved", "returned", "flagged"}:
        raise ReviewError("Choose approve, return or flag.")
    if decision == "returned" and not comment:
        raise ReviewError("Say what the officer should change when returning an entry.")
    review = Review(entry_id=entry.id, entry_version=entry.version, reviewer_id=reviewer.id, decision=decision,
                    comment=comment, grounds_assessment=grounds_assessment, bwv_viewed=bwv_viewed)
    db.session.add(review)
    entry.review_state = decision
    db.session.flush()
    audit.record(AuditAction.ALTER, "entry", entry.id, f"review: {decision}", actor_id=reviewer.id)
    record_changes([(entry.author_id, entry.id, entry.type, entry.version, review.id)])
    if commit:
        db.session.commit()
    return review
