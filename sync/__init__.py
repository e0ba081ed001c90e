"""The sync protocol as plain Python (stdlib only, no Flask): reference
lists, entry validation, the decision for each entry, and pull cursors."""
from sync.cursor import InvalidCursor, decode_cursor, encode_cursor
from sync.decisions import Status, Stored, decide
from sync.reference import ReferenceLists, load_reference
from sync.validation import ENTRY_TYPES, Entry, ValidationContext, content_hash, validate_entry

__all__ = [
    "ENTRY_TYPES", "Entry", "InvalidCursor", "ReferenceLists", "Status", "Stored",
    "ValidationContext", "content_hash", "decide", "decode_cursor", "encode_cursor",
    "load_reference", "validate_entry",
]
