"""The officer app's receipt references (static/js/receipt.js) agree with sync.receipts, run in Node.

The phone makes the reference at the scene, the server checks it (sync.receipts.normalise) and the
public types it back: the two sides must share the alphabet and the check character. Node runs the
very module the app imports (an ES module with no imports of its own); the browser test
tests/browser/test_receipt.py checks the same in Chromium. Skipped where Node is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.receipts import ALPHABET, RANDOM_CHARS, check_char, normalise

MODULE = Path(__file__).resolve().parents[2] / "static" / "js" / "receipt.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
FRESH = 5000


def run_js(body: str) -> object:
    """Run ``body`` (an async function body with ``m``, the module) in Node; its JSON result."""
    script = (f"const m = await import({json.dumps(MODULE.as_uri())});\n"
              f"const out = await (async () => {{ {body} }})();\nprocess.stdout.write(JSON.stringify(out));")
    done = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60,
                          check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def fresh() -> list[str]:
    return run_js(f"return Array.from({{ length: {FRESH} }}, () => m.newReference());")


def test_the_alphabet_is_the_servers():
    assert run_js("return m.ALPHABET;") == ALPHABET


def test_every_fresh_reference_is_valid_and_formatted(fresh):
    assert len(fresh) == FRESH
    assert all(normalise(reference) == reference for reference in fresh)
    assert len(set(fresh)) == FRESH


def test_fresh_references_use_every_character_about_evenly(fresh):
    """Rejection sampling: no character is favoured (a plain byte % 23 would favour the first 3 by ~9%)."""
    counts = Counter("".join(reference.replace("-", "")[:RANDOM_CHARS] for reference in fresh))
    assert set(counts) == set(ALPHABET)
    expected = FRESH * RANDOM_CHARS / len(ALPHABET)  # about 2,391 each
    chi_square = sum((counts[c] - expected) ** 2 / expected for c in ALPHABET)
    assert chi_square < 60, counts  # 22 degrees of freedom: above 60 has p < 0.00003


@settings(max_examples=1, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, min_size=RANDOM_CHARS, max_size=RANDOM_CHARS), min_size=200, max_size=200))
def test_the_check_character_is_pythons(bodies):
    assert run_js(f"return {json.dumps(bodies)}.map((b) => m.checkChar(b));") == [check_char(b) for b in bodies]


def test_the_check_character_of_fixed_bodies():
    bodies = ["34679ACDEFH", "JKMNPQRTVWX", "YYYYYYYYYYY", "33333333333", "7KQ4MX9THC3"]
    assert run_js(f"return {json.dumps(bodies)}.map((b) => m.checkChar(b));") == [check_char(b) for b in bodies]
