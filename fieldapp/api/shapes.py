"""The JSON the API takes and gives, written once as typed dictionaries.

GET /api/openapi.json is generated from these (:mod:`fieldapp.api.openapi`
hands them to pydantic's JSON Schema generator), and a type checker reads them
as the shapes of the bodies the routes build. Nothing validates a request
through them: the push path checks entries with :mod:`sync` as before, and
pydantic is imported only when the document is first asked for.
tests/api/test_response_shapes.py holds the routes' real answers to them.

Conventions, so the generated JSON Schema says what the server does:

- a request shape whose unknown fields are refused is closed
  (``extra="forbid"``: ``additionalProperties: false``); response shapes stay
  open, so a client must allow fields it does not know;
- ``X | None`` is a field that may be JSON null; ``NotRequired`` one that may
  be left out;
- allowed values come from the tuples the code defines them in
  (:func:`one_of`), and limits from the route modules' constants;
- an entry's ``data`` (``EncounterData`` ...) is a name here, and its schema is
  derived from the validator's field and rule tables (``sync.schema``,
  ``sync.conditions``) when the document is built.

Route modules that want these for annotations import them under
``typing.TYPE_CHECKING`` only: this module imports their limits.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, WithJsonSchema, with_config
from typing_extensions import NotRequired, TypeAliasType, TypedDict

from fieldapp.api.sync_routes import MAX_ENTRIES, MAX_PUSH_BYTES
from fieldapp.api.token_routes import NEW_PASSWORD_MAX, SIGN_IN_FIELDS
from fieldapp.models import Role
from fieldapp.photos import SIGNATURES
from sync import Status
from sync.fields import MAX_INT32
from sync.vocabulary import ENTRY_TYPES, GROUNDS_ASSESSMENTS, REVIEW_DECISIONS, REVIEW_STATES

closed = with_config(ConfigDict(extra="forbid"))


def one_of(values: tuple[str, ...] | list[str]) -> WithJsonSchema:
    """A string that is one of ``values``: a type checker sees ``str``, the document the list."""
    return WithJsonSchema({"type": "string", "enum": list(values)})


# --- values ------------------------------------------------------------------

Moment = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
"""An RFC 3339 date and time, always with an offset (what ``datetime.isoformat()`` gives)."""
Uuid = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]
Version = Annotated[int, Field(ge=1)]
EntryType = Annotated[str, one_of(sorted(ENTRY_TYPES))]
ReviewDecision = Annotated[str, one_of(REVIEW_DECISIONS)]
GroundsAssessment = Annotated[str, one_of(GROUNDS_ASSESSMENTS)]
PhotoType = Annotated[str, one_of(sorted(SIGNATURES))]
NOT_BLANK = r"\S"  # at least one character that is not white space

FieldErrors = TypeAliasType("FieldErrors", Annotated[dict[str, str], Field(
    description="Field name -> what is wrong with it.")])


# --- errors and signing in ---------------------------------------------------

class Error(TypedDict):
    """Every error of the API has this shape."""

    error: Annotated[str, Field(description="A stable code, e.g. `invalid_request`, `token_expired`, `throttled`.")]
    message: Annotated[str, Field(description="One sentence for people.")]
    errors: NotRequired[FieldErrors]


class TokenRequest(TypedDict):
    """Other properties are ignored."""

    username: Annotated[str, Field(min_length=1, max_length=SIGN_IN_FIELDS["username"], pattern=NOT_BLANK)]
    password: Annotated[str, Field(min_length=1, max_length=SIGN_IN_FIELDS["password"], pattern=NOT_BLANK)]
    device_name: Annotated[str, Field(min_length=1, max_length=SIGN_IN_FIELDS["device_name"], pattern=NOT_BLANK)]
    new_password: NotRequired[Annotated[str, Field(
        min_length=1, max_length=NEW_PASSWORD_MAX,
        description="Only when a sign-in answered 403 `password_change_required`: the password to use from now "
                    "on, by the rules of every password; sent otherwise, it is refused with 400.")]]
    device_id: NotRequired[Annotated[Annotated[int, Field(ge=1, le=MAX_INT32)] | None, Field(
        description="The `device_id` this phone was given at an earlier sign-in: the same device row is "
                    "signed in again (a new token, no longer revoked) and its existing `recovery_key` is "
                    "returned, so the phone can recover its data key (after too many wrong PINs). Not a "
                    "device of this account: 400 `errors.device_id`; a device marked lost: 403 "
                    "`device_lost`. Absent or null: a new device.")]]


RecoveryKeyText = Annotated[str, Field(min_length=43, max_length=43, pattern="^[A-Za-z0-9_-]{43}$")]
"""32 bytes in base64url without padding."""


class User(TypedDict):
    username: str
    display_name: str
    role: Annotated[str, one_of([role.value for role in Role])]
    team: str
    shoulder_number: str | None


class TokenResponse(TypedDict):
    token: Annotated[str, Field(description="Send as `Authorization: Bearer <token>`.")]
    device_id: Annotated[int, Field(description="Keep it: send it as `device_id` to sign this phone in again.")]
    recovery_key: Annotated[RecoveryKeyText, Field(
        description="The device's recovery key: 32 random bytes, base64url without padding. Wrap the phone's "
                    "data key with it, then forget it: never store it. The server keeps it, returns it again "
                    "only to this device (at a sign-in with `device_id`, or GET /api/auth/recovery-key), and "
                    "destroys it when the device is marked lost.")]
    expires_at: Moment
    user: User


class RecoveryKey(TypedDict):
    recovery_key: Annotated[RecoveryKeyText, Field(
        description="The calling device's own recovery key, as in the sign-in's answer: wrap the phone's data "
                    "key with it, then forget it: never store it.")]


class DeviceInfo(TypedDict):
    id: int
    name: str


class Me(TypedDict):
    user: User
    device: DeviceInfo


# --- reference data ----------------------------------------------------------

class Postbox(TypedDict):
    id: int
    name: str
    site_type: str
    address: str | None
    latitude: float | None
    longitude: float | None
    active: bool


class ListItem(TypedDict):
    value: Annotated[str, Field(description="What is stored and sent.")]
    label: Annotated[str, Field(description="What is shown.")]
    object: NotRequired[Annotated[str, Field(description=(
        "Only on `legislation` items, where the reference file gives it: the object of search the power "
        "is usually for (a value of `objects_of_search`), for a client to suggest."))]]


class Section60Authorisation(TypedDict):
    reference: Annotated[str, Field(description="What a section 60 search names in `section60_authorisation`.")]
    authorising_rank: Annotated[str, Field(description="A value of the `section60_ranks` list.")]
    area_description: str
    starts_at: Moment
    ends_at: Moment


class Reference(TypedDict):
    version: Annotated[str, Field(description="The reference lists' version.")]
    postboxes: list[Postbox]
    lists: Annotated[dict[str, list[ListItem]], Field(
        description="Every reference list by name, in display order.")]
    station: Annotated[str | None, Field(
        description="The police station the team works from, printed on stop and search receipts; null if "
                    "not set.")]
    receipt_url: Annotated[str, Field(
        description="The public page where a person searched asks for their record: printed, and as a QR "
                    "code, on the receipt.")]
    section60_authorisations: Annotated[list[Section60Authorisation], Field(
        description="The team's section 60 authorisations not ended more than 92 days ago, earliest first. "
                    "The server refuses a section 60 search whose time is outside the period of the one it "
                    "names.")]


# --- push --------------------------------------------------------------------

# An entry's content: a closed object whose schema the document derives from
# the validator's field tables (fieldapp.api.openapi._data_schema).
EncounterData = TypeAliasType("EncounterData", dict[str, Any])
PostboxVisitData = TypeAliasType("PostboxVisitData", dict[str, Any])
PostboxItemData = TypeAliasType("PostboxItemData", dict[str, Any])

EntryVersion = Annotated[int, Field(ge=1, le=MAX_INT32)]


class _Envelope(TypedDict):
    """What every entry type has around its ``data``."""

    id: Annotated[Uuid, Field(description="Made by the client when the entry is created; the entry's identity "
                                          "and idempotency key for ever.")]
    version: Annotated[EntryVersion, Field(description="1 for a new entry; base_version + 1 for an edit.")]
    base_version: NotRequired[Annotated[EntryVersion | None, Field(
        description="The version an edit was made from; null or absent for a new entry.")]]
    captured_at: Annotated[Moment, Field(
        description="When the officer saved it on the device, with the device's offset.")]


@closed
class EncounterEntry(_Envelope):
    type: Literal["encounter"]
    data: EncounterData


@closed
class PostboxVisitEntry(_Envelope):
    type: Literal["postbox_visit"]
    data: PostboxVisitData


@closed
class PostboxItemEntry(_Envelope):
    type: Literal["postbox_item"]
    data: PostboxItemData


Entry = TypeAliasType("Entry", Annotated[Union[EncounterEntry, PostboxVisitEntry, PostboxItemEntry], Field(
    discriminator="type", description="One captured record. The author is the token's user, never a field.")])

PushItem = TypeAliasType("PushItem", Annotated[Union[Entry, Any], Field(
    description="An Entry. Deliberately open: the server answers any item that is not a valid Entry with a "
                "`rejected` result in the 200 receipt, not by refusing the batch.")])


@with_config(ConfigDict(extra="forbid", json_schema_extra={
    "description": f"At most {MAX_ENTRIES} entries and {MAX_PUSH_BYTES:,} bytes (413 beyond either)."}))
class PushRequest(TypedDict):
    entries: Annotated[list[PushItem], Field(min_length=1, max_length=MAX_ENTRIES)]


class PushResult(TypedDict):
    """One per entry, in the order sent."""

    id: Annotated[str | None, Field(description="The entry's id as sent; null when it was missing or not text.")]
    status: Annotated[str, one_of([str(status) for status in Status])]
    version: Annotated[int | None, Field(description="The stored version (created, updated, duplicate) or the "
                                                     "version sent (conflict, rejected).")]
    errors: NotRequired[FieldErrors]
    current_version: NotRequired[Annotated[int, Field(description="The server's version, on conflict.")]]


class PushResponse(TypedDict):
    results: list[PushResult]
    server_time: Moment


# --- pull --------------------------------------------------------------------

class PullReview(TypedDict):
    decision: ReviewDecision
    comment: str | None
    reviewer: Annotated[str, Field(description="The reviewer's display name.")]
    reviewed_at: Moment
    grounds_assessment: Annotated[GroundsAssessment | None, Field(
        description="The supervisor's view of stop and search grounds.")]


class Change(TypedDict):
    """A supervisor's decision on one of the caller's entries (review set), or a new version of one made
    elsewhere (review null)."""

    id: Uuid
    type: EntryType
    version: Version
    review: PullReview | None


class PullResponse(TypedDict):
    changes: list[Change]
    cursor: Annotated[str, Field(
        description="Send it back as `cursor` to continue; store it only after processing `changes`.")]
    more: Annotated[bool, Field(description="True when more changes are waiting: pull again at once.")]


# --- reading entries ---------------------------------------------------------

class Author(TypedDict):
    username: str
    display_name: str


class EntrySummary(TypedDict):
    id: Uuid
    type: EntryType
    version: Version
    author: Author
    captured_at: Moment
    received_at: Moment
    updated_at: Moment
    occurred_at: Moment
    review_state: Annotated[str, one_of(REVIEW_STATES)]


class EntryList(TypedDict):
    """Newest received first."""

    entries: list[EntrySummary]
    cursor: Annotated[str | None, Field(description="The next page's cursor; null on the last page.")]
    more: bool


class EntryVersionInfo(TypedDict):
    version: Version
    received_at: Moment


class EntryReview(PullReview):
    bwv_viewed: bool | None
    entry_version: Version


class PhotoInfo(TypedDict):
    id: Uuid
    content_type: PhotoType
    size: Annotated[int, Field(ge=0, description="Bytes.")]
    sha256: Annotated[str, Field(pattern="^[0-9a-f]{64}$")]


class PhotoReceipt(PhotoInfo):
    entry_id: Uuid


class EntryDetail(EntrySummary):
    team: str
    data: Annotated[dict[str, Any], Field(description=(
        "The current version's content (EncounterData, PostboxVisitData or PostboxItemData as cleaned by the "
        "server); contact_details only for supervisors and admins."))]
    withheld: Annotated[list[str], Field(description=(
        "The fields of this entry type that the caller is never shown (contact_details of a postbox_item, "
        "for officers), whether or not this entry holds them. They are absent from data: a phone taking "
        "this version keeps its own copy of them, so that its next edit does not drop them."))]
    versions: list[EntryVersionInfo]
    reviews: list[EntryReview]
    photos: list[PhotoInfo]
