"""Text as the leak rule reads it: the spellings that hide a name from a matcher undone.

A model (or a rigger prompting it) can write a name so that a plain regex misses it and a
voter still reads it: full-width letters (``Ｃｌａｕｄｅ``), zero-width characters or soft
hyphens inside the word, Cyrillic or Greek look-alike letters among Latin ones (``Сlаudе``),
markdown around it (``**Claude**``, ``[Claude](url)``, ``"Claude"``, backticks). ``normalise``
returns the text with all of that undone, so the terms and templates only ever see one
spelling. It does not keep offsets: a leak reports the term as found in the normalised
text, which is what a voter reads once the markup is rendered.

Everything here is a handful of C-level ``str``/``re`` passes; an ASCII answer without
markup costs a few microseconds.
"""

from __future__ import annotations

import re
import unicodedata

# Every format character (category Cf: zero-width space/joiners, soft hyphen, bidi
# controls, word joiner, BOM ...): invisible, so never part of what a voter reads.
_FORMAT = re.compile(
    "["
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891"
    "\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "]")

# Cyrillic and Greek letters that look like Latin ones; folded only inside a word that
# also has Latin letters, so Russian and Greek text stays as it is.
_LOOKALIKE = str.maketrans({
    "а": "a", "в": "B", "е": "e", "ё": "e", "к": "k", "м": "M", "н": "H", "о": "o",
    "р": "p", "с": "c", "т": "T", "у": "y", "х": "x", "і": "i", "ј": "j", "ԁ": "d",
    "ѕ": "s", "ӏ": "l", "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E", "К": "K",
    "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "І": "I",
    "Ј": "J", "Ѕ": "S", "α": "a", "ο": "o", "ρ": "p", "ε": "e", "ι": "i", "κ": "k",
    "ν": "v", "τ": "t", "υ": "u", "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Η": "H",
    "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X",
    "Ζ": "Z", "Υ": "Y",
})
_MIXED_WORD = re.compile(r"\b(?=[^\W\d_]*[A-Za-z])(?=[^\W\d_]*[\u0370-\u03ff\u0400-\u052f])"
                         r"[^\W\d_]+")
_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")

# markdown: link targets, emphasis and code marks, brackets and double quotes; single
# quotes only at a word's edge, because "I'm" and "OpenAI's" need theirs
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
_MARKS = re.compile(r"[*`~\[\]\"“”„«»]+")
_EDGE = re.compile(r"_+|['‘’]")


def normalise(text: str) -> str:
    """``text`` with format characters dropped, NFKC applied, look-alikes folded to
    Latin inside Latin words, and markdown emphasis, code and link syntax removed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", _FORMAT.sub("", text))
        if _NON_LATIN.search(text):
            text = _MIXED_WORD.sub(_fold, text)
    if "](" in text:
        text = _LINK_TARGET.sub("]", text)
    text = _MARKS.sub("", text)
    if "_" in text or "'" in text or "‘" in text or "’" in text:
        text = _EDGE.sub(_edge, text)
    return text


def _edge(m: re.Match[str]) -> str:
    """Underscores and single quotes go at a word's edge (_emphasis_, 'quoted') and stay
    inside one (snake_case, I'm)."""
    s, lo, hi = m.string, m.start(), m.end()
    inside = lo > 0 and hi < len(s) and s[lo - 1].isalnum() and s[hi].isalnum()
    return m.group() if inside else ""


def _fold(m: re.Match[str]) -> str:
    return m.group().translate(_LOOKALIKE)
