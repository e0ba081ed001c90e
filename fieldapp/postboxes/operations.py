"""Adding, moving and retiring postboxes: every placement is kept, every change audited.

A box stands at one site at a time (its open :class:`Placement`). Moving it
ends that placement now and opens a new one, so a visit logged last month
still points at the site the box stood at then.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.transactions import begin_write
from fieldapp.models import AuditAction, Placement, Postbox, Team
from fieldapp.models.types import utcnow
from fieldapp.reference import reference_lists


class PostboxError(ValueError):
    """A postbox change was refused; ``field`` names the input at fault (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Site:
    """Where a box is to stand: the fields of a placement."""

    site_name: str
    site_type: str
    address: str
    latitude: float | None = None
    longitude: float | None = None


def check_site(site: Site) -> None:
    """Refuse a site the database or the phones could not use; the message names the field."""
    if not site.site_name.strip() or len(site.site_name) > 200:
        raise PostboxError("Enter the site's name (at most 200 characters).", "site_name")
    if site.site_type not in reference_lists().values("site_types"):
        raise PostboxError("Choose a site type from the list.", "site_type")
    if not site.address.strip() or len(site.address) > 1000:
        raise PostboxError("Enter the site's address (at most 1000 characters).", "address")
    if (site.latitude is None) != (site.longitude is None):
        missing = "longitude" if site.longitude is None else "latitude"
        raise PostboxError("Give both latitude and longitude, or neither.", missing)
    if site.latitude is not None and not -90 <= site.latitude <= 90:
        raise PostboxError("Latitude must be between -90 and 90.", "latitude")
    if site.longitude is not None and not -180 <= site.longitude <= 180:
        raise PostboxError("Longitude must be between -180 and 180.", "longitude")


def _placement(site: Site) -> Placement:
    """A new open placement at ``site``, starting now."""
    return Placement(site_name=site.site_name.strip(), site_type=site.site_type, address=site.address.strip(),
                     latitude=site.latitude, longitude=site.longitude, placed_from=utcnow())


def _locked_box(postbox_id: int) -> Postbox:
    """The box, locked until commit (PostgreSQL; SQLite holds the write lock already)."""
    begin_write()
    box = db.session.scalar(select(Postbox).where(Postbox.id == postbox_id).with_for_update())
    if box is None:
        raise PostboxError("That postbox no longer exists.")
    return box


def add_postbox(label: str, team_id: int, site: Site) -> Postbox:
    """Create a box with its first placement, log it, and commit."""
    label = label.strip()
    if not label or len(label) > 100:
        raise PostboxError("Enter a label of 1 to 100 characters.", "label")
    check_site(site)
    begin_write()
    if db.session.get(Team, team_id) is None:
        db.session.rollback()
        raise PostboxError("Choose a team from the list.", "team_id")
    if db.session.scalar(select(Postbox.id).where(Postbox.label == label)) is not None:
        db.session.rollback()
        raise PostboxError(f"There is already a postbox labelled {label!r}.", "label")
    box = Postbox(label=label, team_id=team_id)
    box.placements.append(_placement(site))
    db.session.add(box)
    try:
        db.session.flush()
    except IntegrityError:  # the same label added at the same moment by another admin
        db.session.rollback()
        raise PostboxError(f"There is already a postbox labelled {label!r}.", "label") from None
    audit.record(AuditAction.COLLECT, "postbox", box.id, f"postbox {label} added at {site.site_name.strip()}"[:500])
    db.session.commit()
    return box


def move_postbox(postbox_id: int, site: Site) -> Placement:
    """End the box's current placement now and open one at ``site``; returns the new placement."""
    check_site(site)
    box = _locked_box(postbox_id)
    if not box.active:
        db.session.rollback()
        raise PostboxError("This postbox is retired: it cannot be moved.")
    now = utcnow()
    current = box.current_placement
    if current is not None:
        # Never end a placement before it began (another server's clock may run ahead).
        now = max(now, current.placed_from)
        current.placed_to = now
    placement = _placement(site)
    placement.placed_from = now
    box.placements.append(placement)
    db.session.flush()
    audit.record(AuditAction.ALTER, "postbox", box.id,
                 f"postbox moved to {placement.site_name} (placement {placement.id})"[:500])
    db.session.commit()
    return placement


def retire_postbox(postbox_id: int) -> None:
    """Take a box out of use: inactive, its placement ended now. History and visits stay."""
    box = _locked_box(postbox_id)
    if not box.active:
        db.session.rollback()
        raise PostboxError("This postbox is already retired.")
    box.active = False
    current = box.current_placement
    if current is not None:
        current.placed_to = max(utcnow(), current.placed_from)
    audit.record(AuditAction.ALTER, "postbox", box.id, "postbox retired")
    db.session.commit()
