"""Reference data for the phones: postboxes, every list, the team's station and section 60
authorisations, and the public link printed on stop and search receipts, with an ETag."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from flask import current_app, g, jsonify, request
from sqlalchemy import select

from fieldapp.api.blueprint import bp
from fieldapp.accounts.tokens import token_required
from fieldapp.extensions import db
from fieldapp.models import Placement, Postbox, Section60Authorisation, Team
from fieldapp.models.types import utcnow
from fieldapp.reference import reference_lists


#: An authorisation ended longer ago than this leaves the phones. Until then a search entered late, or one
#: a supervisor returns to be fixed (the form offers only what the phone holds), may still name it.
SECTION60_KEPT = timedelta(days=92)


def receipt_url() -> str:
    """The public page where a person searched asks for their record: printed (and in a QR code) on receipts.

    FIELDAPP_PUBLIC_URL when set (the address the public can reach), else this server's own address.
    """
    public = current_app.config.get("PUBLIC_URL")
    return f"{public.rstrip('/')}/receipt" if public else f"{request.url_root}receipt"


def section60_authorisations(team_id: int) -> list[dict]:
    """The team's section 60 authorisations not ended more than :data:`SECTION60_KEPT` ago, earliest first."""
    rows = db.session.scalars(
        select(Section60Authorisation)
        .where(Section60Authorisation.team_id == team_id,
               Section60Authorisation.ends_at >= utcnow() - SECTION60_KEPT)
        .order_by(Section60Authorisation.starts_at, Section60Authorisation.reference))
    return [{"reference": row.reference, "authorising_rank": row.authorising_rank,
             "area_description": row.area_description, "starts_at": row.starts_at.isoformat(),
             "ends_at": row.ends_at.isoformat()} for row in rows]


def reference_document(team_id: int) -> dict:
    """The team's postboxes where they stand now (a visit may name no other), the lists, the team's
    station and section 60 authorisations and the receipts' link, as the phones cache them."""
    rows = db.session.execute(
        select(Postbox, Placement)
        .outerjoin(Placement, (Placement.postbox_id == Postbox.id) & Placement.placed_to.is_(None))
        .where(Postbox.team_id == team_id)
        .order_by(Postbox.label)
    ).all()
    postboxes = [
        {
            "id": box.id,
            "name": f"{box.label} {place.site_name}" if place else box.label,
            "site_type": place.site_type if place else "other",
            "address": place.address if place else None,
            "latitude": place.latitude if place else None,
            "longitude": place.longitude if place else None,
            "active": box.active and place is not None,
        }
        for box, place in rows
    ]
    lists = reference_lists()
    return {
        "version": lists.version,
        "postboxes": postboxes,
        "lists": {name: [dict(item) for item in items] for name, items in lists.lists.items()},
        "station": db.session.scalar(select(Team.station).where(Team.id == team_id)),
        "receipt_url": receipt_url(),
        "section60_authorisations": section60_authorisations(team_id),
    }


@bp.get("/reference")
@token_required
def reference():
    """The reference document; 304 when the phone's copy (If-None-Match) is current."""
    document = reference_document(g.principal.team_id)
    body = json.dumps(document, sort_keys=True, separators=(",", ":"))
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    if etag in request.if_none_match:
        response = jsonify()
        response.status_code = 304
        response.set_data(b"")
    else:
        response = jsonify(document)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response
