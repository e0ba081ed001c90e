"""The OpenAPI 3.1 document of the JSON API, served at ``GET /api/openapi.json``.

Generated, once per process, on the first request for it:

- the bodies' schemas from the typed shapes in :mod:`fieldapp.api.shapes`, by
  pydantic's JSON Schema generator (JSON Schema 2020-12, as OpenAPI 3.1
  allows), for every shape an operation below names and what they contain;
- an entry's ``data`` (``EncounterData`` ...) from the sync validator's own
  field tables (``sync.schema``), with the allowed values of the reference
  lists (``fieldapp/data/reference.json``), and when each field is required
  or must be left out in the words of the rule table the validator checks
  (``sync.conditions``), so the document cannot drift from what the server
  accepts;
- the operations, their status codes and what each answer means, from the
  table in :func:`_paths`.

docs/sync-protocol.md is the prose version.

Request schemas say exactly what the server refuses as a whole request
(400, 413, 415). One part is open on purpose: each item of a push
(``PushItem``). The server checks every entry on its own and answers a bad one
with a ``rejected`` result inside its 200 receipt, never by refusing the
batch; ``Entry`` and the ``*Data`` schemas describe what a valid entry is.
Response schemas require the fields a client may rely on and allow extra ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
import os
from functools import cache
from typing import Any

from flask import current_app
from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from fieldapp.api import shapes
from fieldapp.api.sync_routes import DEFAULT_PULL, MAX_ENTRIES, MAX_PULL, MAX_PUSH_BYTES
from fieldapp.photos import MAX_PHOTO_BYTES, SIGNATURES
from fieldapp.reference import REFERENCE_FILE, load
from sync import ENTRY_TYPES, ReferenceLists
from sync.fields import (
    Field, parse_bool, parse_choice, parse_choices, parse_date, parse_datetime, parse_ids, parse_int,
    parse_number, parse_text, parse_uuid,
)
from sync import receipts
from sync.receipts import parse_receipt_ref
from sync.conditions import DEFAULTS, FIELDS, field_notes, required_fields

Schema = dict[str, Any]

COMPONENTS = "#/components/schemas/"

# What goes wrong most often, per status; an operation may say more.
ERROR_DESCRIPTIONS = {
    400: "The request is malformed or has the wrong shape; `errors` names the fields at fault.",
    401: "No usable bearer token: `token_missing`, `token_invalid`, `token_expired` or `token_revoked`: "
         "ask the officer to sign in again; keep every unsent entry. `device_lost`: an admin marked this "
         "phone lost; erase its keys and every piece of data on it, and say why.",
    403: "Signed in, but not allowed to do this.",
    404: "No such resource that the caller may see (existence is not leaked).",
    409: "Clashes with what is stored.",
    413: "The body is too large.",
    415: "Wrong Content-Type.",
    422: "The body contradicts what the request declares.",
    429: "Too many requests; wait as long as `Retry-After` says (seconds).",
    503: "The server is busy; retry after `Retry-After` seconds with backoff and jitter.",
    507: "The server has no room to store this now; retry after `Retry-After` seconds.",
}


# --- small builders ----------------------------------------------------------

def _ref(shape: Any) -> Schema:
    """A reference to the schema generated from ``shape`` (a class or alias of :mod:`fieldapp.api.shapes`)."""
    return {"$ref": COMPONENTS + shape.__name__}


def _json(shape: Any, description: str, headers: Mapping[str, Schema] | None = None) -> Schema:
    """A response whose JSON body has ``shape``."""
    response: Schema = {"description": description, "content": {"application/json": {"schema": _ref(shape)}}}
    if headers:
        response["headers"] = dict(headers)
    return response


def _header(schema: Schema, description: str, *, required: bool = False) -> Schema:
    return {"description": description, "required": required, "schema": schema}


RETRY_AFTER = _header({"type": "integer", "minimum": 0}, "Seconds to wait before trying again.")
WWW_AUTHENTICATE = _header({"type": "string"}, "`Bearer realm=\"fieldapp\"`.")


def _error_responses(*codes: int, **notes: str) -> dict[str, Schema]:
    """Error responses in the one Error shape; ``notes`` (``e400="..."``) replace the default descriptions."""
    responses = {}
    for code in codes:
        headers = {}
        if code == 401:
            headers["WWW-Authenticate"] = WWW_AUTHENTICATE
        if code in (429, 503, 507):
            headers["Retry-After"] = RETRY_AFTER
        responses[str(code)] = _json(shapes.Error, notes.get(f"e{code}", ERROR_DESCRIPTIONS[code]), headers)
    return responses


NO_NUL = "^[^\\x00]*$"  # the server refuses NUL in any query value (400)


def _query(name: str, schema: Schema, description: str) -> Schema:
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        schema = {**schema, "pattern": NO_NUL}
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _or_empty(schema: Schema) -> Schema:
    """A query value that may also be sent empty (``?since=``): the same as leaving it out."""
    return {"anyOf": [schema, {"type": "string", "const": ""}]}


def _param(name: str) -> Schema:
    """A reference to ``components.parameters[name]``."""
    return {"$ref": f"#/components/parameters/{name}"}


# --- an entry's data, from the validator's field tables ----------------------

def _nullable(schema: Schema) -> Schema:
    """``schema`` or JSON null."""
    out = dict(schema)
    out["type"] = [schema["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def _enum(values: Iterable[str]) -> Schema:
    return {"type": "string", "enum": sorted(values)}


def _field_schema(field: Field, lists: ReferenceLists) -> Schema:
    """The JSON Schema of one field the validator reads, with its limits."""
    parse = field.parse
    if parse is parse_text:
        schema: Schema = {"type": "string", "maxLength": field.max_len}
        if field.min_len:
            schema["minLength"] = field.min_len
    elif parse is parse_choice:
        schema = _enum(lists.values(field.list_name))
    elif parse is parse_choices:
        schema = {"type": "array", "items": _enum(lists.values(field.list_name)),
                  "minItems": 1, "uniqueItems": True}
    elif parse is parse_bool:
        schema = {"type": "boolean"}
    elif parse in (parse_int, parse_number):
        schema = {"type": "integer" if parse is parse_int else "number", "minimum": field.low}
        if field.high is not None:
            schema["maximum"] = field.high
    elif parse is parse_datetime:
        schema = {"type": "string", "format": "date-time"}
    elif parse is parse_date:
        schema = {"type": "string", "format": "date"}
    elif parse is parse_uuid:
        schema = {"type": "string", "format": "uuid"}
    elif parse is parse_receipt_ref:
        chars = f"[{receipts.ALPHABET}]"
        schema = {"type": "string", "pattern": f"^{chars}{{4}}-{chars}{{4}}-{chars}{{4}}$",
                  "description": "12 characters in groups of four; the last is a check character "
                                 "(sync/receipts.py). Case, spaces and hyphens are ignored when read."}
    elif parse is parse_ids:
        schema = {"type": "array", "items": {"type": "string", "format": "uuid"}, "uniqueItems": True}
        if field.high is not None:
            schema["maxItems"] = field.high
    else:
        raise ValueError(f"no JSON Schema for field {field.name!r} (parser {parse.__name__})")
    return schema


def _data_schema(entry_type: str, what: str, meanings: Mapping[str, str], lists: ReferenceLists) -> Schema:
    """A closed object of the entry type's fields; the optional ones may also be null (not given).

    Each field says what it is (its label, ``meanings``) and when it is required or must be left
    out, in the words of the rule table the validator checks (:func:`sync.conditions.field_notes`).
    """
    required = required_fields(entry_type)
    rules = field_notes(entry_type)
    defaults = DEFAULTS[entry_type]
    properties = {}
    for name, field in FIELDS[entry_type].items():
        schema = _field_schema(field, lists)
        if name not in required:
            schema = _nullable(schema)
        schema["description"] = " ".join(filter(None, (f"{field.label}.", meanings.get(name), rules.get(name))))
        if name in defaults:
            schema["default"] = defaults[name]
        properties[name] = schema
    return {"type": "object", "description": f"{what} {DATA_RULES}", "required": list(required),
            "properties": properties, "additionalProperties": False}


DATA_RULES = (
    "Unknown fields are rejected by name. null, a blank string or an empty list means 'not given'. Strings are trimmed "
    "before their length is checked. Times need a UTC offset, must not be before 2000 and at most one "
    "hour ahead of the server's clock."
)

PHOTOS = ("The ids of the entry's photos, UUIDs the phone makes up, no repeats (ids are compared "
          "lower case). List them in the entry, then upload each with PUT /api/entries/{entry_id}/photos/"
          "{photo_id}; an id listed but not yet uploaded shows as not yet received.")

# entry type -> its data's schema (named in the shapes), what one is, and what fields mean
# beyond their labels. When a field is required or left out comes from the rule table.
DATA = {
    "encounter": (shapes.EncounterData, "A street encounter.", {
        "kind": "Decides which kind-specific fields belong.",
        "occurred_at": "When it happened.",
        "location_accuracy_m": "In metres.",
        "self_defined_ethnicity": "The 'Not stated' value is allowed.",
        "receipt_ref": "One search per reference: a reference another entry already has is refused "
                       "(errors.receipt_ref); make a new one. A re-send or an edit of the same entry may "
                       "keep its own.",
        "section60_authorisation": "The `reference` of one of the team's `section60_authorisations` from GET "
                                   "/api/reference. Refused (errors.section60_authorisation) unless occurred_at "
                                   "is within its starts_at..ends_at, both ends included.",
        "photos": PHOTOS,
    }),
    "postbox_visit": (shapes.PostboxVisitData, "A visit to empty a postbox.", {
        "postbox_id": "The id of a postbox from GET /api/reference.",
        "visited_at": "When the box was emptied.",
        "item_count": "How many items were taken out.",
    }),
    "postbox_item": (shapes.PostboxItemData, "One resident's card from a postbox.", {
        "visit_id": "The id of the postbox_visit entry this item came from: already on the server, "
                    "or in the same batch.",
        "topics": "One or more topic slugs, no repeats.",
        "contact_details": "Shown only to supervisors and admins.",
        "summary": "What the card says. A card may be recorded by its photo alone (the photo is the "
                   "resident's own words): then summary may be left out.",
        "photos": PHOTOS,
    }),
}


def _data_schemas(lists: ReferenceLists) -> dict[str, Schema]:
    """The ``*Data`` schemas that :mod:`fieldapp.api.shapes` only names."""
    return {shape.__name__: _data_schema(entry_type, what, meanings, lists)
            for entry_type, (shape, what, meanings) in DATA.items()}


# --- components.schemas, generated from the shapes ---------------------------

class _SchemaGenerator(GenerateJsonSchema):
    """pydantic's generator without the titles it makes up from Python names, and with a docstring
    that wraps read as one paragraph."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def typed_dict_schema(self, schema: Any) -> Schema:
        json_schema = super().typed_dict_schema(schema)
        json_schema.pop("title", None)
        if "description" in json_schema:
            json_schema["description"] = " ".join(json_schema["description"].split())
        return json_schema


def _refs(node: Any) -> Iterator[str]:
    """The component names that ``$ref``s in ``node`` point at."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith(COMPONENTS):
            yield ref.removeprefix(COMPONENTS)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _schemas(paths: Schema, lists: ReferenceLists) -> dict[str, Schema]:
    """Every shape the operations name, and all they contain, as JSON Schema."""
    named = sorted(set(_refs(paths)))
    _, generated = TypeAdapter.json_schemas(
        [(name, "validation", TypeAdapter(getattr(shapes, name))) for name in named],
        ref_template=COMPONENTS + "{model}", schema_generator=_SchemaGenerator)
    schemas = generated["$defs"]
    schemas.update(_data_schemas(lists))
    lists_schema = schemas["Reference"]["properties"]["lists"]  # the list names are the reference file's
    lists_schema["description"] = lists_schema["description"].rstrip(".") + ": " + ", ".join(sorted(lists.lists)) + "."
    return dict(sorted(schemas.items()))


# --- paths -------------------------------------------------------------------

def _parameters() -> dict[str, Schema]:
    uuid = {"type": "string", "format": "uuid"}
    return {
        "EntryId": {"name": "entry_id", "in": "path", "required": True, "schema": uuid,
                    "description": "The entry's id. Anything else, or an entry the caller may not see: 404."},
        "PhotoId": {"name": "photo_id", "in": "path", "required": True, "schema": uuid,
                    "description": "The photo's id, made by the client."},
        "Limit": _query("limit", _or_empty({"type": "integer", "minimum": 1, "maximum": MAX_PULL,
                                            "default": DEFAULT_PULL}),
                        f"Page size, 1 to {MAX_PULL}; default {DEFAULT_PULL}."),
    }


def _json_body(shape: Any) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": _ref(shape)}}}


def _photo_content() -> dict[str, Schema]:
    return {media: {"schema": {"type": "string", "format": "binary"}} for media in sorted(SIGNATURES)}


def _paths() -> dict[str, Schema]:
    return {
        "/api/auth/token": {
            "post": {
                "operationId": "createToken", "tags": ["auth"], "security": [],  # no token needed
                "summary": "Sign a device in",
                "description": "Creates a device row and a signed token for it (valid 30 days by default), "
                               "and the device's `recovery_key`, returned this once. With `device_id` (the "
                               "phone's own device) the same row is signed in again and its existing "
                               "recovery key returned: the recovery after too many wrong PINs. "
                               "Failed tries count towards the same throttle as the web sign-in. "
                               "After an admin's password reset the temporary password answers 403 "
                               "`password_change_required`; the same request with `new_password` sets it, "
                               "ends the user's web sessions and signs in.",
                "requestBody": _json_body(shapes.TokenRequest),
                "responses": {
                    "201": _json(shapes.TokenResponse, "Signed in (with `new_password`: the password changed)."),
                    **_error_responses(
                        400, 401, 403, 413, 415, 429,
                        e400="Malformed JSON, not an object, or a field missing, blank or too long (`errors`); "
                             "or `errors.new_password`: too short, the same as the temporary one, or sent "
                             "when no change is due; or `errors.device_id`: not a whole number, or not a "
                             "device of this account (\"Not a phone of this account.\", the same whether "
                             "it is someone else's or does not exist).",
                        e401="`invalid_credentials`: no active account with that username and password.",
                        e403="`password_change_required`: an admin reset the password; send the request "
                             "again with `new_password`. No device is created. `device_lost`: `device_id` "
                             "names a device an admin marked lost; erase the phone's keys and data, as for "
                             "401 `device_lost`.",
                        e413="The body is over 16 KiB.",
                        e415="Not `application/json`.",
                        e429="`throttled`: too many failed sign-ins; wait `Retry-After` seconds."),
                },
            },
            "delete": {
                "operationId": "revokeToken", "tags": ["auth"],
                "summary": "Sign this device out",
                "description": "Revokes the device: its token fails with `token_revoked` from now on.",
                "responses": {"204": {"description": "Signed out."}, **_error_responses(401)},
            },
        },
        "/api/auth/recovery-key": {
            "get": {
                "operationId": "getRecoveryKey", "tags": ["auth"],
                "summary": "This device's recovery key",
                "description": "For a phone that holds a valid token but never received a `recovery_key` "
                               "(signed in with an earlier release of the app): the calling device's own "
                               "key, the one a sign-in returns, never another device's. Audited; answered "
                               "with `Cache-Control: no-store`. Wrap the data key with it, then forget it.",
                "responses": {
                    "200": _json(shapes.RecoveryKey, "The device's recovery key.", {
                        "Cache-Control": _header({"type": "string", "const": "no-store"}, "Never cached.",
                                                 required=True)}),
                    **_error_responses(
                        401, 404,
                        e404="`no_recovery_key`: the server holds no key for this device (signed in before "
                             "recovery keys existed); sign in again with the password and `device_id`, "
                             "which creates one."),
                },
            },
        },
        "/api/me": {
            "get": {
                "operationId": "getMe", "tags": ["auth"], "summary": "The signed-in user and this device",
                "responses": {"200": _json(shapes.Me, "The caller."), **_error_responses(401)},
            },
        },
        "/api/reference": {
            "get": {
                "operationId": "getReference", "tags": ["reference"],
                "summary": "Postboxes and every reference list",
                "parameters": [{"name": "If-None-Match", "in": "header", "required": False,
                                "schema": {"type": "string"},
                                "description": "The ETag of the copy the device holds."}],
                "responses": {
                    "200": _json(shapes.Reference, "The reference data.", {
                        "ETag": _header({"type": "string"}, "Send it back in If-None-Match.", required=True)}),
                    "304": {"description": "The device's copy is current. No body.",
                            "headers": {"ETag": _header({"type": "string"}, "The current ETag.")}},
                    **_error_responses(401),
                },
            },
        },
        "/api/sync/push": {
            "post": {
                "operationId": "pushEntries", "tags": ["sync"], "summary": "Send a batch of entries",
                "description": "Idempotent: each entry is stored once, whatever the number of retries. "
                               "Visits are applied before the items that point at them. Problems with one "
                               "entry are answered in its result, never by failing the batch.",
                "requestBody": _json_body(shapes.PushRequest),
                "responses": {
                    "200": _json(shapes.PushResponse, "One result per entry, in order. Mark an entry sent "
                                 "only when its own id comes back here."),
                    **_error_responses(
                        400, 401, 413, 415, 429, 503,
                        e400="Malformed JSON; the body is not an object, has fields other than `entries`, "
                             "or `entries` is missing, not a list or empty. Nothing was stored.",
                        e413=f"More than {MAX_ENTRIES} entries, or a body over {MAX_PUSH_BYTES:,} bytes. "
                             "Nothing was stored; send smaller batches.",
                        e415="Not `application/json`. Nothing was stored.",
                        e503="`busy`: the same entries are being stored by another request. Nothing was "
                             "stored by this one; retry."),
                },
            },
        },
        "/api/sync/pull": {
            "get": {
                "operationId": "pullChanges", "tags": ["sync"],
                "summary": "Decisions on, and new versions of, the caller's entries",
                "description": "Oldest first. The cursor never skips a change.",
                "parameters": [
                    _query("cursor", {"type": "string"},
                           "Opaque: the `cursor` of the previous pull. Absent or empty: from the start."),
                    _param("Limit"),
                ],
                "responses": {
                    "200": _json(shapes.PullResponse, "The next changes."),
                    **_error_responses(400, 401, e400="`invalid_cursor`, or a limit out of range (`errors`)."),
                },
            },
        },
        "/api/entries": {
            "get": {
                "operationId": "listEntries", "tags": ["entries"], "summary": "Entries the caller may see",
                "description": "Officers see their own entries; supervisors their team's; admins all.",
                "parameters": [
                    _query("type", _or_empty(_enum(ENTRY_TYPES)), "Only this type."),
                    _query("author", {"type": "string"}, "Only this author's (username)."),
                    _query("since", _or_empty({"type": "string", "format": "date-time"}),
                           "Only entries received at or after this time."),
                    _query("cursor", {"type": "string"}, "Opaque: the `cursor` of the previous page."),
                    _param("Limit"),
                ],
                "responses": {
                    "200": _json(shapes.EntryList, "A page of entries."),
                    **_error_responses(400, 401, e400="A bad type, since, cursor or limit (`errors`)."),
                },
            },
        },
        "/api/entries/{entry_id}": {
            "get": {
                "operationId": "getEntry", "tags": ["entries"], "summary": "One entry whole",
                "description": "For its author, supervisors of the author's team, and admins. Audited.",
                "parameters": [_param("EntryId")],
                "responses": {
                    "200": _json(shapes.EntryDetail, "The entry, its versions, reviews and photos."),
                    **_error_responses(401, 404),
                },
            },
        },
        "/api/entries/{entry_id}/photos/{photo_id}": {
            "parameters": [_param("EntryId"), _param("PhotoId")],
            "put": {
                "operationId": "putPhoto", "tags": ["photos"], "summary": "Attach a photo to one's own entry",
                "description": "Push the entry first (its data lists the photo's id in `photos`). "
                               "Idempotent by photo id and digest.",
                "parameters": [{"name": "X-Content-SHA256", "in": "header", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
                                "description": "SHA-256 of the body, 64 hexadecimal digits."}],
                "requestBody": {"required": True, "content": _photo_content(),
                                "description": f"The image bytes, at most {MAX_PHOTO_BYTES:,}."},
                "responses": {
                    "200": _json(shapes.PhotoReceipt, "The same bytes were already stored under this id."),
                    "201": _json(shapes.PhotoReceipt, "Stored."),
                    **_error_responses(
                        400, 401, 403, 404, 409, 413, 415, 422, 503, 507,
                        e400="X-Content-SHA256 missing or not 64 hex digits, photo_id not a UUID, or the "
                             "bytes are not the declared format.",
                        e403="Only the entry's author adds photos.",
                        e409="Other bytes are already stored under this photo id.",
                        e413=f"The photo is over {MAX_PHOTO_BYTES:,} bytes.",
                        e415="Not image/jpeg, image/png or image/webp.",
                        e422="`digest_mismatch`: the bytes do not match X-Content-SHA256 (damaged upload; "
                             "send again).",
                        e503="`storage_unavailable`: the server cannot store photos just now (e.g. its database "
                             "is read-only). Nothing was stored; keep the photo and retry after `Retry-After`.",
                        e507="`insufficient_storage`: the server's storage is full. Nothing was stored; keep "
                             "the photo and retry after `Retry-After`."),
                },
            },
            "get": {
                "operationId": "getPhoto", "tags": ["photos"], "summary": "A photo's bytes",
                "description": "For supervisors of the author's team and admins. Audited.",
                "responses": {
                    "200": {"description": "The image.", "content": _photo_content()},
                    **_error_responses(401, 404),
                },
            },
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenApi", "tags": ["meta"], "security": [],  # no token needed
                "summary": "This document",
                "responses": {"200": {"description": "The OpenAPI 3.1 document.", "content": {
                    "application/json": {"schema": {"type": "object"}}}}},
            },
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1.0 document of every /api endpoint, with the lists of the app's reference file.

    Built once per reference file; do not mutate it.
    """
    return _document(current_app.config.get("REFERENCE_FILE", REFERENCE_FILE))


@cache
def _document(reference_file: str | os.PathLike[str]) -> dict[str, Any]:
    paths = _paths()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fieldapp API",
            "version": "1",
            "description": "The API the officer app's phones speak: device tokens, reference data, "
                           "idempotent sync, entries and photos. Every error is an `Error`. "
                           "The protocol in prose: docs/sync-protocol.md.",
        },
        "tags": [
            {"name": "auth", "description": "Device tokens."},
            {"name": "reference", "description": "Postboxes and reference lists."},
            {"name": "sync", "description": "Push entries, pull decisions."},
            {"name": "entries", "description": "Reading entries."},
            {"name": "photos", "description": "Photos of entries."},
            {"name": "meta", "description": "This document."},
        ],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A device token from POST /api/auth/token."},
            },
            "parameters": _parameters(),
            "schemas": _schemas(paths, load(reference_file)),
        },
    }
