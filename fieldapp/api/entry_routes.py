"""Reading entries and their photos, and uploading photos: scoped by role, every read audited."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from flask import current_app, g, jsonify, request
from sqlalchemy import select

from fieldapp.audit import operations as audit
from fieldapp.api.blueprint import bp
from fieldapp.accounts.tokens import token_required
from fieldapp.api.errors import ApiError
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Entry, EntryVersion, Photo, Review, Team, User
from fieldapp.paging import InvalidCursor, Keyset, keyset_page
from fieldapp.photos import (
    MAX_PHOTO_BYTES,
    SIGNATURES,
    Clash,
    StorageRefused,
    TooLarge,
    attach,
    looks_like,
    photo_response,
    received,
)
from fieldapp.access import (
    find_visible_entry, find_visible_photo, hidden_fields, log_restricted_shown, may_add_photo, parse_id,
    restricted_shown, visible_entries, visible_fields,
)
from sync.vocabulary import ENTRY_TYPES

SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
NOT_FOUND = "No entry with that id that you can see."
#: The list's order: newest received first, the id breaking ties.
ENTRY_ORDER = Keyset("e1", (Entry.received_at, Entry.id), (datetime, uuid.UUID), descending=True)


def _visible_entry(raw_id: str) -> Entry:
    """The entry if the caller may see it; 404 otherwise (existence is not leaked)."""
    principal = g.principal
    entry = find_visible_entry(raw_id, principal.role, principal.user_id, principal.team_id)
    if entry is None:
        raise ApiError(404, "not_found", NOT_FOUND)
    return entry


def _summary(entry: Entry, author: User) -> dict:
    return {
        "id": str(entry.id), "type": entry.type, "version": entry.version,
        "author": {"username": author.username, "display_name": author.display_name},
        "captured_at": entry.captured_at.isoformat(), "received_at": entry.received_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(), "occurred_at": entry.occurred_at.isoformat(),
        "review_state": entry.review_state,
    }


@bp.get("/entries/<entry_id>")
@token_required
def get_entry(entry_id: str):
    """One entry whole: current content, versions, reviews, photos.

    ``withheld`` names the fields of this type that the caller is never shown (whether or not this
    entry holds them), so that a phone taking this version keeps its own copy of them.
    """
    entry = _visible_entry(entry_id)
    author = db.session.get(User, entry.author_id)
    current = db.session.get(EntryVersion, (entry.id, entry.version))
    data = visible_fields(g.principal.role, entry.type, current.data)
    shown = restricted_shown(g.principal.role, entry.type, [current.data])
    reviews = db.session.execute(select(Review, User.display_name).join(User, Review.reviewer_id == User.id)
                                 .where(Review.entry_id == entry.id).order_by(Review.created_at, Review.id))
    body = {
        **_summary(entry, author),
        "team": db.session.get(Team, entry.team_id).name,
        "data": data,
        "withheld": sorted(hidden_fields(g.principal.role, entry.type)),
        "versions": [{"version": v.version, "received_at": v.received_at.isoformat()} for v in entry.versions],
        "reviews": [{"decision": r.decision, "comment": r.comment, "reviewer": name,
                     "reviewed_at": r.created_at.isoformat(), "grounds_assessment": r.grounds_assessment,
                     "bwv_viewed": r.bwv_viewed, "entry_version": r.entry_version} for r, name in reviews],
        "photos": [{"id": str(p.id), "content_type": p.content_type, "size": p.size, "sha256": p.sha256}
                   for p in db.session.scalars(select(Photo).where(Photo.entry_id == entry.id))],
    }
    audit.record(AuditAction.CONSULT, "entry", entry.id, "read through the API")
    log_restricted_shown(entry.id, shown)
    db.session.commit()
    return jsonify(body)


def _since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
        moment.astimezone(UTC)  # 9999-12-31T23:00-05:00 is past the last representable UTC time
    except (ValueError, OverflowError):
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise ApiError(400, "invalid_request", "Since must be a date and time with a UTC offset.",
                       {"since": "An ISO 8601 date and time with an offset, e.g. 2026-11-27T09:00:00+00:00."})
    return moment


@bp.get("/entries")
@token_required
def list_entries():
    """Entries the caller may see, newest first, a page at a time (keyset pagination)."""
    from fieldapp.api.sync_routes import _limit

    principal = g.principal
    limit = _limit(request.args.get("limit"))
    query = (select(Entry, User).join(User, Entry.author_id == User.id)
             .where(visible_entries(principal.role, principal.user_id, principal.team_id)))
    entry_type = request.args.get("type")
    if entry_type:
        if entry_type not in ENTRY_TYPES:
            raise ApiError(400, "invalid_request", "Unknown type.",
                           {"type": "One of encounter, postbox_visit, postbox_item."})
        query = query.where(Entry.type == entry_type)
    if request.args.get("author"):
        query = query.where(User.username == request.args["author"].strip().lower())
    since = _since(request.args.get("since"))
    if since is not None:
        query = query.where(Entry.received_at >= since)
    rows, cursor = keyset_page(query, ENTRY_ORDER, limit, _after(request.args.get("cursor")),
                               position=lambda row: ENTRY_ORDER.position(row.Entry))
    audit.record(AuditAction.CONSULT, "entry_list", None, f"{len(rows)} entries listed through the API")
    db.session.commit()
    return jsonify(entries=[_summary(e, u) for e, u in rows], cursor=cursor, more=cursor is not None)


def _after(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The position in the list's ``cursor`` parameter; None without one; a 400 for one not made here."""
    if not cursor:
        return None
    try:
        return ENTRY_ORDER.read(cursor)
    except InvalidCursor:
        raise ApiError(400, "invalid_cursor", "That cursor was not given by this server. Start again without one.",
                       {"cursor": "Not a valid cursor."}) from None


def _photo_id(raw: str) -> uuid.UUID:
    photo_id = parse_id(raw)
    if photo_id is None:
        raise ApiError(400, "invalid_request", "The photo id must be a UUID.", {"photo_id": "Not a UUID."})
    return photo_id


def _photo_json(photo: Photo) -> dict:
    return {"id": str(photo.id), "entry_id": str(photo.entry_id), "content_type": photo.content_type,
            "size": photo.size, "sha256": photo.sha256}


TOO_LARGE = "The photo is over 10 MB. Send a smaller one."


def _refused(error: StorageRefused) -> ApiError:
    """The answer when the server cannot keep the bytes now: nothing was stored, try again later."""
    if error.full:
        return ApiError(507, "insufficient_storage", "The server has no room to store the photo just now. "
                        "Nothing was stored; keep the photo and try again later.", headers={"Retry-After": "300"})
    return ApiError(503, "storage_unavailable", "The server cannot store the photo just now. "
                    "Nothing was stored; keep the photo and try again later.", headers={"Retry-After": "60"})


@bp.put("/entries/<entry_id>/photos/<photo_id>")
@token_required
def put_photo(entry_id: str, photo_id: str):
    """Attach a photo to one's own entry; idempotent by photo id and digest."""
    entry = _visible_entry(entry_id)
    if not may_add_photo(g.principal.user_id, entry):
        raise ApiError(403, "forbidden", "Only the officer who made the entry can add photos to it.")
    photo_uuid = _photo_id(photo_id)
    content_type = request.mimetype
    if content_type not in SIGNATURES:
        raise ApiError(415, "unsupported_media_type", "Send a JPEG, PNG or WebP image.")
    if request.content_length is not None and request.content_length > MAX_PHOTO_BYTES:
        raise ApiError(413, "too_large", TOO_LARGE)
    declared = request.headers.get("X-Content-SHA256", "").strip()
    if not SHA256.match(declared):
        raise ApiError(400, "invalid_request", "Send the SHA-256 of the bytes in X-Content-SHA256 (64 hex digits).",
                       {"X-Content-SHA256": "64 hexadecimal digits."})
    entry_uuid = entry.id
    db.session.commit()  # no transaction (and on SQLite no lock) is held while the bytes arrive
    try:
        with received(request.stream) as upload:
            if upload.sha256 != declared.lower():
                raise ApiError(422, "digest_mismatch", "The bytes received do not match X-Content-SHA256: "
                               "the upload was damaged. Send it again.")
            if not looks_like(content_type, upload.read()):
                raise ApiError(400, "invalid_image",
                               f"The bytes are not a {content_type.split('/')[1].upper()} image.")
            photo, created = attach(photo_uuid, entry_uuid, content_type, upload, g.principal.user_id)
    except TooLarge:
        raise ApiError(413, "too_large", TOO_LARGE) from None
    except Clash:
        raise ApiError(409, "conflict", "A different photo is already stored under this id.") from None
    except StorageRefused as error:
        current_app.logger.warning("Photo %s not stored: %s", photo_uuid, error.__cause__ or error)
        raise _refused(error) from None
    return jsonify(_photo_json(photo)), 201 if created else 200


@bp.get("/entries/<entry_id>/photos/<photo_id>")
@token_required
def get_photo(entry_id: str, photo_id: str):
    """A photo's bytes, for supervisors of the author's team and admins; audited, never cached."""
    entry = _visible_entry(entry_id)
    photo = find_visible_photo(photo_id, entry, g.principal.role)
    if photo is None:
        raise ApiError(404, "not_found", "No photo with that id that you can see.")
    audit.record(AuditAction.CONSULT, "photo", photo.id, f"photo of entry {entry.id}")
    db.session.commit()
    return photo_response(photo)
