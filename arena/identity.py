"""Does a model's answer give away who wrote it?

A battle is blind: a vote only counts if neither answer names its own model, model family
or maker (DESIGN.md, invariant 3). ``IdentityChecker`` is built once from the roster and
answers that question for one model's answers in a battle::

    checker = IdentityChecker(roster.models)
    leak = checker.check("qwen2.5-72b-instruct", answers=[text], prompts=[prompt])

What it looks for, per model: the roster name and upstream model id, the ``aliases`` of
the roster entry, and the family and maker terms of a built-in table (recognised from the
name, the model id or the provider), in every script they are commonly written in.

Three levels of term, because many model names are ordinary words:

* **product names** (``ChatGPT``, ``通义千问``, ``DeepSeek``, ``Le Chat``, the roster name): an
  unprompted mention anywhere in the answer is a leak.
* **model and maker names** (``GPT-3``, ``Llama 2``, ``Mixtral``, ``OpenAI``, ``智谱``): never
  ordinary words, but what everyone discusses ("fine-tune GPT-3 or BERT", "OpenAI's Gym"), so
  they count in a self-reference, and a maker also counts when the user asked who the model is.
* **homonyms** (``Claude``, ``Llama``, ``Gemini``, ``Mistral``, ``Yi``, ``Google``, ``Meta``,
  ``豆包``...) are also a painter, an animal, a zodiac sign, a wind, a surname or a company
  everyone talks about; they only count in a self-referential construction ("I am X",
  "as X, I", "X here!", "developed by X" after a first-person subject, "X trained me", "我是X",
  "由X开发", "私はXです", "저는 X입니다", "Я — X", "Soy X", "Je suis X", "Ich bin X", "أنا X",
  ...). A homonym directly followed by another capitalised word ("Claude Monet", "Kimi
  Räikkönen") is someone else and never matches.

A self-reference always counts, whoever wrote the term first. Otherwise the user's own words
do not void a battle: a term the user wrote, or any mention when the user asked about AI
models in general ("compare ChatGPT and Claude"), is discussion; so is a mention in a passage
that also names another maker's models (a comparison or a list). Terms match whole words in
any case (a few acronyms are case-sensitive), so "napalm" never contains "PaLM".

Everything is compiled in ``__init__``. ``check`` first looks for a few lower-case substrings
(a few microseconds for 2,000 characters); only an answer containing one is scanned with the
model's regex, and only the text around each match is read by the self-reference templates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from arena import identity_terms as table
from arena.identity_terms import Kind
from arena.settings import ModelConfig

Rule = Literal["self_reference", "mention"]


@dataclass(frozen=True)
class Leak:
    """Why an answer was judged to reveal its model."""

    term: str  # the text that matched, as the model wrote it
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


def _bounded(term: table.Term) -> str:
    """The term's regex with whole-word boundaries (and, for weak terms, the exclusions)."""
    body = term.pattern if not term.case_sensitive else f"(?-i:{term.pattern})"
    first, last = term.label[0], term.label[-1]
    left = right = ""
    # CJK, kana and Hangul have no spaces between words, so only alphabetic scripts get a
    # boundary; a Latin term next to Han or Hangul ("我是Claude", "Claude입니다") still matches.
    if re.match(f"[{_LATIN}0-9]", first):
        left = f"(?<![{_LATIN}0-9])"
        if term.level == table.WEAK:
            left += f"(?<![{_LATIN}][\\-'’])"  # Jean-Claude
    elif re.match(f"[{_CYRILLIC}]", first):
        left = f"(?<![{_CYRILLIC}])"
    if re.match(f"[{_LATIN}]", last):
        right = f"(?![{_LATIN}])"  # digits may follow: Qwen2.5, Llama3
    elif last.isdigit():
        right = f"(?![{_LATIN}0-9])"
    elif re.match(f"[{_CYRILLIC}]", last):
        right = f"(?![{_CYRILLIC}])"
    if term.level == table.WEAK:
        # case-sensitive on purpose: the whole pattern is compiled with IGNORECASE
        right += (f"(?-i:(?!\\s+(?!{_TIERS})[{_UPPER}][a-zà-ÿа-яё])(?![\\-‐][{_UPPER}]))"
                  "(?!\\s*[·・•])")
    return f"{left}(?:{body}){right}"


# ------------------------------------------------------------------ self-reference templates
# A template is the context before an own term and the context after it; the term itself
# is whatever the model's own regex matched. So the templates are compiled once for every
# model, and only run next to a match. A gap never crosses the end of a sentence; a full
# stop inside a token ("GPT-3.5", "01.AI") is not an end.
_G = r"(?:[^.!?。！？\n]|\.(?=\S))"
_G_EN = r"(?:(?!\b(?:is|are|was|were)\b)[^.!?。！？\n]|\.(?=\S))"  # no second subject
_ANCHOR_EN = (r"\b(?:I\s*am|I['’]m|I\s+was|I['’]ve\s+been|I\s+have\s+been|I\s+(?:run|operate)"
              r"|as\s+an?\s+(?:[\w-]+\s+){0,3}?(?:AI|model|assistant|LLM|chatbot|system|program))\b")
_DEV_EN = (r"(?:(?:developed|created|trained|made|built|designed|programmed|powered|engineered|"
           r"produced|released|owned|maintained|fine[\s-]?tuned|brought\s+to\s+you|backed)"
           r"\s+(?:by|at)|based\s+on|built\s+on|running\s+on|runs\s+on|part\s+of|a\s+product\s+of|"
           r"from)\s+(?:the\s+)?(?:(?:team|folks|people|engineers|researchers)\s+(?:at|from)\s+)?")
_NOUN_EN = r"(?:model|language\s+model|LLM|assistant|AI|chatbot|bot|system|based|powered|variant)"
_DEV_CJK = (r"(?:开发|研发|创建|创造|训练|打造|推出|制作|设计|构建|开發|研發|創建|創造|訓練|製作|"
            r"設計|構建|出品|旗下)")
_DEV_JA = r"(?:開発|作成|訓練|トレーニング|作られ|構築|設計|生み出|学習)"
_DEV_KO = r"(?:개발|만든|만들어|훈련|학습|제작|설계)"
_DEV_ROMANCE = (r"(?:desarrollad[oa]|cread[oa]|entrenad[oa]|diseñad[oa]|desenvolvid[oa]|criad[oa]|"
                r"treinad[oa]|sviluppat[oa]|creat[oa]|addestrat[oa]|développée?|créée?|"
                r"entraînée?|conçue?|formée?)\s+(?:por|pela|pelo|da|dal|dalla|par)\s+"
                r"(?:la\s+|el\s+|l['’]|a\s+)?(?:empresa\s+|compañía\s+|société\s+|entreprise\s+|"
                r"equipo\s+de\s+|azienda\s+|équipe\s+de\s+)?")

# Contexts that make an own term right after them a self-reference.
_BEFORE_ONLY: tuple[str, ...] = (
    # English: "I am X", "my name is X", "I was trained by X", "as an AI developed by X"
    r"\b(?:I\s*am|I['’]m|I\s+was|my\s+name\s+is|call\s+me|I\s+go\s+by)\s+(?:(?:just|actually|"
    r"really|called|named|known\s+as|also|Sir|Lady|Dame|Lord|Dr\.?|Professor|Mr\.?|Ms\.?|Captain|"
    r"Agent)\s+){0,2}",
    _ANCHOR_EN + _G_EN + r"{0,80}?" + _DEV_EN,
    r"\bmy\s+(?:creators?|developers?|makers?|engineers|trainers|team|company|parent\s+company|"
    r"authors?)\s*(?:,\s*|(?:are|is|at|from|of)\s+)?(?:the\s+)?(?:(?:team|folks|people)\s+at\s+)?",
    # Chinese: 我是X, 作为X, 我的开发者是X
    r"(?:我是|我叫|我名叫|我的名字(?:是|叫)|本(?:模型|助手|AI)是|我乃|我就是|我便是)\s*"
    r"(?:一个|一款|一名|个|来自)?\s*",
    r"作为\s*(?:一个|一款|一名)?\s*",
    r"我的(?:开发者|创造者|开发团队|制造者|训练者|研发团队|创建者|开发商|開發者|創造者)"
    r"(?:是|为|為|：|:)?\s*",
    # Japanese: 私はX
    r"(?:私|わたし|わたくし|僕|ぼく)(?:は|の名前は)\s*、?\s*",
    # Russian: "Я — X", "Меня зовут X", "я ... создан компанией X"
    r"(?:\bя|\bменя\s+зовут|\bмо[её]\s+имя)\s*(?:[—–-]\s*)?(?:это\s+)?",
    r"\bя\b[^.!?\n]{0,60}?(?:создан|разработан|обучен|сделан|натренирован)\w*\s+"
    r"(?:компанией\s+|командой\s+|в\s+компании\s+|в\s+)?",
    # Spanish, Portuguese, Italian, French, German
    r"\b(?:soy|me\s+llamo|mi\s+nombre\s+es|sou|eu\s+sou|me\s+chamo|meu\s+nome\s+é|sono|"
    r"mi\s+chiamo|je\s+suis|je\s+m['’]appelle|mon\s+nom\s+est|moi\s*,|ich\s+bin|ich\s+hei(?:ß|ss)e|"
    r"mein\s+Name\s+ist)\s*(?:el\s+|la\s+|o\s+|a\s+|der\s+|die\s+)?",
    r"\b(?:soy|fui|sou|eu|sono|je\s+suis|j['’]ai\s+été|en\s+tant\s+qu['’e]\s*|como)\b"
    + _G + r"{0,80}?" + _DEV_ROMANCE,
    r"\b(?:je\s+suis|soy|sono|sou)\b" + _G + r"{0,40}?\b(?:assistant|asistente|assistente|"
    r"modèle|modelo|modello|IA)\s+(?:de|d['’]|di|da)\s*",
    r"\bich\s+(?:bin|wurde)\b" + _G + r"{0,60}?\bvon\s+(?:der\s+Firma\s+|dem\s+Unternehmen\s+)?",
    # Arabic, Hebrew
    r"(?:أنا|انا|اسمي)\s+",
    r"(?:تطويري|إنشائي|تدريبي|تصميمي|طورتني|أنشأتني|دربتني|صنعتني)\s+(?:من\s+قبل\s+|بواسطة\s+|"
    r"من\s+طرف\s+)?(?:شركة\s+)?",
    r"(?:أنا|انا)[^.!?؟\n]{0,60}?(?:تطوير|إنشاء|صنع|تدريب)\w*\s+(?:من\s+قبل\s+|بواسطة\s+)?"
    r"(?:شركة\s+)?",
    r"(?:קוראים\s+לי|שמי|אני)\s+",
    # Vietnamese, Turkish, Hindi
    r"\b(?:tôi\s+là|tên\s+tôi\s+là|mình\s+là)\s+",
    r"\b(?:ben|benim\s+adım)\s+",
    r"(?:मैं|मेरा\s+नाम)\s+",
    r"\b(?:tôi|mình)\b" + _G + r"{0,60}?\b(?:do|bởi)\s+(?:công\s+ty\s+)?",
)

# Contexts after an own term that make it a self-reference wherever it stands.
_AFTER_ONLY: tuple[str, ...] = (
    r"\s+(?:has\s+|have\s+)?(?:created|developed|trained|built|made|designed|programmed|"
    r"fine[\s-]?tuned)\s+me\b",  # "OpenAI trained me"
    # "Anthropic's guidelines for me", "OpenAI's content policy doesn't allow me"
    r"['’]s\s+(?:[\w-]+\s+){0,2}?(?:guidelines|polic(?:y|ies)|rules|terms|principles)\s+"
    r"(?:for\s+me|(?:(?:don['’]t|do\s+not|doesn['’]t|does\s+not)\s+)?(?:allow|let|permit|require|"
    r"prevent|prohibit)s?\s+me)\b",
)

# Contexts that need both sides.
_AROUND: tuple[tuple[str, str], ...] = (
    # "I'm a Llama model", "as a Google model"
    (r"\b(?:I\s*am|I['’]m|I\s+was|as)\s+(?:a|an|the|one\s+of\s+the)\s+(?:[\w-]+\s+){0,2}?",
     r"(?:[\s-]+[\w.]+){0,2}?[\s-]+" + _NOUN_EN + r"\b"),
    # "As Claude, I ..."
    (r"\bas\s+", r"\s*(?:[,，]\s*(?:I|I['’]m|my|me|we|a|an|the)\b|\s+(?:I|my|we)\b)"),
    # "Ben X, Y tarafından geliştirildim" (Turkish puts the agent first)
    (r"\bben\b" + _G + r"{0,60}?",
     r"\s+tarafından\s+(?:geliştiril|eğitil|oluşturul|yaratıl)\w*"),
    # "Gemini here!"
    (r"(?:^|[\n.!?]\s*|\b(?:hi|hello|hey)[,!]?\s+)[*_\"']*", r"\s+here\s*[!,.:;—–-]"),
    # 我是由X开发的
    (r"(?:我(?:是|由|被|乃|为|係|系)|本(?:模型|助手)|作为)[^。！？\n]{0,25}?",
     r"[^。！？\n]{0,12}?" + _DEV_CJK),
    # 私はXによって開発された
    (r"(?:私|わたし|わたくし|僕|ぼく)(?:は|が)[^。！？\n]{0,30}?",
     r"(?:社)?\s*(?:によって|により|が|で|の)[^。！？\n]{0,10}?" + _DEV_JA),
    # Korean particles attach to the term, so the copula must follow it: 저는 X입니다
    (r"(?:저는|나는|난|제\s*이름은|내\s*이름은)\s*",
     r"\s*(?:입니다|이에요|예요|이야|야|라고|이라고|[,，.!])"),
    (r"(?:저는|나는|제가|전)\s[^.!?\n]{0,30}?",
     r"\s*(?:에서|이|가|의|에\s*의해)?\s*(?:[^\s.!?]+\s+){0,2}?" + _DEV_KO),
)
_WINDOW_BEFORE = 160  # characters of context read before a term; longer than any gap above
_WINDOW_AFTER = 80

# A prompt that is about AI models makes mentions in the answer discussion, not confession.
_AI_TOPIC = re.compile(
    r"\b(?:LLMs?|GPTs|AI\s+(?:models?|assistants?|chat\s?bots?|compan(?:y|ies)|labs?|tools?)|"
    r"(?:large\s+)?language\s+models?|chat\s?bots?|foundation\s+models?|generative\s+AI)\b|"
    r"大模型|语言模型|語言模型|聊天机器人|人工智能公司|AI助手|言語モデル|チャットボット|언어\s?모델|챗봇|"
    r"языков\w*\s+модел|чат-?бот|modelos?\s+de\s+lenguaje|modèles?\s+de\s+langage|Sprachmodell",
    re.IGNORECASE)
# ... unless it asks the model who it is: then the answer naming its maker is the leak.
_IDENTITY_QUESTION = re.compile(
    r"\bwho\s+(?:are|r)\s+(?:you|u)\b|\bwho\s+(?:made|created|built|trained|developed|designed|"
    r"owns|programmed)\s+you\b|\bwhat(?:['’]s|\s+is)\s+your\s+name\b|\b(?:what|which)\s+"
    r"(?:AI\s+|language\s+|LLM\s+)?(?:model|LLM|AI|version)\s+are\s+you\b|"
    r"\byour\s+(?:model\s+)?(?:creator|maker|developer|vendor|name)\b|"
    r"\bintroduce\s+yourself\b|\btell\s+me\s+about\s+yourself\b|你是谁|你叫什么|你是什么模型|"
    r"你是哪个|谁(?:开发|创造|训练|制造|做)了你|你是哪家|介绍一下?你自己|自我介绍|あなたは誰|"
    r"あなたの名前|自己紹介|누구(?:야|니|세요|입니까)|자기소개|кто\s+ты|как\s+тебя\s+зовут|"
    r"кто\s+тебя\s+(?:создал|разработал|сделал)|qui[eé]n\s+eres|qui[eé]n\s+te\s+(?:cre[oó]|"
    r"desarroll[oó])|qui\s+es[\s-]tu|qui\s+t['’]a\s+(?:créé|conçu)|wer\s+bist\s+du|"
    r"wer\s+hat\s+dich|من\s+أنت|ما\s+اسمك|quem\s+é\s+você|chi\s+sei|bạn\s+là\s+ai|"
    r"sen\s+kimsin|आप\s+कौन", re.IGNORECASE)
_PARAGRAPH = re.compile(r"\n\s*\n")
_FLAGS = re.IGNORECASE | re.MULTILINE

# Name chunks that say nothing about identity; dropped to get the short form of a name.
_SUFFIX = re.compile(r"^(?:\d+(?:\.\d+)?[bkm]|\d{4,8}|instruct|chat|latest|preview|online|hf|it|"
                     r"v\d+(?:\.\d+)?|exp|fp\d+|awq|gguf|q\d\w*)$", re.IGNORECASE)
# "openai" is the protocol of every OpenAI-compatible server, not a maker
_GENERIC_PROVIDERS = frozenset({"openai", "fake", "openai-compatible", "openrouter", "vllm",
                                "ollama", "llama.cpp", "litellm"})


def _name_terms(name: str, kind: Kind) -> list[table.Term]:
    """Terms for a roster name or upstream model id: the whole thing and its short form."""
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
        # one plain word ("claude", "ava") may be an ordinary word: self-reference only
        level = table.STRONG if len(form) > 1 or any(ch.isdigit() for ch in label) else table.WEAK
        terms.append(table.Term(label, kind, level, pattern, needles=(form[0].lower(),)))
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
    """A set of terms, compiled: which one matched, and a cheap test that none can."""

    terms: tuple[table.Term, ...]
    regex: re.Pattern[str]
    needles: tuple[str, ...]

    @classmethod
    def of(cls, terms: Iterable[table.Term]) -> _Vocabulary:
        # own-name terms first, then longest first, so "Mistral AI" beats "Mistral"
        ordered = tuple(sorted(terms, key=lambda t: (t.kind != "name", -len(t.pattern))))
        needles = tuple(sorted({n for t in ordered for n in t.needles}))
        return cls(ordered, re.compile(_union(ordered), _FLAGS), needles)

    def may_match(self, lowered: str) -> bool:
        return any(n in lowered for n in self.needles)

    def find(self, text: str, pos: int = 0, endpos: int | None = None) -> list[_Hit]:
        if not self.may_match(text[pos:endpos].lower()):
            return []
        end = len(text) if endpos is None else endpos
        return [_Hit(m, self.terms[int(m.lastgroup[1:])])
                for m in self.regex.finditer(text, pos, end) if m.lastgroup]


@dataclass(frozen=True)
class _Hit:
    match: re.Match[str]
    term: table.Term


@dataclass(frozen=True)
class _Templates:
    before: re.Pattern[str]  # any before-only context, ending where the term starts
    after: re.Pattern[str]  # any after-only context, starting where the term ends
    around: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]

    @classmethod
    def build(cls) -> _Templates:
        return cls(
            before=re.compile("(?:" + "|".join(_BEFORE_ONLY) + r")\Z", _FLAGS),
            after=re.compile("|".join(_AFTER_ONLY), _FLAGS),
            around=tuple((re.compile(f"(?:{b})\\Z", _FLAGS), re.compile(a, _FLAGS))
                         for b, a in _AROUND),
        )

    def self_reference(self, text: str, start: int, end: int) -> bool:
        lo = max(0, start - _WINDOW_BEFORE)
        if self.before.search(text, lo, start) or self.after.match(text, end):
            return True
        return any(b.search(text, lo, start) and a.match(text, end) for b, a in self.around)


@dataclass(frozen=True)
class _Model:
    own: _Vocabulary
    families: frozenset[str]


def _own_terms(model: ModelConfig, families: list[table.Family]) -> list[table.Term]:
    terms: dict[str, table.Term] = {}

    def add(t: table.Term) -> None:
        # the same text may come from the name and the table; keep the stronger reading
        old = terms.get(t.pattern.lower())
        if old is None or t.level > old.level:
            terms[t.pattern.lower()] = t

    for t in _name_terms(model.name, "name") + _name_terms(model.upstream_model, "name"):
        add(t)
    for fam in families:
        for t in fam.terms:
            add(t)
    weak = {t.label.casefold() for f in table.FAMILIES for t in f.terms if t.level == table.WEAK}
    for alias in (a.strip() for a in model.aliases):
        if alias:
            # the operator says this word reveals the model, unless it is a known homonym
            level = table.WEAK if alias.casefold() in weak else table.STRONG
            add(table.Term(alias, "alias", level, re.escape(alias), needles=(alias.lower(),)))
    return list(terms.values())


def _excerpt(text: str, start: int, end: int, width: int = 60) -> str:
    lo, hi = max(0, start - width), min(len(text), end + width)
    core = " ".join(text[lo:hi].split())
    return ("…" if lo else "") + core + ("…" if hi < len(text) else "")


def _passage(text: str, start: int, end: int, width: int = 300) -> tuple[int, int]:
    """The paragraph around a match, at most ``width`` characters either side."""
    lo = max(0, start - width)
    for m in _PARAGRAPH.finditer(text, lo, start):
        lo = m.end()
    nxt = _PARAGRAPH.search(text, end, min(len(text), end + width))
    return lo, nxt.start() if nxt else min(len(text), end + width)


class IdentityChecker:
    """Decides whether a model's answers in a battle reveal the model; built once."""

    def __init__(self, models: Iterable[ModelConfig]) -> None:
        roster = list(models)
        self._templates = _Templates.build()
        self._models: dict[str, _Model] = {}
        for m in roster:
            fams = _families_of(m)
            self._models[m.name] = _Model(_Vocabulary.of(_own_terms(m, fams)),
                                          frozenset(f.key for f in fams))
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

    def check(self, model_name: str, answers: Iterable[str],
              prompts: Iterable[str] = ()) -> Leak | None:
        """The first leak in ``answers`` (self-references before mere mentions), or None."""
        model = self._get(model_name)
        candidates: list[tuple[int, str, _Hit]] = []
        for i, text in enumerate(answers):
            for hit in model.own.find(text):
                m = hit.match
                if self._templates.self_reference(text, m.start(), m.end()):
                    lo = max(0, m.start() - _WINDOW_BEFORE)
                    return Leak(m.group(), hit.term.kind,
                                _excerpt(text, max(lo, m.start() - 60), m.end()),
                                "self_reference", i)
                if hit.term.level >= table.NAMED:
                    candidates.append((i, text, hit))
        if not candidates:
            return None
        return self._mention(model_name, model, candidates, "\n".join(prompts))

    def _mention(self, name: str, model: _Model, candidates: list[tuple[int, str, _Hit]],
                 prompt: str) -> Leak | None:
        """An unprompted product name, or a maker named to a user who asked who this is."""
        written = {h.term.label for h in model.own.find(prompt)}
        asks_identity = bool(_IDENTITY_QUESTION.search(prompt))
        about_ai = bool(written or _AI_TOPIC.search(prompt)
                        or self._others(name, model, prompt, 0, len(prompt), table.NAMED))
        if about_ai and not asks_identity:
            return None
        for i, text, hit in candidates:
            term, m = hit.term, hit.match
            if term.label in written:
                continue
            if not (term.level == table.STRONG or (term.kind == "maker" and asks_identity)):
                continue
            if self._others(name, model, text, *_passage(text, m.start(), m.end()), table.WEAK):
                continue  # a comparison, or a list of several makers' models
            return Leak(m.group(), term.kind, _excerpt(text, m.start(), m.end()), "mention", i)
        return None

    def _others(self, name: str, model: _Model, text: str, lo: int, hi: int,
                min_level: int) -> bool:
        """Does text[lo:hi] name a model or maker other than ``name``'s own?"""
        for hit in self._all.find(text, lo, hi):
            owner = self._owner.get(id(hit.term), "")
            if hit.term.level >= min_level and owner not in model.families \
                    and owner != "model:" + name:
                return True
        return False

    def _get(self, model_name: str) -> _Model:
        try:
            return self._models[model_name]
        except KeyError:
            raise KeyError(f"model {model_name!r} is not in the roster the IdentityChecker "
                           f"was built from") from None
