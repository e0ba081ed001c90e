"""Push and pull: the two halves of the sync protocol (see docs/sync-protocol.md)."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from fieldapp.api.blueprint import bp
from fieldapp.accounts.tokens import token_required
from fieldapp.api.body import json_body
from fieldapp.api.errors import ApiError
from fieldapp.api.changes import changes_after
from fieldapp.extensions import db
from fieldapp.api.ingest import Author, Busy, push
from fieldapp.models import Review, User
from fieldapp.models.types import utcnow
from fieldapp.paging import fetch_page
from sync import InvalidCursor, decode_cursor, encode_cursor

MAX_ENTRIES = 200
MAX_PUSH_BYTES = 2 * 1024 * 1024
MAX_PULL = 500
DEFAULT_PULL = 100


@bp.post("/sync/push")
@token_required
def sync_push():
    """Store a batch of entries; one result per entry, in the order sent."""
    body = json_body(MAX_PUSH_BYTES)
    if not isinstance(body, dict) or "entries" not in body:
        raise ApiError(400, "invalid_request", 'Send a JSON object: {"entries": [...]}.',
                       {"entries": "Entries are required."})
    unknown = sorted(str(key) for key in body if key != "entries")
    if unknown:
        raise ApiError(400, "invalid_request", "Unknown fields in the request.",
                       {key: "Unknown field." for key in unknown})
    entries = body["entries"]
    if not isinstance(entries, list) or not entries:
        raise ApiError(400, "invalid_request", f"Entries must be a list of 1 to {MAX_ENTRIES} entries.",
                       {"entries": f"Send a list of 1 to {MAX_ENTRIES} entries."})
    if len(entries) > MAX_ENTRIES:
        raise ApiError(413, "too_many_entries",
                       f"{len(entries)} entries in one request; the limit is {MAX_ENTRIES}. Send them in smaller batches.")
    principal = g.principal
    try:
        results = push(entries, Author(principal.user_id, principal.team_id, principal.device_id))
    except Busy:
        raise ApiError(503, "busy", "The server is busy with the same entries from elsewhere. Try again.",
                       headers={"Retry-After": "1"}) from None
    return jsonify(results=results, server_time=utcnow().isoformat())


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_PULL
    # ASCII digits only: str.isdigit() also accepts '²', which int() refuses.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not 1 <= int(raw) <= MAX_PULL:
        raise ApiError(400, "invalid_request", f"Limit must be a whole number from 1 to {MAX_PULL}.",
                       {"limit": f"A whole number from 1 to {MAX_PULL}."})
    return int(raw)


@bp.get("/sync/pull")
@token_required
def sync_pull():
    """Decisions on, and new versions of, the caller's entries since ``cursor``."""
    limit = _limit(request.args.get("limit"))
    try:
        after = decode_cursor(request.args.get("cursor"))
    except InvalidCursor:
        raise ApiError(400, "invalid_cursor", "That cursor was not given by this server. "
                       "Pull from the start (no cursor) instead.", {"cursor": "Not a valid cursor."}) from None
    changes, more = fetch_page(lambda size: changes_after(g.principal.user_id, after, size), limit)
    review_ids = [c.review_id for c in changes if c.review_id is not None]
    reviews = {}
    if review_ids:
        rows = db.session.execute(select(Review, User.display_name).join(User, Review.reviewer_id == User.id)
                                  .where(Review.id.in_(review_ids)))
        reviews = {review.id: (review, name) for review, name in rows}
    body = []
    for change in changes:
        item = {"id": str(change.entry_id), "type": change.entry_type, "version": change.version, "review": None}
        if change.review_id in reviews:
            review, reviewer = reviews[change.review_id]
            item["review"] = {"decision": review.decision, "comment": review.comment, "reviewer": reviewer,
                              "reviewed_at": review.created_at.isoformat(),
                              "grounds_assessment": review.grounds_assessment}
        body.append(item)
    cursor = encode_cursor(changes[-1].seq if changes else after)
    return jsonify(changes=body, cursor=cursor, more=more)
