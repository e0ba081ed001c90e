"""Text that a spreadsheet would run as a formula, made inert: the one rule for every CSV the app writes.

A CSV cell is data to us but may be a formula to the spreadsheet that opens
it: ``=HYPERLINK("http://evil","Click")`` typed into a note becomes a live
link (or worse, through DDE) on the supervisor's desk. OWASP's rule is to
prefix with a single quote any cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return; spreadsheets show the quote as a text
marker, or as a visible apostrophe, and never evaluate the rest.

This goes a little further, as some spreadsheets do: a formula character
after leading spaces or invisible characters (some trim them on import), and
the full-width and other compatibility forms of those characters (``＝``,
``＋``, ``－``, ``＠``; Japanese and Chinese input methods type them and some
spreadsheets take them as formulas) count too.

Only text that came from a person goes through :func:`neutralise`: numbers,
times and booleans the app writes itself (``-1.234955``) stay as they are,
so a spreadsheet still reads them as numbers. Each CSV writer chooses per
column, from the column's type (see :mod:`fieldapp.exports.csv_files`).
"""

from __future__ import annotations

import re
import unicodedata

#: What a cell may not begin with (OWASP); compared after NFKC, so ``＝`` is ``=``.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Spaces and invisible characters (zero-width, byte order mark) a spreadsheet may drop before a formula.
_SKIPPED = re.compile("[\\s\u200b\u200c\u200d\u2060\ufeff]*")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet might take ``text`` for a formula (see the module docstring)."""
    if text.startswith(FORMULA_STARTS):
        return True
    first = _SKIPPED.match(text).end()
    return first < len(text) and unicodedata.normalize("NFKC", text[first]).startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """``text`` as a cell no spreadsheet runs: a leading ``'`` when it looks like a formula, else unchanged."""
    # Most cells start with a letter or digit (no compatibility form of one is a formula character):
    # answer those without the Unicode work.
    if not text or text[0].isalnum():
        return text
    return "'" + text if looks_like_formula(text) else text
