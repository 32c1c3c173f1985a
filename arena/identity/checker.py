"""The decision: do these answers of one model in a battle reveal that model?

A battle is blind: a vote only counts if neither side names its own model, model family
or maker. ``IdentityChecker`` is built once from the roster::

    checker = IdentityChecker(roster.models)
    leak = checker.check("qwen2.5-72b-instruct", answers=[text], prompts=[prompt])

Terms, per model: the roster name and upstream id, their base name (``olmo-2-7b`` ->
``OLMo``), the roster's ``maker`` and ``aliases``, and the family and maker terms of the
built-in table (found from the name, the id or the provider), in the scripts they are
written in. Three levels, because many names are ordinary words:

* **product names** (``ChatGPT``, ``通义千问``, ``DeepSeek``, the roster name, an alias): an
  unprompted mention anywhere counts, unless it is advice ("try X"), a comparison or a list.
* **model and maker names** (``GPT-3``, ``Llama 2``, ``OpenAI``, ``智谱``): what everyone
  discusses, so they count in a self-reference or in answer to an identity question.
* **homonyms** (``Claude``, ``Llama``, ``Gemini``, ``Mistral``, ``Google``, ``Meta``, ``豆包``):
  also a painter, an animal, a star sign, a wind, a company everyone mentions; same rule as
  the previous level, and a homonym followed by another capitalised word ("Claude Monet")
  or a hyphenated suffix ("Google-ing") is something else.

The decision, per answer, with the prompt it replies to in view:

1. the prompt asks who the model is (any language or wording, including "X, Y or Z?"):
   any own term in the answer leaks, even one the prompt listed;
2. otherwise a self-reference leaks (``rules``: firm templates whoever wrote the name,
   soft ones - role labels, signatures, third person - only for a name the user did not
   write, and neither when the user asked for a translation or a role with that name);
3. otherwise an unprompted product name leaks, unless the conversation is about AI models.

Answers are normalised first (``normalise``), so markup, look-alike letters, full-width
forms and invisible characters hide nothing; a leak reports the term as normalised.

Cost: an ASCII answer containing none of the model's needles (a few lower-case substrings)
is dismissed by ``str`` searches alone; only the terms whose needles occur are compiled
into one alternation (cached per subset), and the prompt is read only once an own term
has been found.

About 450 lines on purpose: the terms per model and the decision over them are one
algorithm; the language patterns are in ``rules`` and the spellings in ``normalise``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from arena import identity_terms as table
from arena.identity import rules, scripts
from arena.identity.normalise import LEET as _LEET
from arena.identity.normalise import hidden_readings, normalise, unleet
from arena.identity_terms import Kind
from arena.settings import ModelConfig

# why an answer leaked: its own term in answer to "who are you?", a self-reference, or an
# unprompted mention of a product name (or of the maker as the model's maker)
Rule = Literal["identity_question", "self_reference", "mention"]


@dataclass(frozen=True)
class Leak:
    """Why an answer was judged to reveal its model."""

    term: str  # the text that matched, after normalisation (markup and look-alikes undone)
    kind: Kind
    excerpt: str  # a short window around the match, whitespace collapsed
    rule: Rule = "mention"
    answer_index: int = 0


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
_HOMONYMS = frozenset(t.label.casefold() for f in table.FAMILIES for t in f.terms
                      if t.level == table.WEAK)


def _bounded(term: table.Term) -> str:
    """The term's regex with whole-word boundaries (and, for homonyms, the exclusions)."""
    guarded = term.level == table.WEAK or term.label.casefold() in _HOMONYMS
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
        right += (f"(?-i:(?!\\s+(?!{_TIERS})[{_UPPER}][a-zà-ÿа-яё])(?![\\-‐][{_UPPER}]))"
                  "(?!\\s*[·・•])")
    return f"{left}(?:{body}){right}"



# Name chunks that say nothing about identity; dropped to get the short form of a name.
_SUFFIX = re.compile(r"^(?:\d+(?:\.\d+)?[bkm]|\d{4,8}|instruct|chat|latest|preview|online|hf|it|"
                     r"v\d+(?:\.\d+)?|exp|fp\d+|awq|gguf|q\d\w*)$", re.IGNORECASE)
# Tiers and release words after a name: "gigachat-pro" is GigaChat, "hyperclova-x" HyperCLOVA.
_TIER = re.compile(r"^(?:\d+(?:\.\d+)?[bkm]?|pro|max|plus|lite|mini|nano|micro|turbo|flash|"
                   r"ultra|large|medium|small|base|beta|alpha|x|instruct|chat|it|hf|latest|"
                   r"preview|online|exp|v\d+(?:\.\d+)?|\d{4,8})$", re.IGNORECASE)
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


def _name_terms(name: str, kind: Kind) -> list[table.Term]:
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


def _families_of(model: ModelConfig) -> list[table.Family]:
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
class _Vocabulary:
    """A set of terms, compiled on demand: which one matched, and a cheap test that none
    can. ``find`` runs one alternation of only the terms whose needles are in the text (a
    few, almost always), compiled once per such subset and kept."""

    terms: tuple[table.Term, ...]
    needles: tuple[tuple[str, ...], ...]  # per term
    all_needles: frozenset[str]
    _compiled: dict[tuple[int, ...], re.Pattern[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, terms: Iterable[table.Term]) -> _Vocabulary:
        # aliases, then own-name terms, then longest first, so "Mistral AI" beats "Mistral"
        # and no table term shadows an alias ("GPT-4o" given as an alias)
        rank = {"alias": 0, "name": 1}
        ordered = tuple(sorted(terms, key=lambda t: (rank.get(t.kind, 2), -len(t.pattern))))
        needles = tuple(t.needles for t in ordered)
        return cls(ordered, needles, frozenset(n for ns in needles for n in ns))

    def may_match(self, lowered: str) -> bool:
        """False when no term can match ``lowered`` (normalised, lower-cased) text."""
        return any(n in lowered for n in self.all_needles)

    def find(self, text: str, pos: int = 0, endpos: int | None = None) -> list[_Hit]:
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
        hits: list[_Hit] = []
        for lo, hi in _windows(lowered, present, pos, end, len(lowered) == end - pos):
            hits.extend(_Hit.of(m, self.terms[subset[int(m.lastgroup[1:])]])
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
class _Hit:
    """An own or known term found in a text: where, what it read, which term."""

    start: int
    end: int
    text: str
    term: table.Term

    @classmethod
    def of(cls, m: re.Match[str], term: table.Term) -> _Hit:
        return cls(m.start(), m.end(), m.group(), term)


@dataclass(frozen=True)
class _View:
    """What the prompts say about the answers to one turn."""

    identity: bool  # the prompt in view asks who the model is
    about_ai: bool  # the conversation is about AI models, so mentions are discussion
    written: frozenset[str]  # own terms the user wrote
    asks_for_text: bool  # the prompt in view asks for a translation, role-play, story...


@dataclass(frozen=True)
class _Model:
    own: _Vocabulary
    families: frozenset[str]
    # consonant key -> the own term it spells, for names written in another script
    keys: dict[str, table.Term] = field(default_factory=dict)


def _keys_of(terms: Iterable[table.Term]) -> dict[str, table.Term]:
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
_NEXT_CAPITAL = re.compile(r"\s+[A-ZÀ-ÖØ-ÞА-ЯЁΑ-ΩΆ-Ώ][a-zà-ÿа-яёα-ωά-ώ]")


def _own_terms(model: ModelConfig, families: list[table.Family]) -> list[table.Term]:
    terms: dict[str, table.Term] = {}

    def add(t: table.Term) -> None:
        # the same text may come from the name and the table; keep the stronger reading
        old = terms.get(t.pattern.lower())
        if old is None or t.level > old.level:
            terms[t.pattern.lower()] = t

    for fam in families:
        for t in fam.terms:
            add(t)
    # after the table, so a base name the table knows keeps the table's spelling and level
    for t in _name_terms(model.name, "name") + _name_terms(model.upstream_model, "name"):
        add(t)
    if model.maker and model.maker.strip():
        maker = model.maker.strip()
        add(table.Term(maker, "maker", table.NAMED, table._spaced(maker) if " " not in maker
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
def _label_keys(label: str) -> frozenset[str]:
    """The consonant keys of a term's label, in whatever script it is written."""
    if label.isascii():
        return scripts.latin_keys(label)
    k = scripts.key(label)
    return frozenset({k}) if len(k) >= scripts.MIN_KEY else frozenset()


def _script_hits(model: _Model, text: str) -> list[_Hit]:
    """Own names written in another script (``Κλοντ``, ``אנתרופיק``), by consonant key."""
    if not model.keys or text.isascii():
        return []
    hits = []
    for start, end, k in scripts.words(text):
        term = model.keys.get(k)
        if term is None:
            continue
        if term.label.casefold() in _HOMONYMS and _NEXT_CAPITAL.match(text, end):
            continue
        hits.append(_Hit(start, end, text[start:end], term))
    return hits


def _excerpt(text: str, start: int, end: int, width: int = 60) -> str:
    lo, hi = max(0, start - width), min(len(text), end + width)
    core = " ".join(text[lo:hi].split())
    return ("…" if lo else "") + core + ("…" if hi < len(text) else "")


def _passage(text: str, start: int, end: int, width: int = 300) -> tuple[int, int]:
    """The paragraph around a match, at most ``width`` characters either side."""
    lo = max(0, start - width)
    for m in rules.PARAGRAPH.finditer(text, lo, start):
        lo = m.end()
    nxt = rules.PARAGRAPH.search(text, end, min(len(text), end + width))
    return lo, nxt.start() if nxt else min(len(text), end + width)


class IdentityChecker:
    """Decides whether a model's answers in a battle reveal the model; built once."""

    def __init__(self, models: Iterable[ModelConfig]) -> None:
        roster = list(models)
        self._templates = rules.Templates.build()
        self._models: dict[str, _Model] = {}
        for m in roster:
            fams = _families_of(m)
            own = _own_terms(m, fams)
            self._models[m.name] = _Model(_Vocabulary.of(own), frozenset(f.key for f in fams),
                                          _keys_of(own))
        # every known term, tagged with its family or roster model, for "someone else" tests
        self._owner: dict[int, str] = {}
        everything: list[table.Term] = []
        for fam in table.FAMILIES:
            for t in fam.terms:
                self._owner[id(t)] = fam.key
                everything.append(t)
        for m in roster:
            for t in _name_terms(m.name, "name"):
                self._owner[id(t)] = "model:" + m.name
                everything.append(t)
        self._all = _Vocabulary.of(everything)

    def terms_for(self, model_name: str) -> frozenset[str]:
        """The canonical spellings of every term that can reveal ``model_name``."""
        return frozenset(t.label for t in self._get(model_name).own.terms)

    def check(self, model_name: str, answers: Iterable[str], prompts: Iterable[str] = (),
              *, turns: Sequence[int] | None = None) -> Leak | None:
        """The first leak in ``answers`` (identity answers and self-references before mere
        mentions), or None.

        ``answers`` is every text a voter was shown for this model: every attempt of every
        turn, finished or not, so ``answers[i]`` may be partial (cut, failed, regenerated).
        ``prompts`` are the user's turns so far. ``turns[i]`` is the index in ``prompts`` of
        the prompt ``answers[i]`` replies to; without it, answers and prompts pair up when
        there are as many of each, and otherwise every answer replies to the last prompt.
        The prompt in view decides whether an answer is an identity question's answer
        (then any own term leaks, even one the prompt listed); every prompt up to it decides
        which terms the user wrote.
        """
        model = self._get(model_name)
        texts, asked = list(answers), list(prompts)
        if turns is None:
            turns = range(len(texts)) if len(asked) == len(texts) else [len(asked) - 1] * len(texts)
        views: dict[int, _View] = {}
        candidates: list[tuple[int, str, _Hit, _View]] = []
        for i, raw in enumerate(texts):
            t = turns[i] if i < len(turns) else len(asked) - 1
            # an ASCII answer without a needle cannot match, markup or not: skip normalising
            if raw.isascii() and not model.own.may_match(raw.lower()) and not any(
                    model.own.may_match(r.lower()) for r in hidden_readings(raw)):
                continue
            for text, hit in self._hits(model, normalise(raw)):
                view = views.get(t)
                if view is None:  # only for an answer with an own term: the prompt costs
                    view = views[t] = self._view(model_name, model, asked, t)
                rule = self._rule(model_name, model, text, hit, view)
                if rule is not None:
                    lo = max(0, hit.start - rules.WINDOW_BEFORE)
                    return Leak(hit.text, hit.term.kind,
                                _excerpt(text, max(lo, hit.start - 60), hit.end), rule, i)
                if hit.term.level >= table.NAMED:
                    candidates.append((i, text, hit, view))
        for i, text, hit, view in candidates:
            if self._mention(model_name, model, text, hit, view):
                return Leak(hit.text, hit.term.kind, _excerpt(text, hit.start, hit.end),
                            "mention", i)
        return None

    def _hits(self, model: _Model, text: str) -> Iterator[tuple[str, _Hit]]:
        """The own terms in ``text``, then those that only its leetspeak reading shows
        ("Cl4ude", "0penAI"; the reading keeps every offset), each with the text it is in."""
        yield from ((text, h) for h in model.own.find(text))
        yield from ((text, h) for h in _script_hits(model, text))
        if _LEET.search(text):
            plain = unleet(text)
            if plain != text and model.own.may_match(plain.lower()):
                seen = {(h.start, h.end) for h in model.own.find(text)}
                yield from ((plain, h) for h in model.own.find(plain)
                            if (h.start, h.end) not in seen and plain[h.start:h.end]
                            != text[h.start:h.end])

    def _rule(self, name: str, model: _Model, text: str, hit: _Hit, view: _View) -> Rule | None:
        """Why this own term in this answer reveals the model, or None (a mention is judged
        later, once no answer has anything stronger)."""
        if view.identity:
            return "identity_question"
        if hit.term.label not in view.written:
            # a soft form in a list of several makers' models is a list item
            if self._templates.firm(text, hit.start, hit.end) or (
                    self._templates.soft(text, hit.start, hit.end)
                    and not self._others(name, model, text, *_passage(text, hit.start, hit.end),
                                         table.WEAK)):
                return "self_reference"
        elif not view.asks_for_text and self._templates.firm(text, hit.start, hit.end):
            # the user's own name for it, in the model's mouth: "As Claude, I ..." unless
            # the user asked for that text (a translation, a role, a story)
            return "self_reference"
        return None

    def _view(self, name: str, model: _Model, asked: list[str], turn: int) -> _View:
        """What the user's words say about answers to prompt ``turn``."""
        in_view = normalise(asked[turn]) if 0 <= turn < len(asked) else ""
        so_far = normalise("\n".join(asked[:turn + 1])) if turn >= 0 else ""
        # a term the user wrote, also inflected ("a haiku about llamas" writes Llama)
        lowered = so_far.lower()
        written = frozenset(h.term.label for h in model.own.find(so_far)) | frozenset(
            h.term.label for h in _script_hits(model, so_far)) | frozenset(
            t.label for t in model.own.terms
            if t.label.lower() in lowered and re.search(
                r"(?<!\w)" + re.escape(t.label) + r"(?:s|es|['’]s|['’])(?!\w)", so_far, re.I))
        if written:
            # the same name in another script is written too ("I am Claude" -> クロード)
            said = frozenset().union(*map(_label_keys, written))
            written |= {t.label for t in model.own.terms if _label_keys(t.label) & said}
        about_ai = bool(written or rules.about_ai(so_far)
                        or self._others(name, model, so_far, 0, len(so_far), table.NAMED))
        identity = rules.asks_identity(in_view) or self._names_asked(model, in_view)
        return _View(identity, about_ai, written, rules.asks_for_text(in_view))

    def _names_asked(self, model: _Model, prompt: str) -> bool:
        """Does the prompt ask whether the model is one it names ("r u chatgpt or claude",
        "Ты ChatGPT или Claude?", "너 GPT야 클로드야?")? A second-person copula right before
        any model's name."""
        for hit in [*model.own.find(prompt), *self._all.find(prompt)]:
            if rules.YOU_ARE_BEFORE.search(prompt, max(0, hit.start - 40), hit.start):
                return True
        return False

    def _mention(self, name: str, model: _Model, text: str, hit: _Hit, view: _View) -> bool:
        """An unprompted product name outside a recommendation, comparison or list."""
        term = hit.term
        if view.about_ai or term.label in view.written or term.level < table.STRONG:
            return False
        if (term.kind == "alias" or term.label.casefold() in _HOMONYMS) \
                and hit.text[:1].islower() and term.label[:1].isupper():
            return False  # a capitalised alias in lower case is the word ("add sage")
        if rules.RECOMMENDATION.search(text, max(0, hit.start - 40), hit.start):
            return False  # "you could try X for that"
        # a comparison, or a list of several makers' models
        return not self._others(name, model, text, *_passage(text, hit.start, hit.end),
                                table.WEAK)

    def _others(self, name: str, model: _Model, text: str, lo: int, hi: int,
                min_level: int) -> bool:
        """Does text[lo:hi] name a model or maker other than ``name``'s own? A span that
        one of the model's own terms also matches is its own, whoever else shares it."""
        own_spans = {(h.start, h.end) for h in model.own.find(text, lo, hi)}
        for hit in self._all.find(text, lo, hi):
            owner = self._owner.get(id(hit.term), "")
            if hit.term.level >= min_level and owner not in model.families \
                    and owner != "model:" + name \
                    and not any(a < hit.end and hit.start < b
                                for a, b in own_spans):
                return True
        return False

    def _get(self, model_name: str) -> _Model:
        try:
            return self._models[model_name]
        except KeyError:
            raise KeyError(f"model {model_name!r} is not in the roster the IdentityChecker "
                           f"was built from") from None
