"""The sync package: its public API, and that it stays plain Python."""
import subprocess
import sys
from pathlib import Path

import sync


def test_public_api():
    assert set(sync.__all__) == {
        "ENTRY_TYPES", "Entry", "InvalidCursor", "ReferenceLists", "Status", "Stored",
        "ValidationContext", "content_hash", "decide", "decode_cursor", "encode_cursor",
        "load_reference", "validate_entry",
    }
    assert sync.ENTRY_TYPES == {"encounter", "postbox_visit", "postbox_item"}


def test_imports_only_the_standard_library():
    # A fresh interpreter without site-packages (-S): the test session has
    # Flask loaded, and .pth files import things at start-up.
    code = ("import sys, sync.cursor, sync.decisions, sync.validation; "
            "print(sorted({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names)))")
    out = subprocess.run([sys.executable, "-S", "-c", code], cwd=Path(sync.__file__).parents[1],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['__main__', 'sync']"
