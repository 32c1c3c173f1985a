"""A Latin name written in another script: ``Κλοντ``, ``אנתרופיק``, ``एंथ्रोपिक``, ``ДипСик``.

The family table lists a few transliterations of each name, but a model (or a rigger) can
write any name in any script, and a voter reads it. So names are also compared by sound:
each Latin term gets a *consonant key* (``Anthropic`` -> ``NTLPK``), each word in Cyrillic,
Greek, Hebrew, Arabic, Devanagari, Hangul or katakana gets one by the same coarse classes
(vowels dropped, ``r`` and ``l`` one class because Japanese and Korean have one, ``b p f v``
one because Arabic and Korean have no ``p`` or ``v``, ``g j k q`` one), and equal keys are
the same name.

A key of three consonants is too easily an ordinary word (``Claude``'s ``KLD`` is also the
Hindi and Japanese spelling of "cloud"), so three-consonant keys only count for a
capitalised word in a cased script (``Κλοντ``, ``Клауд``, not ``кладу``); four or more
count in every script. Keys of fewer than three consonants are never used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MIN_KEY = 3  # consonants; shorter keys match too many words
MIN_CASELESS_KEY = 4  # in scripts without capitals (or a lower-case word)

# ------------------------------------------------------------------ Latin spelling -> key
_LATIN_DIGRAPHS = (("tch", "C"), ("sch", "S"), ("ch", "C"), ("sh", "S"), ("th", "T"),
                   ("ph", "P"), ("ck", "K"), ("qu", "K"), ("gh", "K"), ("x", "KS"), ("dj", "K"))
_LATIN = {"b": "P", "c": "K", "d": "D", "f": "P", "g": "K", "j": "K", "k": "K", "l": "L",
          "m": "M", "n": "N", "p": "P", "q": "K", "r": "L", "s": "S", "t": "T", "v": "P",
          "z": "S"}
# letters of an acronym as they are said ("GPT" is "gee-pee-tee")
_SPOKEN = {"A": "", "B": "P", "C": "S", "D": "D", "E": "", "F": "P", "G": "K", "H": "K",
           "I": "", "J": "K", "K": "K", "L": "L", "M": "M", "N": "N", "O": "", "P": "P",
           "Q": "K", "R": "", "S": "S", "T": "T", "U": "", "V": "P", "W": "P", "X": "KS",
           "Y": "", "Z": "S"}


def latin_keys(label: str) -> frozenset[str]:
    """The consonant keys of a Latin name: as spelled, without an ``r`` before a
    consonant (``HyperCLOVA`` is ``하이퍼클로바`` in Korean), and ``th`` read as ``s``
    (``Anthropic`` is ``アンソロピック`` in Japanese)."""
    if not re.fullmatch(r"[A-Za-z]+", label):
        return frozenset()
    keys = set()
    for drop_r in (False, True):
        for th in ("T", "S"):
            out: list[str] = []
            # "ChatGPT": a run of two or three capitals after lower case is spelled out
            for part in re.findall(r"(?<![A-Z])[A-Z]{2,3}(?![A-Za-z])|[A-Z]?[a-z]+|[A-Z]+",
                                   label):
                if re.fullmatch(r"[A-Z]{2,3}", part) and part != label:
                    for c in part:
                        out.extend([*_SPOKEN[c], ""])
                    continue
                word = part.lower()
                if drop_r:
                    word = re.sub(r"r(?=[^aeiouy]|\Z)", "", word)
                word = re.sub(r"(.)\1", r"\1", word).replace("th", th)
                for a, b in _LATIN_DIGRAPHS:
                    word = word.replace(a, b)
                out.extend(c if c.isupper() else _LATIN.get(c, "") for c in word)
            keys.add(_join(out))
    return frozenset(k for k in keys if len(k) >= MIN_KEY)


def _join(classes: list[str]) -> str:
    """The key of a sequence of classes ("" for a vowel): a consonant written twice with
    no vowel between is one ("Google" -> KKL, "클로" -> KL)."""
    out: list[str] = []
    prev = ""
    for c in classes:
        if c and c != prev:
            out.append(c)
        prev = c
    return "".join(out)


# ------------------------------------------------------------------ other scripts -> key
_CLASSES: dict[str, str] = {
    # Cyrillic (Russian, Ukrainian, Bulgarian, Serbian)
    "P": "бвфБВФпП", "K": "гґкқГҐКҚхХјЈџЏ", "D": "дДђЂ", "S": "зЗжЖсСцЦшШщЩ",
    "L": "лЛљЉрР", "M": "мМ", "N": "нНњЊ", "T": "тТ", "C": "чЧћЋ",
    "": "аеёиоуыэюяйіїєьъАЕЁИОУЫЭЮЯЙІЇЄЬЪ",
}
_GREEK: dict[str, str] = {
    "P": "βΒπΠφΦ", "K": "γΓκΚχΧ", "D": "δΔ", "S": "ζΖσςΣ", "L": "λΛρΡ", "M": "μΜ",
    "N": "νΝ", "T": "τΤθΘ", "KS": "ξΞ", "PS": "ψΨ",
    "": "αάεέηήιίϊΐοόυύϋΰωώΑΆΕΈΗΉΙΊΟΌΥΎΩΏ",
}
_HEBREW: dict[str, str] = {  # א ה ו ח י ע: vowels, h or silent here
    "P": "בפף", "K": "גכךק", "D": "ד", "S": "זסצץש", "T": "טת", "L": "לר", "M": "מם",
    "N": "נן", "": "אהוחיע",
}
_ARABIC: dict[str, str] = {  # ا و ي ى ة ء ح ع ه: vowels, hamza, h or silent here
    "P": "بفپ", "T": "تثط", "K": "جخغقكگ", "D": "دذض", "L": "رل", "S": "زسشصظژ",
    "M": "م", "N": "ن", "C": "چ", "": "اأإآوؤيئىةءحعه",
}
_DEVANAGARI: dict[str, str] = {
    "K": "कखगघजझ", "N": "ङञणनंँ", "C": "चछ", "T": "टठतथ", "D": "डढदध", "P": "पफबभव",
    "M": "म", "L": "रल", "S": "शषस\u095b", "": "यह",
}
_KATAKANA: dict[str, str] = {
    "K": "カキクケコヵヶガギグゲゴジヂ", "S": "サスセソザズゼゾシツヅ", "T": "タテト", "C": "チ",
    "D": "ダデド", "N": "ナニヌネノン", "P": "フバビブベボパピプペポヴ", "M": "マミムメモ",
    "L": "ラリルレロ", "": "ハヒヘホヤユヨャュョアイウエオァィゥェォワヲーッ",
}
_TABLE: dict[str, str] = {ch: cls for table in (_CLASSES, _GREEK, _HEBREW, _ARABIC, _DEVANAGARI,
                                                _KATAKANA)
                          for cls, letters in table.items() for ch in letters}
_TABLE["\u095e"] = "P"  # फ़

_DIGRAPHS = {"дж": "K", "Дж": "K", "ДЖ": "K", "τσ": "C", "Τσ": "C", "τζ": "K", "Τζ": "K",
             "ντ": "D", "Ντ": "D", "μπ": "P", "Μπ": "P", "γκ": "K", "Γκ": "K", "γγ": "K",
             "ג'": "K", "ג׳": "K", "צ'": "C", "צ׳": "C", "ז'": "S", "ז׳": "S", "تش": "C",
             "تس": "S", "ثر": "TL"}
_DIGRAPH = re.compile("|".join(sorted(map(re.escape, _DIGRAPHS), key=len, reverse=True)))

# Hangul jamo: initial and final consonants of a syllable
_INITIAL = ("K", "K", "N", "D", "D", "L", "M", "P", "P", "S", "S", "_", "K", "K", "C", "K", "T",
            "P", "_")
_FINAL = ("_", "K", "K", "KS", "N", "NK", "N", "D", "L", "LK", "LM", "LP", "LS", "LT", "LP", "L",
          "M", "P", "PS", "S", "S", "N", "K", "C", "K", "T", "P", "_")

# A word in one of these scripts; apostrophes and gereshes belong to Hebrew words, and
# hyphens join the spelled-out parts of a name ("ג'י-פי-טי")
WORD = re.compile(r"(?:[\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\u05d0-\u05ea\u0600-\u06ff"
                  r"\u0900-\u097f\uac00-\ud7a3\u30a0-\u30ff]+['׳\-]?)+")
_KANA_SYLLABLE = frozenset(_KATAKANA["K"] + _KATAKANA["S"] + _KATAKANA["T"] + _KATAKANA["C"]
                           + _KATAKANA["D"] + _KATAKANA["N"].replace("ン", "")
                           + _KATAKANA["P"] + _KATAKANA["M"] + _KATAKANA["L"])
_CASED = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f]")


def _hangul(ch: str) -> list[str]:
    code = ord(ch) - 0xAC00
    initial, final = _INITIAL[code // 588], _FINAL[code % 28]
    return [initial.strip("_"), "", *(list(final) if final != "_" else [])]


_VIRAMA = "\u094d"
_DEVANAGARI_CONSONANT = re.compile(r"[\u0915-\u0939\u0958-\u095f]")


def key(word: str) -> str:
    """The consonant key of a word in a non-Latin script."""
    word = _DIGRAPH.sub(lambda m: "\0" + _DIGRAPHS[m.group()], word)
    out: list[str] = []
    literal = False
    for i, ch in enumerate(word):
        if ch == "\0":
            literal = True
            continue
        if literal and ch.isupper() and ch.isascii():
            out.extend([ch, ""] if i + 1 < len(word) and word[i + 1] == "\0" else [ch])
            continue
        literal = False
        if "\uac00" <= ch <= "\ud7a3":
            out.extend(_hangul(ch))
        elif ch in _KANA_SYLLABLE:
            out.extend([_TABLE.get(ch, ""), ""])  # a kana is a consonant and a vowel
        else:
            out.append(_TABLE.get(ch, ""))
            # a Devanagari consonant carries a vowel unless a virama follows
            if _DEVANAGARI_CONSONANT.match(ch) and word[i + 1:i + 2] != _VIRAMA:
                out.append("")
    return _join(out)


# any letter of a supported script; searched first, so a text without one costs one scan
_ANY = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\u05d0-\u05ea\u0600-\u06ff"
                  r"\u0900-\u097f\uac00-\ud7a3\u30a0-\u30ff]")


def words(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, key) of every word in a supported script that may be a name (see
    ``usable``); for Hangul, whose particles are written on the name ("클로드가"), each
    prefix of two syllables or more too."""
    first = _ANY.search(text)
    if first is None:
        return
    for m in WORD.finditer(text, first.start()):
        w = m.group().rstrip("'׳-")
        start = m.start()
        cased = bool(_CASED.match(w))
        if cased and not w[:1].isupper():
            continue  # a lower-case word in a cased script is no name
        hangul = "\uac00" <= w[0] <= "\ud7a3"
        if not cased and not hangul and len(w) < MIN_CASELESS_KEY:
            continue  # too short to spell a long enough key
        capital = cased
        ends = range(len(w), 1, -1) if hangul else (len(w),)
        for end in ends:
            k = key(w[:end])
            if usable(k, cased, capital):
                yield start, start + end, k


def usable(k: str, cased: bool, capital: bool) -> bool:
    """May a word with key ``k`` be taken for a name with the same key? In a cased script
    only a capitalised word is a name; elsewhere the key must be long."""
    if cased:
        return capital and len(k) >= MIN_KEY
    return len(k) >= MIN_CASELESS_KEY
