"""The decision: do these answers of one model in a battle reveal that model?

A battle is blind: a vote only counts if neither side names its own model, model family
or maker. ``IdentityChecker`` is built once from the roster::

    checker = IdentityChecker(roster.models)
    leak = checker.check("qwen2.5-72b-instruct", answers=[text], prompts=[prompt])

Terms, per model (``terms``): the roster name and upstream id, their base name
(``olmo-2-7b`` -> ``OLMo``), the roster's ``maker`` and ``aliases``, and the family and
maker terms of the built-in table (found from the name, the id or the provider), in the
scripts they are written in, and by sound in any other (``scripts``). Three levels,
because many names are ordinary words:

* **product names** (``ChatGPT``, ``通义千问``, ``DeepSeek``, a versioned roster name, an
  alias, always): an unprompted mention anywhere counts, unless it is advice ("try X"), a
  comparison or a list.
* **model and maker names** (``GPT-3``, ``Llama 2``, ``OpenAI``, ``智谱``): what everyone
  discusses, so they count in a self-reference or in answer to an identity question.
* **homonyms** (``Claude``, ``Llama``, ``Gemini``, ``Mistral``, ``Google``, ``Meta``, ``豆包``):
  also a painter, an animal, a star sign, a wind, a company everyone mentions; same rule as
  the previous level, and a homonym followed by another capitalised word ("Claude Monet")
  or a hyphenated suffix ("Google-ing") is something else. A homonym alias is strong but
  keeps these guards, and counts as a mention only capitalised ("add sage" is the herb).

The decision, per answer, with the prompt it replies to in view:

1. the prompt asks who the model is (``prompts``: any language or wording; and a
   second-person copula before any model's name, "r u chatgpt or claude"): any own term
   in the answer leaks, even one the prompt listed;
2. otherwise a self-reference leaks (``rules``: firm templates whoever wrote the name,
   soft ones - role labels, signatures, third person - only for a name the user did not
   write, and neither when the user asked for a translation or a role with that name);
3. otherwise an unprompted product name leaks, unless the conversation is about AI models;
   so does a bare own name (never a maker) written as a name where nothing else explains
   it (``names.bare_name``: not a sentence's first word, not after an article, not a
   table row's subject, a list item, a gloss or a possessive, not in an answer about models).

Answers are normalised first (``normalise``), so markup, look-alike letters, full-width
forms, invisible characters, decorating marks and letter-by-letter spellings hide
nothing, and leetspeak ("Cl4ude") is read as a second reading of the same length; a leak
reports the term as normalised.

Cost: an ASCII answer containing none of the model's needles (a few lower-case substrings)
is dismissed by ``str`` searches alone; only the terms whose needles occur are compiled
into one alternation (cached per subset), and the prompt is read only once an own term
has been found.

The language patterns are in ``rules`` and ``prompts``, the positions of a bare name in
``names``, the spellings in ``normalise`` and ``scripts``, the terms in ``terms``; this
module holds only the decision (and the acrostic, a reading of the whole answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from arena import identity_terms as table
from arena.identity import names, prompts, rules, terms
from arena.identity.normalise import LEET as _LEET
from arena.identity.normalise import hidden_readings, loose, normalise, unleet
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


@dataclass(frozen=True)
class _View:
    """What the prompts say about the answers to one turn."""

    identity: bool  # the prompt in view asks who the model is
    about_ai: bool  # the conversation is about AI models, so mentions are discussion
    written: frozenset[str]  # own terms the user wrote
    asks_for_text: bool  # the prompt in view asks for a translation, role-play, story...


@dataclass(frozen=True)
class _Model:
    own: terms.Vocabulary
    families: frozenset[str]
    # consonant key -> the own term it spells, for names written in another script
    keys: dict[str, table.Term] = field(default_factory=dict)
    # the letters of each own name long enough to be spelt by an acrostic
    spellings: tuple[tuple[str, table.Term], ...] = ()


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


def _common_word(text: str, hit: terms.Hit) -> bool:
    """Is this a homonym written as the ordinary word: lower case, in an answer that writes
    capitals ("se llama" is "is called"), or a mixed-case brand written otherwise
    ("Minimax")? Then only a firm self-reference makes it a name; an all-lower-case answer
    ("claude") is a name whatever its case."""
    label = hit.term.label
    if label.casefold() not in terms.HOMONYMS or text.islower():
        return False
    if hit.text.islower():
        return not label.islower()
    # a brand's inner capitals ("MiniMax") not written: "Minimax picks the move" is the word
    return (any(c.isupper() for c in label[1:]) and hit.text != label
            and not hit.text.isupper() and hit.text.isascii())


# An acrostic: the first letters of consecutive lines spell an own name ("Crisp lemonade /
# Heat shimmering / Afternoons …" is ChatGPT). Names of five letters or more, so chance
# initials of a list do not spell one. Only verse is read (lines short on average); blank
# lines and lines opening with a digit or a sign are passed over.
_ACROSTIC_MIN = 5
_ACROSTIC_LINE = 60  # characters per line, on average, for an answer to be read as verse
_ACROSTIC_TEXT = 2000  # characters: a poem, not a long answer with a poem somewhere in it
_INITIAL = re.compile(r"\n[ \t*_>\"'“‘•-]*([^\W\d_])")  # a letter opening a line


def _acrostic(model: _Model, text: str) -> table.Term | None:
    """The own term the lines' first letters spell, or None."""
    if not model.spellings or len(text) > _ACROSTIC_TEXT:
        return None
    lines = text.count("\n") + 1
    # verse: five lines or more, short on average (prose paragraphs are skipped unscanned)
    if lines < _ACROSTIC_MIN or len(text) > _ACROSTIC_LINE * lines:
        return None
    # a literal "\n" first lets the regex engine skip from line end to line end
    initials = "".join(_INITIAL.findall("\n" + text)).lower()
    return next((term for letters, term in model.spellings if letters in initials), None)


def _spellings(own: Iterable[table.Term]) -> tuple[tuple[str, table.Term], ...]:
    out: list[tuple[str, table.Term]] = []
    for term in own:
        letters = re.sub(r"[\s\-.]", "", term.label).lower()
        if len(letters) >= _ACROSTIC_MIN and letters.isascii() and letters.isalpha() \
                and letters not in {w for w, _ in out}:
            out.append((letters, term))
    return tuple(out)


class IdentityChecker:
    """Decides whether a model's answers in a battle reveal the model; built once."""

    def __init__(self, models: Iterable[ModelConfig]) -> None:
        roster = list(models)
        self._templates = rules.Templates.build()
        self._models: dict[str, _Model] = {}
        for m in roster:
            fams = terms.families_of(m)
            own = terms.own_terms(m, fams)
            self._models[m.name] = _Model(terms.Vocabulary.of(own), frozenset(f.key for f in fams),
                                          terms.keys_of(own), _spellings(own))
        # every known term, tagged with its family or roster model, for "someone else" tests
        self._owner: dict[int, str] = {}
        everything: list[table.Term] = []
        for fam in table.FAMILIES:
            for t in fam.terms:
                self._owner[id(t)] = fam.key
                everything.append(t)
        for m in roster:
            for t in terms.name_terms(m.name, "name"):
                self._owner[id(t)] = "model:" + m.name
                everything.append(t)
        self._all = terms.Vocabulary.of(everything)

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
        candidates: list[tuple[int, str, terms.Hit, _View]] = []
        for i, raw in enumerate(texts):
            t = turns[i] if i < len(turns) else len(asked) - 1
            spelt = _acrostic(model, raw)
            if spelt is not None:
                view = views.get(t)
                if view is None:
                    view = views[t] = self._view(model_name, model, asked, t)
                if spelt.label not in view.written:
                    return Leak(spelt.label, spelt.kind, _excerpt(raw, 0, 0), "self_reference", i)
            # an ASCII answer without a needle cannot match, markup or not: skip normalising
            if raw.isascii():
                lowered = raw.lower()
                if not model.own.may_match(lowered) and (
                        not model.own.may_hide(loose(lowered))
                        or not any(model.own.may_match(r.lower()) for r in hidden_readings(raw))):
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
                if hit.term.level >= table.NAMED or hit.term.kind != "maker":
                    candidates.append((i, text, hit, view))
        for i, text, hit, view in candidates:
            if self._mention(model_name, model, text, hit, view):
                return Leak(hit.text, hit.term.kind, _excerpt(text, hit.start, hit.end),
                            "mention", i)
        return None

    def _hits(self, model: _Model, text: str) -> Iterator[tuple[str, terms.Hit]]:
        """The own terms in ``text``, then those that only its leetspeak reading shows
        ("Cl4ude", "0penAI"; the reading keeps every offset), each with the text it is in."""
        yield from ((text, h) for h in model.own.find(text))
        yield from ((text, h) for h in terms.script_hits(model.keys, text))
        if _LEET.search(text):
            plain = unleet(text)
            if plain != text and model.own.may_match(plain.lower()):
                seen = {(h.start, h.end) for h in model.own.find(text)}
                yield from ((plain, h) for h in model.own.find(plain)
                            if (h.start, h.end) not in seen and plain[h.start:h.end]
                            != text[h.start:h.end])

    def _rule(self, name: str, model: _Model, text: str, hit: terms.Hit,
              view: _View) -> Rule | None:
        """Why this own term in this answer reveals the model, or None (a mention is judged
        later, once no answer has anything stronger)."""
        if view.identity and not _common_word(text, hit):
            return "identity_question"
        if hit.term.label not in view.written:
            # a soft form in a list of several makers' models is a list item
            # a homonym written as the word ("a llama original") takes a firm context
            if self._templates.firm(text, hit.start, hit.end) or (
                    not _common_word(text, hit)
                    and self._templates.soft(text, hit.start, hit.end,
                                         maker=hit.term.kind == "maker")
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
            h.term.label for h in terms.script_hits(model.keys, so_far)) | frozenset(
            t.label for t in model.own.terms
            if t.label.lower() in lowered and re.search(
                r"(?<!\w)" + re.escape(t.label) + r"(?:s|es|['’]s|['’])(?!\w)", so_far, re.I))
        if written:
            # the same name in another script is written too ("I am Claude" -> クロード)
            said = frozenset().union(*map(terms.label_keys, written))
            written |= {t.label for t in model.own.terms if terms.label_keys(t.label) & said}
        about_ai = bool(written or prompts.about_ai(so_far)
                        or self._others(name, model, so_far, 0, len(so_far), table.NAMED))
        identity = prompts.asks_identity(in_view) or self._names_asked(model, in_view)
        return _View(identity, about_ai, written, prompts.asks_for_text(in_view))

    def _names_asked(self, model: _Model, prompt: str) -> bool:
        """Does the prompt ask whether the model is one it names ("r u chatgpt or claude",
        "Ты ChatGPT или Claude?", "너 GPT야 클로드야?")? A second-person copula right before
        any model's name."""
        if not prompts.YOU_ARE_ANY.search(prompt):
            return False
        for hit in [*model.own.find(prompt), *self._all.find(prompt)]:
            lo = max(0, hit.start - 40)
            if prompts.YOU_ARE_BEFORE.search(prompt, lo, hit.start) or (
                    prompts.STATED_BEFORE.search(prompt, lo, hit.start)
                    and prompts.QUESTION_AFTER.match(prompt, hit.end)):
                return True
        return False

    def _mention(self, name: str, model: _Model, text: str, hit: terms.Hit, view: _View) -> bool:
        """An unprompted product name outside a recommendation, comparison or list."""
        term = hit.term
        if view.about_ai or term.label in view.written:
            return False
        if term.level < table.STRONG and not names.bare_name(text, hit.start, hit.end,
                                                             term.label, term.kind):
            return False
        if (term.kind == "alias" or term.label.casefold() in terms.HOMONYMS) \
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
            if _common_word(text, hit):
                continue  # "meta: {...}" is a word, not the maker Meta
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
