"""The values the code and the database schema depend on, defined once.

Each tuple below is every value one stored field may hold. The database's
CHECK constraints are generated from these tuples (see fieldapp.models), the
validation rules and the officer app name some of the values, and so adding,
removing or renaming one is a code change with a migration, never an edit of
the reference file.

The reference file (fieldapp/data/reference.json) still gives the lists in
:data:`FIXED_LISTS` their labels and display order, but must hold exactly
these values: :func:`sync.reference.load_reference` refuses a file that does
not, naming the difference. Every other list in the file is data, edited
there without touching code.

Plain Python, no Flask, no SQLAlchemy.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: The types of captured record (the table each one's content lives in).
ENTRY_TYPES = ("encounter", "postbox_visit", "postbox_item")

#: An encounter's kind: decides which fields belong to it and which are required.
ENCOUNTER_KINDS = ("stop_search", "stop_account", "asb", "begging", "welfare_check", "other")

#: The state a postbox was found in at a visit.
BOX_CONDITIONS = ("ok", "damaged", "tampered", "missing", "full")

#: What a resident's card says about contacting them ('contact_requested' keeps contact details).
ANONYMITY = ("anonymous", "named_no_contact", "contact_requested")

#: How soon a resident's card needs acting on.
URGENCY = ("immediate_risk", "priority", "routine")

#: The kind of site a postbox stands at.
SITE_TYPES = ("shop", "school", "community_centre", "other")

#: A supervisor's decision on an entry; the latest one is the entry's review state.
REVIEW_DECISIONS = ("approved", "returned", "flagged")

#: A supervisor's view of a stop and search's grounds.
GROUNDS_ASSESSMENTS = ("reasonable", "weak", "insufficient")

#: The officer app's warnings on a stop and search's grounds (the app decides when each is shown).
GROUNDS_WARNINGS = ("short", "generic", "cannabis_only")

#: Where an entry stands in review: not yet reviewed, or the latest decision.
REVIEW_STATES = ("unreviewed", *REVIEW_DECISIONS)

#: The reference file's lists whose values are fixed here: list name -> its values.
FIXED_LISTS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "encounter_kinds": ENCOUNTER_KINDS,
    "box_conditions": BOX_CONDITIONS,
    "anonymity": ANONYMITY,
    "urgency": URGENCY,
    "site_types": SITE_TYPES,
    "review_decisions": REVIEW_DECISIONS,
    "grounds_assessments": GROUNDS_ASSESSMENTS,
    "grounds_warnings": GROUNDS_WARNINGS,
})

__all__ = [
    "ANONYMITY", "BOX_CONDITIONS", "ENCOUNTER_KINDS", "ENTRY_TYPES", "FIXED_LISTS",
    "GROUNDS_ASSESSMENTS", "GROUNDS_WARNINGS", "REVIEW_DECISIONS", "REVIEW_STATES", "SITE_TYPES", "URGENCY",
]
