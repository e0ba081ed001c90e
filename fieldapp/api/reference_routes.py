"""Reference data for the phones: postboxes and every list, with an ETag."""

from __future__ import annotations

import hashlib
import json

from flask import g, jsonify, request
from sqlalchemy import select

from fieldapp.api.blueprint import bp
from fieldapp.accounts.tokens import token_required
from fieldapp.extensions import db
from fieldapp.models import Placement, Postbox
from fieldapp.reference import reference_lists


def reference_document(team_id: int) -> dict:
    """The team's postboxes where they stand now (a visit may name no other), and the lists, as the
    phones cache them."""
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
