"""'Have your say' postboxes and where they stood over time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.extensions import db
from fieldapp.models.checks import in_list
from fieldapp.models.types import UTCDateTime, utcnow
from sync.vocabulary import SITE_TYPES


class Postbox(db.Model):
    """A physical box; it moves between sites, each stay being a :class:`Placement`."""

    __tablename__ = "postboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    label: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    placements: Mapped[list[Placement]] = relationship(
        back_populates="postbox", order_by="Placement.placed_from"
    )

    @property
    def current_placement(self) -> Placement | None:
        """The placement with no end, if the box stands somewhere now."""
        return next((p for p in reversed(self.placements) if p.placed_to is None), None)


class Placement(db.Model):
    """Where a postbox stood from ``placed_from`` until ``placed_to`` (open = still there)."""

    __tablename__ = "postbox_placements"
    __table_args__ = (
        CheckConstraint(in_list("site_type", SITE_TYPES), name="site_type"),
        CheckConstraint("placed_to IS NULL OR placed_to >= placed_from", name="period"),
        Index("ix_postbox_placements_postbox_from", "postbox_id", "placed_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    postbox_id: Mapped[int] = mapped_column(ForeignKey("postboxes.id"))
    site_name: Mapped[str] = mapped_column(String(200))
    site_type: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    placed_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    placed_to: Mapped[datetime | None] = mapped_column(UTCDateTime)

    postbox: Mapped[Postbox] = relationship(back_populates="placements")
