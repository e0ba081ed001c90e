"""Supervisors' decisions on entries: append-only, the latest one sets the entry's state."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db
from fieldapp.models.checks import in_list
from fieldapp.models.types import UTCDateTime, utcnow
from sync.vocabulary import GROUNDS_ASSESSMENTS, REVIEW_DECISIONS


class ReviewState(StrEnum):
    """Where an entry stands in review."""

    UNREVIEWED = "unreviewed"
    APPROVED = "approved"
    RETURNED = "returned"
    FLAGGED = "flagged"


class Review(db.Model):
    """One decision on one version of an entry. Never updated: a new decision is a new row."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint(in_list("decision", REVIEW_DECISIONS), name="decision"),
        CheckConstraint(in_list("grounds_assessment", GROUNDS_ASSESSMENTS, nullable=True),
                        name="grounds_assessment"),
        Index("ix_reviews_entry_created", "entry_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    entry_version: Mapped[int] = mapped_column(Integer)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    grounds_assessment: Mapped[str | None] = mapped_column(String(20))
    bwv_viewed: Mapped[bool | None] = mapped_column(Boolean)
    # Stop and search: the supervisor's notes on manner and communication (from the footage),
    # and the footage reference they viewed.
    manner_notes: Mapped[str | None] = mapped_column(Text)
    footage_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
