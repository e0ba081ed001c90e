"""Stop and search beyond the record: authorisations, the public's requests, dip samples, scrutiny.

- :class:`Section60Authorisation`: a senior officer's authorisation of
  no-suspicion searches in an area for a period; section 60 searches name one.
- :class:`RecordRequest`: a member of the public asking, through /receipt,
  for the record of their search; a task for the team's supervisors.
- :class:`DipSample`: the month's random draw of searches for an inspector
  to review, fixed once drawn and reproducible from its seed.
- :class:`PopulationGroup`: the area's resident population by ethnic group
  (census), the denominator of disproportionality.
- :class:`ScrutinyPack`: a random sample of a period's records for a
  community panel, each record's grounds redacted by a supervisor before
  the pack is released.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, utcnow


class Section60Authorisation(db.Model):
    """Section 60 (CJPOA 1994) authorisation: searches without suspicion, in an area, for a period."""

    __tablename__ = "section60_authorisations"
    __table_args__ = (
        UniqueConstraint("team_id", "reference", name="uq_section60_authorisations_team_reference"),
        CheckConstraint("ends_at > starts_at", name="period"),
        Index("ix_section60_authorisations_team_ends", "team_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    reference: Mapped[str] = mapped_column(String(40))
    authorising_rank: Mapped[str] = mapped_column(String(40))
    area_description: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordRequest(db.Model):
    """A request, made on the public /receipt page, for the record of a search.

    ``entry_id`` is None when the reference typed matches no search: the
    requester is told the same as for a known one, and a supervisor sees it.
    The contact details are personal data: shown to supervisors, each view audited.
    """

    __tablename__ = "record_requests"
    __table_args__ = (Index("ix_record_requests_open", "answered_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    contact: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_method: Mapped[str | None] = mapped_column(String(40))
    answer_note: Mapped[str | None] = mapped_column(Text)


class DipSample(db.Model):
    """One month's random draw of a team's stop and searches for the inspector to review."""

    __tablename__ = "dip_samples"
    __table_args__ = (UniqueConstraint("team_id", "month", name="uq_dip_samples_team_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    # The first day of the month sampled.
    month: Mapped[date] = mapped_column(Date)
    seed: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    drawn_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entries: Mapped[list[DipSampleEntry]] = relationship(
        order_by="DipSampleEntry.position", cascade="all, delete-orphan")


class DipSampleEntry(db.Model):
    """One search drawn into a dip sample, in draw order."""

    __tablename__ = "dip_sample_entries"

    sample_id: Mapped[int] = mapped_column(ForeignKey("dip_samples.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)


class PopulationGroup(db.Model):
    """The area's resident population of one ethnic group, from a census (reference data)."""

    __tablename__ = "population_groups"
    __table_args__ = (
        UniqueConstraint("ethnic_group", name="uq_population_groups_ethnic_group"),
        CheckConstraint("population >= 0", name="population"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A broad group as the Home Office publishes (Asian, Black, Mixed, White, Other).
    ethnic_group: Mapped[str] = mapped_column(String(40))
    population: Mapped[int] = mapped_column(Integer)
    area: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScrutinyPack(db.Model):
    """A random sample of a period's searches for a community scrutiny panel."""

    __tablename__ = "scrutiny_packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    seed: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    records: Mapped[list[ScrutinyPackRecord]] = relationship(
        order_by="ScrutinyPackRecord.position", cascade="all, delete-orphan")


class ScrutinyPackRecord(db.Model):
    """One search in a scrutiny pack, with its grounds as redacted by a supervisor."""

    __tablename__ = "scrutiny_pack_records"

    pack_id: Mapped[int] = mapped_column(ForeignKey("scrutiny_packs.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    # None until a supervisor has read the grounds and saved them redacted.
    redacted_grounds: Mapped[str | None] = mapped_column(Text)
    redacted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
