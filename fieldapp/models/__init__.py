"""The data model: typed SQLAlchemy 2 models, one module per area.

Import every model here so that Alembic and ``db.create_all`` see them all.
"""

from fieldapp.models.accounts import ROLE_LABELS, ROLES, Device, LoginAttempt, Role, Team, User
from fieldapp.models.audit import AuditAction, AuditEvent
from fieldapp.models.entries import (
    ConflictCopy,
    Encounter,
    Entry,
    EntryType,
    EntryVersion,
    PostboxItem,
    PostboxItemTopic,
    PostboxVisit,
)
from fieldapp.models.postboxes import Placement, Postbox
from fieldapp.models.reviews import Review, ReviewState
from fieldapp.models.searches import (
    DipSample,
    DipSampleEntry,
    PopulationGroup,
    RecordRequest,
    ScrutinyPack,
    ScrutinyPackRecord,
    Section60Authorisation,
)
from fieldapp.models.sync import Change, Counter, Photo, PhotoBlob

__all__ = [
    "AuditAction",
    "AuditEvent",
    "Change",
    "ConflictCopy",
    "Counter",
    "Device",
    "DipSample",
    "DipSampleEntry",
    "Encounter",
    "Entry",
    "EntryType",
    "EntryVersion",
    "LoginAttempt",
    "Photo",
    "PhotoBlob",
    "PopulationGroup",
    "Placement",
    "Postbox",
    "PostboxItem",
    "PostboxItemTopic",
    "PostboxVisit",
    "ROLES",
    "RecordRequest",
    "ROLE_LABELS",
    "Review",
    "ReviewState",
    "Role",
    "ScrutinyPack",
    "ScrutinyPackRecord",
    "Section60Authorisation",
    "Team",
    "User",
]
