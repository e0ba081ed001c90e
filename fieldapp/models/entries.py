"""What officers capture: street encounters, postbox visits and postbox items.

Every captured record is one row of :class:`Entry` (identity, author, times,
version, review state) plus one row of its type's table holding the current
content as typed columns. Every version ever received is kept whole in
:class:`EntryVersion`, and content that lost a sync race in
:class:`ConflictCopy`: nothing an officer submitted is thrown away.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.checks import in_list
from fieldapp.models.types import UTCDateTime, utcnow
from sync.vocabulary import (
    ANONYMITY,
    BOX_CONDITIONS,
    ENCOUNTER_KINDS,
    ENTRY_TYPES,
    REVIEW_STATES,
    URGENCY,
)

#: JSON content: JSONB on PostgreSQL, JSON text on SQLite.
Content = JSON().with_variant(JSONB(), "postgresql")

FREE_TEXT = 4000


class EntryType(StrEnum):
    """The three kinds of captured record."""

    ENCOUNTER = "encounter"
    POSTBOX_VISIT = "postbox_visit"
    POSTBOX_ITEM = "postbox_item"


class Entry(db.Model):
    """A captured record's identity: the client-made UUID, its author and versions."""

    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint(in_list("type", ENTRY_TYPES), name="type"),
        CheckConstraint(in_list("review_state", REVIEW_STATES), name="review_state"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_entries_team_received", "team_id", "received_at", "id"),
        Index("ix_entries_author_received", "author_id", "received_at", "id"),
        # The review queue filtered on a state, and its counts per state (a supervisor's team,
        # an officer's own entries): one range of the index each, newest received first; the
        # type too, so that filtering on it needs no visit to the table.
        Index("ix_entries_team_state_received", "team_id", "review_state", "received_at", "id", "type"),
        Index("ix_entries_author_state_received", "author_id", "review_state", "received_at", "id", "type"),
        Index("ix_entries_received", "received_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    version: Mapped[int] = mapped_column(Integer)
    # Device time with the offset the phone had: the instant in UTC plus the offset.
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    captured_offset_minutes: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it happened (encounter occurred_at, visit visited_at; an item takes its visit's).
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    review_state: Mapped[str] = mapped_column(String(20), default=REVIEW_STATES[0], index=True)

    author = relationship("User", foreign_keys=[author_id])
    versions: Mapped[list[EntryVersion]] = relationship(
        back_populates="entry", order_by="EntryVersion.version", cascade="all, delete-orphan"
    )


class EntryVersion(db.Model):
    """Every version of an entry as it was received, whole: the history supervisors read."""

    __tablename__ = "entry_versions"

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(Content)
    content_hash: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    captured_offset_minutes: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))

    entry: Mapped[Entry] = relationship(back_populates="versions")


class ConflictCopy(db.Model):
    """Content that could not be applied (stale base or clashing version), kept for a supervisor."""

    __tablename__ = "conflict_copies"
    __table_args__ = (UniqueConstraint("entry_id", "version", "content_hash", name="uq_conflict_copies_content"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    base_version: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(Content)
    content_hash: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    captured_offset_minutes: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_version: Mapped[int | None] = mapped_column(Integer)


class Encounter(db.Model):
    """A street encounter's current content: common fields and those of each kind."""

    __tablename__ = "encounters"
    __table_args__ = (
        CheckConstraint(in_list("kind", ENCOUNTER_KINDS), name="kind"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates"),
        Index("ix_encounters_kind_occurred", "kind", "occurred_at"),
        # The review queue's kind filter, entry by entry, without visiting the (wide) table.
        Index("ix_encounters_entry_kind", "entry_id", "kind"),
        # One search per receipt reference; /receipt looks a search up by it.
        Index("ix_encounters_receipt_ref", "receipt_ref", unique=True),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_text: Mapped[str | None] = mapped_column(String(500))
    gender: Mapped[str | None] = mapped_column(String(20))
    age_range: Mapped[str | None] = mapped_column(String(20))
    self_defined_ethnicity: Mapped[str | None] = mapped_column(String(200))
    officer_defined_ethnicity: Mapped[str | None] = mapped_column(String(20))
    bwv_used: Mapped[bool] = mapped_column(Boolean)
    bwv_reason_not_used: Mapped[str | None] = mapped_column(Text)
    bwv_footage_ref: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    # stop_search
    search_type: Mapped[str | None] = mapped_column(String(40))
    legislation: Mapped[str | None] = mapped_column(String(200))
    object_of_search: Mapped[str | None] = mapped_column(String(200))
    grounds: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(100))
    outcome_linked_to_object_of_search: Mapped[bool | None] = mapped_column(Boolean)
    removal_of_more_than_outer_clothing: Mapped[bool | None] = mapped_column(Boolean)
    vehicle_registration: Mapped[str | None] = mapped_column(String(20))
    operation_name: Mapped[str | None] = mapped_column(String(200))
    # The receipt handed over at the scene (sync.receipts): the public asks for the record by it.
    receipt_ref: Mapped[str | None] = mapped_column(String(14))
    grounds_warnings: Mapped[list[str] | None] = mapped_column(Content)
    grounds_changed: Mapped[bool | None] = mapped_column(Boolean)
    section60_authorisation: Mapped[str | None] = mapped_column(String(40))
    # asb
    asb_category: Mapped[str | None] = mapped_column(String(20))
    asb_action: Mapped[str | None] = mapped_column(String(20))
    authorisation_ref: Mapped[str | None] = mapped_column(String(100))
    exclusion_hours: Mapped[int | None] = mapped_column(Integer)
    area_description: Mapped[str | None] = mapped_column(Text)
    conduct: Mapped[str | None] = mapped_column(Text)
    comply_by: Mapped[date | None] = mapped_column(Date)
    # begging and welfare_check
    support_offered: Mapped[bool | None] = mapped_column(Boolean)
    referral_made: Mapped[bool | None] = mapped_column(Boolean)
    referral_org: Mapped[str | None] = mapped_column(String(200))


class PostboxVisit(db.Model):
    """An officer emptying a postbox: where it stood then, and the box's state."""

    __tablename__ = "postbox_visits"
    __table_args__ = (
        CheckConstraint(in_list("box_condition", BOX_CONDITIONS), name="box_condition"),
        CheckConstraint("item_count >= 0", name="item_count"),
        Index("ix_postbox_visits_postbox_visited", "postbox_id", "visited_at"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    postbox_id: Mapped[int] = mapped_column(ForeignKey("postboxes.id"))
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("postbox_placements.id"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    box_condition: Mapped[str] = mapped_column(String(20))
    item_count: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)


class PostboxItem(db.Model):
    """One resident's card, transcribed; contact details are restricted to supervisors."""

    __tablename__ = "postbox_items"
    __table_args__ = (
        CheckConstraint(in_list("anonymity", ANONYMITY), name="anonymity"),
        CheckConstraint(in_list("urgency", URGENCY), name="urgency"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("postbox_visits.entry_id"), index=True)
    # None when the card was recorded by its photo alone (the entry lists photos).
    summary: Mapped[str | None] = mapped_column(Text)
    anonymity: Mapped[str] = mapped_column(String(20), default="anonymous")
    contact_details: Mapped[str | None] = mapped_column(Text)
    location_text: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    urgency: Mapped[str] = mapped_column(String(20), default="routine")
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    identifies_author: Mapped[bool] = mapped_column(Boolean, default=False)
    action: Mapped[str] = mapped_column(String(30), default="none")

    topics: Mapped[list[PostboxItemTopic]] = relationship(cascade="all, delete-orphan")


class PostboxItemTopic(db.Model):
    """One topic of a postbox item (an item has one or more)."""

    __tablename__ = "postbox_item_topics"

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("postbox_items.entry_id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
