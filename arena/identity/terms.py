"""The terms that can give a model away, and the cheap machinery that finds them.

Per model: the roster name and upstream id, their short and base names (``olmo-2-7b`` ->
``OLMo``, ``gigachat-pro`` -> ``GigaChat``), the roster's ``maker`` and ``aliases``, and the
family and maker terms of the built-in table (``arena.identity_terms``), each with its
level (see ``checker``). ``Vocabulary`` finds them: a few lower-case needles dismiss most
texts with ``str`` searches, and only the terms whose needles occur are compiled into one
alternation. ``script_hits`` finds the Latin names written in another script (``scripts``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from arena import identity_terms as table
from arena.identity import rules, scripts
from arena.identity_terms import Kind
from arena.settings import ModelConfig

# Capitalised words that, after a weak term, keep it a model name ("Claude Instant",
# "Gemini Advanced"); any other capitalised follower makes it a person or a thing.
_TIERS = (r"(?:AI|KI|IA|ИИ|Instant|Opus|Sonnet|Haiku|Pro|Ultra|Nano|Flash|Advanced|Large|"
          r"Medium|Small|Mini|Chat|Bot|Assistant|Model|Code|Coder|Vision|Lightning|Max|Plus|"
          r"Turbo|Nemo|Lite|Instruct|Here|Studio|Cloud|DeepMind|Research|Labs?)\b")
_UPPER = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_LATIN = "A-Za-z\u00c0-\u024f"
_CYRILLIC = "\u0400-\u04ff"


# Every word the family table calls a homonym (Claude, Llama, Gemini, Google ...): such a
# word keeps the homonym guards below even when it is a strong term (an operator's alias).
HOMONYMS = frozenset(t.label.casefold() for f in table.FAMILIES for t in f.terms
                      if t.level == table.WEAK)


def _bounded(term: table.Term) -> str:
    """The term's regex with whole-word boundaries (and, for homonyms, the exclusions)."""
    guarded = term.level == table.WEAK or term.label.casefold() in HOMONYMS
    body = term.pattern if not term.case_sensitive else f"(?-i:{term.pattern})"
    first, last = term.label[0], term.label[-1]
    left = right = ""
    # CJK, kana and Hangul have no spaces between words, so only alphabetic scripts get a
    # boundary; a Latin term next to Han or Hangul ("我是Claude", "Claude입니다") still matches.
    if re.match(f"[{_LATIN}0-9]", first):
        left = f"(?<![{_LATIN}0-9])"
        if guarded:
            left += f"(?<![{_LATIN}][\\-'’])"  # Jean-Claude
    elif re.match(f"[{_CYRILLIC}]", first):
        left = f"(?<![{_CYRILLIC}])"
    if re.match(f"[{_LATIN}]", last):
        # digits may follow (Qwen2.5, Llama3); a hyphenated suffix makes it a verb or an
        # adjective ("Google-ing", "Gemini-like"), not a name
        right = f"(?![{_LATIN}])(?![\\-‐](?:ing|ed|er|ers|like|esque|ish|style)\\b)"
    elif last.isdigit():
        right = f"(?![{_LATIN}0-9])"
    elif re.match(f"[{_CYRILLIC}]", last):
        right = f"(?![{_CYRILLIC}])"
    if guarded:
        # case-sensitive on purpose: the whole pattern is compiled with IGNORECASE
        # (on the same line: a name that ends a line is not "Claude Role" with the next one)
        right += (f"(?-i:(?![ \\t\u00a0]+(?!{_TIERS})[{_UPPER}][a-zà-ÿа-яё])(?![\\-‐][{_UPPER}]))"
                  "(?!\\s*[·・•])")
    return f"{left}(?:{body}){right}"



# Name chunks that say nothing about identity; dropped to get the short form of a name.
_SUFFIX = re.compile(r"^(?:\d+(?:\.\d+)?[bkm]|\d{4,8}|instruct|chat|latest|preview|online|hf|it|"
                     r"v\d+(?:\.\d+)?|exp|fp\d+|awq|gguf|q\d\w*)$", re.IGNORECASE)
# Tiers and release words after a name: "gigachat-pro" is GigaChat, "hyperclova-x" HyperCLOVA.
_TIER = re.compile(r"^(?:\d+(?:\.\d+)?[bkm]?|pro|max|plus|lite|mini|nano|micro|turbo|flash|"
                   r"ultra|large|medium|small|base|beta|alpha|x|instruct|chat|it|hf|latest|"
                   r"preview|online|exp|core|edge|air|omni|vision|coder|text|reasoner|"
                   r"v\d+(?:\.\d+)?|\d{4,8})$", re.IGNORECASE)
# "openai" is the protocol of every OpenAI-compatible server, not a maker
_GENERIC_PROVIDERS = frozenset({"openai", "fake", "openai-compatible", "openrouter", "vllm",
                                "ollama", "llama.cpp", "litellm"})


# First words of a roster name that are not a model's name ("house-model-2", "local-7b").
_GENERIC_BASES = frozenset({"model", "chat", "my", "test", "local", "house", "custom", "base",
                            "open", "tiny", "mini", "small", "large", "big", "new", "llm", "ai"})


def _base_term(name: str) -> table.Term | None:
    """The family word of a versioned roster name or id: olmo-2-7b -> OLMo, smollm2-1.7b ->
    SmolLM, phi-3.5-mini-instruct -> Phi. Only for names with a version or size in them,
    since an unversioned name ("house-assistant") is the operator's own word, not a model's;
    one plain word may be an ordinary one, so it is a homonym (self-reference only)."""
    base = name.rsplit("/", 1)[-1]
    chunks = [c for c in re.split(r"[\s\-_./:@]+", base) if c]
    if not re.search(r"\d", base) and not (len(chunks) > 1 and all(map(_TIER.match, chunks[1:]))):
        return None  # an unversioned name without a tier is the operator's own word
    m = re.match(r"[^\W\d_]{3,}", base)
    if m is None or m.group().lower() in _GENERIC_BASES:
        return None
    word = m.group()
    return table.Term(word, "name", table.WEAK, re.escape(word), needles=(word.lower(),))


def name_terms(name: str, kind: Kind) -> list[table.Term]:
    """Terms for a roster name or upstream model id: the whole thing, its short form and
    its base name."""
    base = name.rsplit("/", 1)[-1]
    chunks = [c for c in re.split(r"[\s\-_./:@]+", base) if c]
    if not chunks:
        return []
    forms = [chunks]
    short = list(chunks)
    while len(short) > 1 and _SUFFIX.match(short[-1]):
        short.pop()
    if short != chunks:
        forms.append(short)
    terms = []
    for form in forms:
        label = "-".join(form)
        pattern = r"[\s\-_./]*".join(re.escape(c) for c in form)
        # plain words ("claude", "ava", "sea-lion") may be ordinary ones: self-reference only;
        # a version number makes a name a model's ("sea-lion-7b", "falcon-3")
        level = table.STRONG if any(ch.isdigit() for ch in label) else table.WEAK
        terms.append(table.Term(label, kind, level, pattern, needles=(form[0].lower(),)))
    bare = _base_term(name)
    if bare is not None and bare.pattern.lower() not in {t.pattern.lower() for t in terms}:
        terms.append(bare)
    return terms


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s\-_./:@]+", text.lower()) if t]


def families_of(model: ModelConfig) -> list[table.Family]:
    tokens = _tokens(model.name) + _tokens(model.upstream_model)
    if model.provider.lower() not in _GENERIC_PROVIDERS:
        tokens += _tokens(model.provider)

    def hit(prefix: str) -> bool:
        return any(t == prefix or (t.startswith(prefix) and t[len(prefix)].isdigit())
                   for t in tokens)

    return [f for f in table.FAMILIES if f.key in tokens or any(hit(p) for p in f.detect)]


def _union(terms: Sequence[table.Term]) -> str:
    """One alternation, a named group per term (``t<index>``) to tell which one matched."""
    parts = [f"(?P<t{i}>{_bounded(t)})" for i, t in enumerate(terms)]
    return "|".join(parts) if parts else r"(?!x)x"


@dataclass(frozen=True)
class Vocabulary:
    """A set of terms, compiled on demand: which one matched, and a cheap test that none
    can. ``find`` runs one alternation of only the terms whose needles are in the text (a
    few, almost always), compiled once per such subset and kept."""

    terms: tuple[table.Term, ...]
    needles: tuple[tuple[str, ...], ...]  # per term
    all_needles: frozenset[str]
    ascii_needles: tuple[str, ...] = ()  # the only ones an ASCII text can contain
    # the needles a spaced or leetspeak spelling could hide, without their separators; the
    # two-letter ones ("o1", "yi") are left out: squashing a text's spaces makes them anywhere
    loose_needles: tuple[str, ...] = ()
    _compiled: dict[tuple[int, ...], re.Pattern[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, terms: Iterable[table.Term]) -> Vocabulary:
        # aliases, then own-name terms, then longest first, so "Mistral AI" beats "Mistral"
        # and no table term shadows an alias ("GPT-4o" given as an alias)
        rank = {"alias": 0, "name": 1}
        ordered = tuple(sorted(terms, key=lambda t: (rank.get(t.kind, 2), -len(t.pattern))))
        needles = tuple(t.needles for t in ordered)
        every = frozenset(n for ns in needles for n in ns)
        ascii_only = tuple(sorted(n for n in every if n.isascii()))
        squashed = {re.sub(r"[\s.\-_*]", "", n) for n in ascii_only}
        return cls(ordered, needles, every, ascii_only,
                   tuple(sorted(n for n in squashed if len(n) >= 3)))

    def may_match(self, lowered: str) -> bool:
        """False when no term can match ``lowered`` (normalised, lower-cased) text."""
        needles = self.ascii_needles if lowered.isascii() else self.all_needles
        return any(n in lowered for n in needles)

    def may_hide(self, loose: str) -> bool:
        """False when no spaced or leetspeak spelling of a term can be in a text whose
        ``normalise.loose`` reading is ``loose``."""
        return any(n in loose for n in self.loose_needles)

    def find(self, text: str, pos: int = 0, endpos: int | None = None) -> list[Hit]:
        lowered = text[pos:endpos].lower()
        present = {n for n in self.all_needles if n in lowered}
        if not present:
            return []
        subset = tuple(i for i, ns in enumerate(self.needles) if not present.isdisjoint(ns))
        regex = self._compiled.get(subset)
        if regex is None:
            if len(self._compiled) > 512:  # a bound, not a cache policy: subsets are few
                self._compiled.clear()
            regex = self._compiled[subset] = re.compile(
                _union([self.terms[i] for i in subset]), rules.FLAGS)
        end = len(text) if endpos is None else endpos
        hits: list[Hit] = []
        for lo, hi in _windows(lowered, present, pos, end, len(lowered) == end - pos):
            hits.extend(Hit.of(m, self.terms[subset[int(m.lastgroup[1:])]])
                        for m in regex.finditer(text, lo, hi) if m.lastgroup)
        return hits


# How far a term may start before its needle ("Chat GPT" before "gpt") and end after it.
_LEAD, _TAIL = 24, 64


def _windows(lowered: str, needles: set[str], pos: int, end: int,
             aligned: bool) -> list[tuple[int, int]]:
    """The stretches of text around each needle occurrence, merged: the union regex starts
    with lookbehinds, which defeat the regex engine's own literal scan, so it only runs
    where a term can be. The whole range when case-folding changed the text's length."""
    if not aligned:
        return [(pos, end)]
    spots: list[tuple[int, int]] = []
    for n in needles:
        i = lowered.find(n)
        while i >= 0:
            spots.append((max(pos, pos + i - _LEAD), min(end, pos + i + len(n) + _TAIL)))
            i = lowered.find(n, i + 1)
    spots.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in spots:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


@dataclass(frozen=True)
class Hit:
    """An own or known term found in a text: where, what it read, which term."""

    start: int
    end: int
    text: str
    term: table.Term

    @classmethod
    def of(cls, m: re.Match[str], term: table.Term) -> Hit:
        return cls(m.start(), m.end(), m.group(), term)


def keys_of(terms: Iterable[table.Term]) -> dict[str, table.Term]:
    """The consonant keys of the Latin own terms (``scripts``), each mapped to a copy of
    its term no stronger than NAMED: a transliteration counts in a self-reference or an
    identity answer, never as a bare mention."""
    out: dict[str, table.Term] = {}
    for t in sorted(terms, key=lambda t: -t.level):
        for k in scripts.latin_keys(t.label):
            out.setdefault(k, table.Term(t.label, t.kind, min(t.level, table.NAMED),
                                         re.escape(t.label), needles=()))
    return out


# a capitalised word right after a transliterated homonym makes it a person ("Клод Моне")
_NEXT_CAPITAL = re.compile(r"[ \t\u00a0]+[A-ZÀ-ÖØ-ÞА-ЯЁΑ-ΩΆ-Ώ][a-zà-ÿа-яёα-ωά-ώ]")


def _squashed(label: str) -> str:
    return re.sub(r"[\s\-_.]+", "", label.casefold())


def own_terms(model: ModelConfig, families: list[table.Family]) -> list[table.Term]:
    terms: dict[str, table.Term] = {}

    def add(t: table.Term) -> None:
        # the same text may come from the name and the table; keep the stronger reading
        old = terms.get(t.pattern.lower())
        if old is None or t.level > old.level:
            terms[t.pattern.lower()] = t

    for fam in families:
        for t in fam.terms:
            add(t)
    # after the table, so a base name the table knows keeps the table's spelling and level:
    # ``deepseek`` from ``deepseek-v3`` is the table's product name DeepSeek, not a weak word
    known = {_squashed(t.label): t.level for t in terms.values()}
    for t in name_terms(model.name, "name") + name_terms(model.upstream_model, "name"):
        if known.get(_squashed(t.label), -1) < t.level:
            add(t)
    if model.maker and model.maker.strip():
        maker = model.maker.strip()
        # a maker that shares the model's name (MiniMax's minimax-text-01) names the model too
        names = {_squashed(t.label) for t in terms.values() if t.kind in ("name", "family")}
        kind: Kind = "name" if _squashed(maker) in names else "maker"
        add(table.Term(maker, kind, table.NAMED, table._spaced(maker) if " " not in maker
                       else r"\s+".join(map(re.escape, maker.split())),
                       needles=(maker.split()[0].lower(),)))
    for alias in (a.strip() for a in model.aliases):
        if alias:
            # the operator says this word reveals the model: always strong (issue 12), though
            # a homonym alias keeps the homonym guards ("Claude Monet" is not the alias Claude)
            terms[alias.lower() + "\0alias"] = table.Term(alias, "alias", table.STRONG,
                                                         re.escape(alias),
                                                         needles=(alias.lower(),))
    return list(terms.values())


@functools.lru_cache(maxsize=4096)
def label_keys(label: str) -> frozenset[str]:
    """The consonant keys of a term's label, in whatever script it is written."""
    if label.isascii():
        return scripts.latin_keys(label)
    k = scripts.key(label)
    return frozenset({k}) if len(k) >= scripts.MIN_KEY else frozenset()


def script_hits(keys: dict[str, table.Term], text: str) -> list[Hit]:
    """Own names written in another script (``Κλοντ``, ``אנתרופיק``), by consonant key."""
    if not keys or text.isascii():
        return []
    hits = []
    for start, end, k in scripts.words(text):
        term = keys.get(k)
        if term is None:
            continue
        if term.label.casefold() in HOMONYMS and _NEXT_CAPITAL.match(text, end):
            continue
        hits.append(Hit(start, end, text[start:end], term))
    return hits
