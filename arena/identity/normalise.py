"""Text as the leak rule reads it: the spellings that hide a name from a matcher undone.

A model (or a rigger prompting it) can write a name so that a plain regex misses it and a
voter still reads it: full-width letters (``Ｃｌａｕｄｅ``), zero-width characters or soft
hyphens inside the word, Cyrillic or Greek look-alike letters among Latin ones (``Сlаudе``),
markdown around it (``**Claude**``, ``[Claude](url)``, ``"Claude"``, backticks), combining
marks stacked on its letters (``C͟l͟a͟u͟d͟e͟``), its letters spaced or dotted apart (``C h a t G P T``,
``C.l.a.u.d.e``, ``Cl-au-de``), a bracketed speaker label (``[Claude] Sure!``). ``normalise``
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
    "Ζ": "Z", "Υ": "Y", "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ց": "g", "Տ": "S",
    "Ս": "U", "Օ": "O", "ɑ": "a", "ɡ": "g", "ı": "i", "ȷ": "j",
})
# letters that NFKC would turn into something unlike what a reader sees (the lunate sigma
# looks like C, NFKC makes it Σ): folded first
_BEFORE_NFKC = str.maketrans({"Ϲ": "C", "ϲ": "c", "Ͻ": "C", "ͻ": "c"})
_MIXED_WORD = re.compile(r"\b(?=[^\W\d_]*[A-Za-z])(?=[^\W\d_]*[\u0370-\u03ff\u0400-\u052f"
                         r"\u0531-\u058f\u0250-\u02af\u0131\u0237])[^\W\d_]+")
_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u052f\u0531-\u058f\u0250-\u02af\u0131\u0237]")
# combining marks left after NFKC on a basic Latin letter are decoration (``C͟l͟a͟u͟d͟e͟``, zalgo):
# NFKC has already composed the real accents (é), and other scripts' marks follow their own
# letters, so only marks after an ASCII letter go
_MARK = r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
_DECORATION = re.compile(_MARK + r"(?<=[A-Za-z].)" + _MARK + "*")  # the mark first: fast scan
_BEFORE_NFKC_HINT = re.compile(r"[ϹϲϽͻ]")

# A word written letter by letter ("C h a t G P T", "C.l.a.u.d.e", "M-i-s-t-r-a-l") or in
# short hyphenated pieces ("Cl-au-de") reads as the word: the pieces are joined. Four
# single letters at least, one separator kind throughout, so "U.S." and "a b" stay.
_SPACED = re.compile(r"(?<![\w.\-'’])[A-Za-z](?:(?P<sep>[ .\-·_*])[A-Za-z])(?:(?P=sep)[A-Za-z]){2,}"
                     r"(?![\w\-])(?:\.(?=\s|\Z))?")
_PIECES = re.compile(r"(?<![\w\-])[A-Za-z]{1,3}(?:-[A-Za-z]{1,3}){2,}(?![\w\-])")
# Cheap tests that the two patterns above may match (``_spaced_hint`` below; this one
# starts with a literal, so the engine scans for it instead of trying every letter).
_PIECES_HINT = re.compile(r"-[A-Za-z]{1,3}-[A-Za-z]")

# A speaker label in brackets at a line's start ("[Claude] Sure", "<GPT-4o> Done", "【通义千问】")
# is the label "Claude:" once the brackets are read; a link ("[Claude](url)") is not.
_LABEL_HINT = re.compile(r"\n[ \t]*[\[<【「]")  # a literal first: fast; the text's start apart
_BRACKET_LABEL = re.compile(r"(?m)^([ \t]*)[\[<【「]\s*([^\]\[<>【】「」\n]{1,40}?)\s*[\]>】」]"
                            r"(?![(:：\[])[ \t]*(?=\S)")

# markdown: link targets, emphasis and code marks, brackets and double quotes; single
# quotes only at a word's edge, because "I'm" and "OpenAI's" need theirs
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
_MARKS = re.compile(r"[*`\[\]\"“”„«»]+|~~")  # a single ~ is a sign-off mark ("~Claude")
# a quote at a word's edge: the quote first, so the engine scans for it
_EDGE_QUOTE = re.compile(r"['‘’](?:(?<![^\W_].)|(?![^\W_]))")
_EDGE_UNDERSCORE = re.compile(r"_+")


def normalise(text: str) -> str:
    """``text`` with format characters dropped, NFKC applied, look-alikes folded to
    Latin inside Latin words, decorating marks dropped, spaced-out names joined, bracketed
    speaker labels read as "X:", and markdown emphasis, code and link syntax removed."""
    if not text.isascii():
        if _BEFORE_NFKC_HINT.search(text):
            text = text.translate(_BEFORE_NFKC)
        text = unicodedata.normalize("NFKC", _FORMAT.sub("", text))
        if _NON_LATIN.search(text):
            text = _MIXED_WORD.sub(_fold, text)
        text = _DECORATION.sub("", text)
    if _spaced_hint(text):
        text = _SPACED.sub(_join, text)
    if "-" in text and _PIECES_HINT.search(text):
        text = _PIECES.sub(_join_pieces, text)
    if text.lstrip(" \t")[:1] in ("[", "<", "【", "「") or _LABEL_HINT.search(text):
        text = _BRACKET_LABEL.sub(r"\1\2: ", text)
    if "](" in text:
        text = _LINK_TARGET.sub("]", text)
    text = _MARKS.sub("", text)
    if "'" in text or "‘" in text or "’" in text:
        text = _EDGE_QUOTE.sub("", text)
    if "_" in text:
        text = _EDGE_UNDERSCORE.sub(_edge, text)
    return text


def _edge(m: re.Match[str]) -> str:
    """Underscores and single quotes go at a word's edge (_emphasis_, 'quoted') and stay
    inside one (snake_case, I'm)."""
    s, lo, hi = m.string, m.start(), m.end()
    inside = lo > 0 and hi < len(s) and s[lo - 1].isalnum() and s[hi].isalnum()
    return m.group() if inside else ""


def _join(m: re.Match[str]) -> str:
    word = m.group()
    return "".join(c for c in word if c.isalpha()) + ("." if word.endswith(".") and
                                                      m.group("sep") != "." else "")


def _join_pieces(m: re.Match[str]) -> str:
    return m.group().replace("-", "")


def _fold(m: re.Match[str]) -> str:
    return m.group().translate(_LOOKALIKE)


# Leetspeak: a digit or sign standing for a letter inside a word ("Cl4ude", "0penAI",
# "G3mini", "ChatGP7"). Not folded in the text itself, because versions look the same
# ("GPT-4o", "Llama3", "Qwen2.5"); ``unleet`` gives a second reading of the same length,
# and the checker only counts a term there that the plain reading lacks.
LEET = re.compile(r"[013457@$](?:(?<=[A-Za-z].)|(?=[A-Za-z]))")  # the digit first: fast scan
_LEET_MAP = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_BYTES = bytes.maketrans(b"013457@$", b"oieastas")
# a digit that starts a word or follows a capital stands for a capital ("0penAI", "GP7")
_LEET_UPPER = re.compile(r"[013457@$](?:(?<=[A-Z].)|(?<![A-Za-z0-9].))")


def unleet(text: str, *, capitals: bool = True) -> str:
    """``text`` with every digit or sign read as the letter it stands for (also outside
    words: a reading for finding terms, never shown; the length does not change). With
    ``capitals``, a digit that starts a word or follows a capital reads as a capital."""
    if capitals and _LEET_UPPER.search(text):
        text = _LEET_UPPER.sub(lambda m: _LEET_MAP[m.group()].upper(), text)
    # digits and signs are ASCII, and no UTF-8 sequence of another character contains an
    # ASCII byte, so a byte translation is exact for any text (and C-fast)
    return text.encode("utf-8").translate(_LEET_BYTES).decode("utf-8")


# The loosest reading of a lower-case ASCII text, one C-level pass: the separators of a
# spaced word dropped and leetspeak read as letters. A hidden word shows in it, so when no
# needle does, ``hidden_readings`` need not run.
_LOOSE_DROP = b" .-_*"


def loose(lowered: str) -> str:
    """A lower-case ASCII text with separators dropped and digits read as letters."""
    return lowered.encode("ascii").translate(_LEET_BYTES, _LOOSE_DROP).decode("ascii")


# The shape of an ASCII text, one C-level pass: letters are "a", the separators of a spaced
# word " ", anything else "x". Four single letters in a row show as "a a a a".
_SHAPE = bytes.maketrans(
    bytes(range(256)),
    bytes(ord("a") if chr(i).isascii() and chr(i).isalpha() else ord(" ") if chr(i) in " .-_*"
          else ord("x") for i in range(256)))


def _spaced_hint(text: str) -> bool:
    return b"a a a a" in text.encode("utf-8").translate(_SHAPE)


def hidden_readings(text: str) -> list[str]:
    """Other readings of an ASCII ``text`` in which a lower-case substring search could
    find a word it misses in ``text`` itself: letter by letter or in hyphenated pieces
    joined, leetspeak read as letters. Empty for almost every text (cheap hint tests)."""
    out = []
    if _spaced_hint(text) or ("-" in text and _PIECES_HINT.search(text)):
        out.append(_PIECES.sub(_join_pieces, _SPACED.sub(_join, text)))
    if LEET.search(text):
        out.append(unleet(text, capitals=False))  # for a lower-case needle test only
    return out

