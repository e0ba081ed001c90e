"""The OpenAPI 3.1 document of the JSON API, served at ``GET /api/openapi.json``.

Built once per process. Field types and limits of an entry's ``data`` come
from the sync validator's own field tables (``sync.schema``) and the allowed
values from the reference lists (``fieldapp/data/reference.json``), so the
document cannot drift from what the server accepts. Schemas are JSON Schema
2020-12, as OpenAPI 3.1 allows. docs/sync-protocol.md is the prose version.

Request schemas say exactly what the server refuses as a whole request
(400, 413, 415). One part is open on purpose: each item of a push
(``PushItem``). The server checks every entry on its own and answers a bad one
with a ``rejected`` result inside its 200 receipt, never by refusing the
batch; ``Entry`` and the ``*Data`` schemas describe what a valid entry is.
Response schemas require the fields a client may rely on and allow extra ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import fieldapp
from fieldapp.api.sync_routes import DEFAULT_PULL, MAX_ENTRIES, MAX_PULL, MAX_PUSH_BYTES
from fieldapp.api.token_routes import SIGN_IN_FIELDS
from fieldapp.photos import MAX_PHOTO_BYTES, SIGNATURES
from sync import ENTRY_TYPES, ReferenceLists, Status, load_reference
from sync.fields import (
    MAX_INT32, Field, parse_bool, parse_choice, parse_choices, parse_date,
    parse_datetime, parse_int, parse_number, parse_text, parse_uuid,
)
from sync.schema import ENCOUNTER_FIELDS, POSTBOX_ITEM_DEFAULTS, POSTBOX_ITEM_FIELDS, POSTBOX_VISIT_FIELDS

Schema = dict[str, Any]

REFERENCE_FILE = Path(fieldapp.__file__).parent / "data" / "reference.json"

PHOTO_TYPES = tuple(sorted(SIGNATURES))
ROLES = ("officer", "supervisor", "admin")
REVIEW_STATES = ("unreviewed", "approved", "returned", "flagged")
NOT_BLANK = r"\S"  # at least one character that is not white space

# What goes wrong most often, per status; an operation may say more.
ERROR_DESCRIPTIONS = {
    400: "The request is malformed or has the wrong shape; `errors` names the fields at fault.",
    401: "No usable bearer token: `token_missing`, `token_invalid`, `token_expired` or `token_revoked`. "
         "Ask the officer to sign in again; keep every unsent entry.",
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

def _ref(name: str) -> Schema:
    """A reference to ``components.schemas[name]``."""
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Schema) -> Schema:
    """``schema`` or JSON null."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = dict(schema)
    out["type"] = [schema["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def _object(properties: Mapping[str, Schema], required: Iterable[str] = (), *, closed: bool = False,
            description: str | None = None) -> Schema:
    """An object schema; ``closed`` forbids properties not listed."""
    schema: Schema = {"type": "object"}
    if description:
        schema["description"] = description
    names = list(required)
    if names:
        schema["required"] = names
    schema["properties"] = dict(properties)
    if closed:
        schema["additionalProperties"] = False
    return schema


def _string(description: str | None = None, **keywords: Any) -> Schema:
    schema: Schema = {"type": "string", **keywords}
    if description:
        schema["description"] = description
    return schema


def _moment(description: str | None = None) -> Schema:
    """An RFC 3339 date and time (always with an offset)."""
    return _string(description, format="date-time")


def _uuid(description: str | None = None) -> Schema:
    return _string(description, format="uuid")


def _enum(values: Iterable[str], description: str | None = None) -> Schema:
    return _string(description, enum=list(values))


def _json(schema: Schema, description: str, headers: Mapping[str, Schema] | None = None) -> Schema:
    """A response with a JSON body."""
    response: Schema = {"description": description, "content": {"application/json": {"schema": schema}}}
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
        responses[str(code)] = _json(_ref("Error"), notes.get(f"e{code}", ERROR_DESCRIPTIONS[code]), headers)
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

def _list_values(lists: ReferenceLists, name: str) -> list[str]:
    return sorted(lists.values(name))


def _field_schema(field: Field, lists: ReferenceLists) -> Schema:
    """The JSON Schema of one field the validator reads, with its limits."""
    parse = field.parse
    if parse is parse_text:
        schema = _string(maxLength=field.max_len)
        if field.min_len:
            schema["minLength"] = field.min_len
    elif parse is parse_choice:
        schema = _enum(_list_values(lists, field.list_name))
    elif parse is parse_choices:
        schema = {"type": "array", "items": _enum(_list_values(lists, field.list_name)),
                  "minItems": 1, "uniqueItems": True}
    elif parse is parse_bool:
        schema = {"type": "boolean"}
    elif parse in (parse_int, parse_number):
        schema = {"type": "integer" if parse is parse_int else "number", "minimum": field.low}
        if field.high is not None:
            schema["maximum"] = field.high
    elif parse is parse_datetime:
        schema = _moment()
    elif parse is parse_date:
        schema = _string(format="date")
    elif parse is parse_uuid:
        schema = _uuid()
    else:
        raise ValueError(f"no JSON Schema for field {field.name!r} (parser {parse.__name__})")
    return schema


def _data_schema(fields: Mapping[str, Field], required: Iterable[str], notes: Mapping[str, str],
                 lists: ReferenceLists, description: str,
                 defaults: Mapping[str, Any] | None = None) -> Schema:
    """A closed object of ``fields``; the optional ones may also be null (not given)."""
    required = tuple(required)
    properties = {}
    for name, field in fields.items():
        schema = _field_schema(field, lists)
        if name not in required:
            schema = _nullable(schema)
        schema["description"] = " ".join(filter(None, (f"{field.label}.", notes.get(name))))
        if defaults and name in defaults:
            schema["default"] = defaults[name]
        properties[name] = schema
    return _object(properties, required, closed=True, description=description)


DATA_RULES = (
    "Unknown fields are rejected by name. null or a blank string means 'not given'. Strings are trimmed "
    "before their length is checked. Times need a UTC offset, must not be before 2000 and at most one "
    "hour ahead of the server's clock."
)

ENCOUNTER_NOTES = {
    "kind": "Decides which kind-specific fields belong; fields of other kinds must be left out.",
    "occurred_at": "When it happened.",
    "latitude": "Give latitude and longitude together, or neither.",
    "longitude": "Give latitude and longitude together, or neither.",
    "location_accuracy_m": "In metres.",
    "location_text": "Required when there are no coordinates.",
    "self_defined_ethnicity": "Required for stop_search (the 'Not stated' value is allowed).",
    "bwv_reason_not_used": "Required for stop_search when bwv_used is false.",
    "search_type": "stop_search only; required there.",
    "legislation": "stop_search only; required there.",
    "object_of_search": "stop_search only; required there.",
    "grounds": "stop_search only; required there, at least 20 characters.",
    "outcome": "stop_search only; required there.",
    "outcome_linked_to_object_of_search": "stop_search only; required there.",
    "removal_of_more_than_outer_clothing": "stop_search only; required there.",
    "vehicle_registration": "stop_search only; required when search_type is a vehicle search "
                            "('Vehicle search', 'Person and Vehicle search').",
    "operation_name": "stop_search only; optional.",
    "asb_category": "asb only; required there.",
    "asb_action": "asb only; required there.",
    "authorisation_ref": "asb with asb_action s35_direction only; required there.",
    "exclusion_hours": "asb with asb_action s35_direction only; required there.",
    "area_description": "asb with asb_action s35_direction only; required there.",
    "conduct": "asb with asb_action cpw only; required there.",
    "comply_by": "asb with asb_action cpw only; required there.",
    "support_offered": "begging and welfare_check only; required there.",
    "referral_made": "begging and welfare_check only; required there.",
    "referral_org": "begging and welfare_check only; required when referral_made is true.",
}

POSTBOX_VISIT_NOTES = {
    "postbox_id": "The id of a postbox from GET /api/reference.",
    "visited_at": "When the box was emptied.",
    "item_count": "How many items were taken out.",
}

POSTBOX_ITEM_NOTES = {
    "visit_id": "The id of the postbox_visit entry this item came from: already on the server, "
                "or in the same batch.",
    "topics": "One or more topic slugs, no repeats.",
    "contact_details": "Required exactly when anonymity is contact_requested; must be left out otherwise. "
                       "Shown only to supervisors and admins.",
    "latitude": "Give latitude and longitude together, or neither.",
    "longitude": "Give latitude and longitude together, or neither.",
}


def _entry_schema(entry_type: str, data_schema: str) -> Schema:
    """The envelope of one entry type; unknown envelope fields are rejected."""
    version = {"type": "integer", "minimum": 1, "maximum": MAX_INT32}
    return _object({
        "id": _uuid("Made by the client when the entry is created; the entry's identity and idempotency "
                    "key for ever."),
        "type": {"type": "string", "const": entry_type},
        "version": {**version, "description": "1 for a new entry; base_version + 1 for an edit."},
        "base_version": {**_nullable(version), "description": "The version an edit was made from; "
                         "null or absent for a new entry."},
        "captured_at": _moment("When the officer saved it on the device, with the device's offset."),
        "data": _ref(data_schema),
    }, ("id", "type", "version", "captured_at", "data"), closed=True)


# --- components.schemas ------------------------------------------------------

def _schemas(lists: ReferenceLists) -> dict[str, Schema]:
    review_decision = _enum(_list_values(lists, "review_decisions"))
    grounds = _nullable(_enum(_list_values(lists, "grounds_assessments"),
                              "The supervisor's view of stop and search grounds."))
    entry_type = _enum(sorted(ENTRY_TYPES))
    version = {"type": "integer", "minimum": 1}
    user = _object({
        "username": _string(),
        "display_name": _string(),
        "role": _enum(ROLES),
        "team": _string(),
        "shoulder_number": _nullable(_string()),
    }, ("username", "display_name", "role", "team", "shoulder_number"))
    return {
        "Error": _object({
            "error": _string("A stable code, e.g. `invalid_request`, `token_expired`, `throttled`."),
            "message": _string("One sentence for people."),
            "errors": _ref("FieldErrors"),
        }, ("error", "message"), description="Every error of the API has this shape."),
        "FieldErrors": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "Field name -> what is wrong with it."},
        "User": user,
        "TokenRequest": _object({
            name: _string(minLength=1, maxLength=limit, pattern=NOT_BLANK)
            for name, limit in SIGN_IN_FIELDS.items()
        }, SIGN_IN_FIELDS, description="Other properties are ignored."),
        "TokenResponse": _object({
            "token": _string("Send as `Authorization: Bearer <token>`."),
            "device_id": {"type": "integer"},
            "expires_at": _moment(),
            "user": _ref("User"),
        }, ("token", "device_id", "expires_at", "user")),
        "Me": _object({
            "user": _ref("User"),
            "device": _object({"id": {"type": "integer"}, "name": _string()}, ("id", "name")),
        }, ("user", "device")),
        "Postbox": _object({
            "id": {"type": "integer"},
            "name": _string(),
            "site_type": _string(),
            "address": _nullable(_string()),
            "latitude": _nullable({"type": "number"}),
            "longitude": _nullable({"type": "number"}),
            "active": {"type": "boolean"},
        }, ("id", "name", "site_type", "address", "latitude", "longitude", "active")),
        "ListItem": _object({"value": _string("What is stored and sent."), "label": _string("What is shown.")},
                            ("value", "label")),
        "Reference": _object({
            "version": _string("The reference lists' version."),
            "postboxes": {"type": "array", "items": _ref("Postbox")},
            "lists": {"type": "object", "additionalProperties": {"type": "array", "items": _ref("ListItem")},
                      "description": "Every reference list by name, in display order: "
                                     + ", ".join(sorted(lists.lists)) + "."},
        }, ("version", "postboxes", "lists")),
        "PushRequest": _object({
            "entries": {"type": "array", "minItems": 1, "maxItems": MAX_ENTRIES, "items": _ref("PushItem")},
        }, ("entries",), closed=True,
            description=f"At most {MAX_ENTRIES} entries and {MAX_PUSH_BYTES:,} bytes (413 beyond either)."),
        "PushItem": {
            "description": "An Entry. Deliberately open: the server answers any item that is not a valid "
                           "Entry with a `rejected` result in the 200 receipt, not by refusing the batch.",
            "anyOf": [_ref("Entry"), {}],
        },
        "Entry": {
            "oneOf": [_ref("EncounterEntry"), _ref("PostboxVisitEntry"), _ref("PostboxItemEntry")],
            "discriminator": {"propertyName": "type", "mapping": {
                "encounter": "#/components/schemas/EncounterEntry",
                "postbox_visit": "#/components/schemas/PostboxVisitEntry",
                "postbox_item": "#/components/schemas/PostboxItemEntry",
            }},
            "description": "One captured record. The author is the token's user, never a field.",
        },
        "EncounterEntry": _entry_schema("encounter", "EncounterData"),
        "PostboxVisitEntry": _entry_schema("postbox_visit", "PostboxVisitData"),
        "PostboxItemEntry": _entry_schema("postbox_item", "PostboxItemData"),
        "EncounterData": _data_schema(
            ENCOUNTER_FIELDS, ("kind", "occurred_at", "bwv_used"), ENCOUNTER_NOTES, lists,
            "A street encounter. " + DATA_RULES),
        "PostboxVisitData": _data_schema(
            POSTBOX_VISIT_FIELDS, ("postbox_id", "visited_at", "box_condition", "item_count"),
            POSTBOX_VISIT_NOTES, lists, "A visit to empty a postbox. " + DATA_RULES),
        "PostboxItemData": _data_schema(
            POSTBOX_ITEM_FIELDS, ("visit_id", "topics", "summary"), POSTBOX_ITEM_NOTES, lists,
            "One resident's card from a postbox. " + DATA_RULES, defaults=POSTBOX_ITEM_DEFAULTS),
        "PushResult": _object({
            "id": _nullable(_string("The entry's id as sent; null when it was missing or not text.")),
            "status": _enum([str(status) for status in Status]),
            "version": _nullable({"type": "integer", "description": "The stored version (created, updated, "
                                  "duplicate) or the version sent (conflict, rejected)."}),
            "errors": _ref("FieldErrors"),
            "current_version": {"type": "integer", "description": "The server's version, on conflict."},
        }, ("id", "status", "version"), description="One per entry, in the order sent."),
        "PushResponse": _object({
            "results": {"type": "array", "items": _ref("PushResult")},
            "server_time": _moment(),
        }, ("results", "server_time")),
        "PullReview": _object({
            "decision": review_decision,
            "comment": _nullable(_string()),
            "reviewer": _string("The reviewer's display name."),
            "reviewed_at": _moment(),
            "grounds_assessment": grounds,
        }, ("decision", "comment", "reviewer", "reviewed_at", "grounds_assessment")),
        "Change": _object({
            "id": _uuid(),
            "type": entry_type,
            "version": version,
            "review": _nullable(_ref("PullReview")),
        }, ("id", "type", "version", "review"),
            description="A supervisor's decision on one of the caller's entries (review set), or a new "
                        "version of one made elsewhere (review null)."),
        "PullResponse": _object({
            "changes": {"type": "array", "items": _ref("Change")},
            "cursor": _string("Send it back as `cursor` to continue; store it only after processing `changes`."),
            "more": {"type": "boolean", "description": "True when more changes are waiting: pull again at once."},
        }, ("changes", "cursor", "more")),
        "Author": _object({"username": _string(), "display_name": _string()}, ("username", "display_name")),
        "EntrySummary": _object({
            "id": _uuid(),
            "type": entry_type,
            "version": version,
            "author": _ref("Author"),
            "captured_at": _moment(),
            "received_at": _moment(),
            "updated_at": _moment(),
            "occurred_at": _moment(),
            "review_state": _enum(REVIEW_STATES),
        }, ("id", "type", "version", "author", "captured_at", "received_at", "updated_at", "occurred_at",
            "review_state")),
        "EntryList": _object({
            "entries": {"type": "array", "items": _ref("EntrySummary")},
            "cursor": _nullable(_string("The next page's cursor; null on the last page.")),
            "more": {"type": "boolean"},
        }, ("entries", "cursor", "more"), description="Newest received first."),
        "EntryVersionInfo": _object({"version": version, "received_at": _moment()}, ("version", "received_at")),
        "EntryReview": _object({
            "decision": review_decision,
            "comment": _nullable(_string()),
            "reviewer": _string("The reviewer's display name."),
            "reviewed_at": _moment(),
            "grounds_assessment": grounds,
            "bwv_viewed": _nullable({"type": "boolean"}),
            "entry_version": version,
        }, ("decision", "comment", "reviewer", "reviewed_at", "grounds_assessment", "bwv_viewed",
            "entry_version")),
        "PhotoInfo": _object({
            "id": _uuid(),
            "content_type": _enum(PHOTO_TYPES),
            "size": {"type": "integer", "minimum": 0, "description": "Bytes."},
            "sha256": _string(pattern="^[0-9a-f]{64}$"),
        }, ("id", "content_type", "size", "sha256")),
        "PhotoReceipt": {"allOf": [_ref("PhotoInfo"), _object({"entry_id": _uuid()}, ("entry_id",))]},
        "EntryDetail": {"allOf": [_ref("EntrySummary"), _object({
            "team": _string(),
            "data": {"type": "object", "description": "The current version's content (EncounterData, "
                     "PostboxVisitData or PostboxItemData as cleaned by the server); contact_details only "
                     "for supervisors and admins."},
            "versions": {"type": "array", "items": _ref("EntryVersionInfo")},
            "reviews": {"type": "array", "items": _ref("EntryReview")},
            "photos": {"type": "array", "items": _ref("PhotoInfo")},
        }, ("team", "data", "versions", "reviews", "photos"))]},
    }


# --- paths -------------------------------------------------------------------

def _parameters() -> dict[str, Schema]:
    return {
        "EntryId": {"name": "entry_id", "in": "path", "required": True, "schema": _uuid(),
                    "description": "The entry's id. Anything else, or an entry the caller may not see: 404."},
        "PhotoId": {"name": "photo_id", "in": "path", "required": True, "schema": _uuid(),
                    "description": "The photo's id, made by the client."},
        "Limit": _query("limit", _or_empty({"type": "integer", "minimum": 1, "maximum": MAX_PULL,
                                            "default": DEFAULT_PULL}),
                        f"Page size, 1 to {MAX_PULL}; default {DEFAULT_PULL}."),
    }


def _photo_content() -> dict[str, Schema]:
    return {media: {"schema": {"type": "string", "format": "binary"}} for media in PHOTO_TYPES}


def _paths() -> dict[str, Schema]:
    return {
        "/api/auth/token": {
            "post": {
                "operationId": "createToken", "tags": ["auth"], "security": [],  # no token needed
                "summary": "Sign a device in",
                "description": "Creates a device row and a signed token for it (valid 30 days by default). "
                               "Failed tries count towards the same throttle as the web sign-in.",
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _ref("TokenRequest")}}},
                "responses": {
                    "201": _json(_ref("TokenResponse"), "Signed in."),
                    **_error_responses(
                        400, 401, 413, 415, 429,
                        e400="Malformed JSON, not an object, or a field missing, blank or too long (`errors`).",
                        e401="`invalid_credentials`: no active account with that username and password.",
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
        "/api/me": {
            "get": {
                "operationId": "getMe", "tags": ["auth"], "summary": "The signed-in user and this device",
                "responses": {"200": _json(_ref("Me"), "The caller."), **_error_responses(401)},
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
                    "200": _json(_ref("Reference"), "The reference data.", {
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
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _ref("PushRequest")}}},
                "responses": {
                    "200": _json(_ref("PushResponse"), "One result per entry, in order. Mark an entry sent "
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
                    "200": _json(_ref("PullResponse"), "The next changes."),
                    **_error_responses(400, 401, e400="`invalid_cursor`, or a limit out of range (`errors`)."),
                },
            },
        },
        "/api/entries": {
            "get": {
                "operationId": "listEntries", "tags": ["entries"], "summary": "Entries the caller may see",
                "description": "Officers see their own entries; supervisors their team's; admins all.",
                "parameters": [
                    _query("type", _or_empty(_enum(sorted(ENTRY_TYPES))), "Only this type."),
                    _query("author", {"type": "string"}, "Only this author's (username)."),
                    _query("since", _or_empty(_moment()), "Only entries received at or after this time."),
                    _query("cursor", {"type": "string"}, "Opaque: the `cursor` of the previous page."),
                    _param("Limit"),
                ],
                "responses": {
                    "200": _json(_ref("EntryList"), "A page of entries."),
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
                    "200": _json(_ref("EntryDetail"), "The entry, its versions, reviews and photos."),
                    **_error_responses(401, 404),
                },
            },
        },
        "/api/entries/{entry_id}/photos/{photo_id}": {
            "parameters": [_param("EntryId"), _param("PhotoId")],
            "put": {
                "operationId": "putPhoto", "tags": ["photos"], "summary": "Attach a photo to one's own entry",
                "description": "Push the entry first. Idempotent by photo id and digest.",
                "parameters": [{"name": "X-Content-SHA256", "in": "header", "required": True,
                                "schema": _string(pattern="^[0-9a-fA-F]{64}$"),
                                "description": "SHA-256 of the body, 64 hexadecimal digits."}],
                "requestBody": {"required": True, "content": _photo_content(),
                                "description": f"The image bytes, at most {MAX_PHOTO_BYTES:,}."},
                "responses": {
                    "200": _json(_ref("PhotoReceipt"), "The same bytes were already stored under this id."),
                    "201": _json(_ref("PhotoReceipt"), "Stored."),
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
                "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")},
            },
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1.0 document of every /api endpoint. Built once; do not mutate it."""
    lists = load_reference(REFERENCE_FILE)
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
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A device token from POST /api/auth/token."},
            },
            "parameters": _parameters(),
            "schemas": _schemas(lists),
        },
    }
