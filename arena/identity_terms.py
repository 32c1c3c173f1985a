"""The built-in table of model families for ``arena.identity``: for each family, the words
in a model's roster name or id that place a model in it, and the terms (product, model and
maker names, in the scripts they are written in) that give such a model away, each with
its level — a precision decision explained in ``arena/identity.py``'s docstring.

Data, not logic: add a family here and ``IdentityChecker`` knows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["name", "family", "maker", "alias"]


@dataclass(frozen=True)
class Term:
    label: str  # canonical spelling, what terms_for() reports
    kind: Kind
    level: int  # STRONG, NAMED or WEAK
    pattern: str  # regex body without boundaries
    case_sensitive: bool = False
    needles: tuple[str, ...] = ()  # lower-case substrings, one of which any match contains


@dataclass(frozen=True)
class Family:
    key: str
    detect: tuple[str, ...]  # name/model-id tokens that mean "this family"
    terms: tuple[Term, ...]


# A product name that counts wherever the model writes it unprompted (ChatGPT, 通义千问).
STRONG = 2
# A model or maker name that is never an ordinary word but is also what everyone discusses
# (GPT-3, Llama 2, Mixtral, OpenAI): it sets the topic of a prompt and marks a comparison,
# and counts in a self-reference, or for a maker when the user asked who the model is.
NAMED = 1
# An ordinary word too (Claude, Gemini, Yi, Google): self-reference only.
WEAK = 0


def _spaced(label: str) -> str:
    """The label's regex, allowing a space or hyphen where the case changes inside a Latin
    word ("Chat GPT", "Chat-GPT", "Deep Seek"), since a voter reads those as the name."""
    parts = re.split(r"(?<=[a-z])(?=[A-Z])", label) if re.fullmatch(r"[A-Za-z]+", label) else []
    if len(parts) < 2:
        return re.escape(label)
    return r"[\s\-‐]?".join(re.escape(p) for p in parts)


def _needles(label: str) -> tuple[str, ...]:
    """What any spelling of the label contains: itself, or for a name that may be split
    ("Chat GPT"), its last part ("gpt"), or its longest when the last is too short."""
    parts = re.split(r"(?<=[a-z])(?=[A-Z])", label) if re.fullmatch(r"[A-Za-z]+", label) else []
    if len(parts) < 2:
        return (label.lower(),)
    part = parts[-1] if len(parts[-1]) >= 3 else max(parts, key=len)
    return (part.lower(),)


def term(level: int, label: str, kind: Kind, pat: str | None, cs: bool,
         needles: tuple[str, ...]) -> Term:
    return Term(label, kind, level, pat or _spaced(label), cs, needles or _needles(label))


def _s(label: str, kind: Kind = "family", pat: str | None = None, cs: bool = False,
       needles: tuple[str, ...] = ()) -> Term:
    return term(STRONG, label, kind, pat, cs, needles)


def _n(label: str, kind: Kind = "family", pat: str | None = None, cs: bool = False,
       needles: tuple[str, ...] = ()) -> Term:
    return term(NAMED, label, kind, pat, cs, needles)


def _w(label: str, kind: Kind = "family", pat: str | None = None, cs: bool = False,
       needles: tuple[str, ...] = ()) -> Term:
    return term(WEAK, label, kind, pat, cs, needles)


# The built-in table. The level of each term is a precision decision; see the module doc.
# Makers that everybody mentions for other reasons (search, shopping, social media) are weak.
FAMILIES: tuple[Family, ...] = (
    Family("openai", ("gpt", "chatgpt", "o1", "o3", "o4", "davinci", "openai"), (
        _s("ChatGPT"), _s("チャットGPT"), _s("チャットジーピーティー"), _s("챗지피티"),
        _s("ЧатГПТ"), _s("챗GPT"), _s("شات جي بي تي"),
        _n("GPT-4", pat=r"gpt[\s\-]?[345](?:\.\d+)?(?:[\s\-]?(?:o|turbo|mini|omni|preview))*",
           needles=("gpt",)),
        _n("o1-mini", pat=r"o[134][\s\-](?:mini|preview|pro)", needles=("o1", "o3", "o4")),
        _w("GPT", cs=True),  # also the GUID partition table
        _n("OpenAI", "maker", r"OpenAI|Open[\s\-‐]?AI|OPENAI|openai|Openai", cs=True,
           needles=("openai", "open ai", "open-ai", "open‐ai")),
        _n("オープンAI", "maker"), _n("오픈AI", "maker"),
        _n("أوبن إيه آي", "maker"),
    )),
    Family("anthropic", ("claude", "anthropic"), (
        _w("Claude"), _w("クロード"), _w("클로드"), _w("Клод"), _w("كلود"), _w("克劳德"),
        _n("Claude 3", pat=r"claude(?:[\s\-]?(?:\d(?:\.\d+)?|instant|opus|sonnet|haiku|v\d)"
                           r"|\.ai|\s+ai)", needles=("claude",)),
        # "the anthropic principle" is physics; the company is always capitalised
        _n("Anthropic", "maker", r"(?:Anthropic|ANTHROPIC)(?!\s+(?:principles?|reasoning|bias|"
                                 r"arguments?|selection|explanations?|shadow))", cs=True),
        _n("アンソロピック", "maker"), _n("アントロピック", "maker"), _n("앤트로픽", "maker"),
        _n("أنثروبيك", "maker"),
    )),
    Family("google", ("gemini", "palm", "bison", "gemma", "bard", "google", "lamda"), (
        _w("Gemini"), _w("ジェミニ"), _w("제미나이"), _w("Джемини"), _w("جيميني"), _w("双子座AI"),
        _n("Gemini 1.5", pat=r"gemini[\s\-]?(?:\d(?:\.\d+)?|pro|ultra|nano|flash|advanced|exp)",
           needles=("gemini",)),
        _w("Bard"), _n("Google Bard", pat=r"google\s+bard", needles=("bard",)),
        _w("PaLM", cs=True), _n("PaLM 2", pat=r"palm[\s\-]?2|palm-e", needles=("palm",)),
        _n("LaMDA", cs=True), _w("Gemma"), _n("Gemma 2", pat=r"gemma[\s\-]?\d", needles=("gemma",)),
        _w("Google", "maker"), _w("谷歌", "maker"), _w("グーグル", "maker"), _w("구글", "maker"),
        _w("Гугл", "maker"), _w("جوجل", "maker"),
        _w("Google AI", "maker", r"google\s+ai", needles=("google",)),
        _n("DeepMind", "maker"),
    )),
    Family("meta", ("llama", "meta", "codellama"), (
        _w("Llama"), _n("LLaMA", pat=r"LLaMA|LLaMa", cs=True),
        _n("Llama 3", pat=r"llama[\s\-]?\d(?:\.\d+)?|code\s?llama|llama\s?guard",
           needles=("llama",)),
        _w("Meta", "maker"), _n("Meta AI", "maker", r"meta\s+ai", needles=("meta",)),
        _n("Meta Platforms", "maker", r"meta\s+platforms(?:,?\s+inc\b\.?)?", needles=("meta",)),
        _w("ラマ"), _w("라마"), _w("Лама"), _w("Ллама"),
        _w("Facebook", "maker"),
    )),
    Family("mistral", ("mistral", "mixtral", "codestral", "ministral", "pixtral", "magistral"), (
        _w("Mistral"), _s("Le Chat", cs=True), _w("ミストラル"), _w("미스트랄"), _w("Мистраль"),
        _n("Mistral Large", pat=r"mistral[\s\-]?(?:\d+b|large|medium|small|tiny|nemo|saba)",
           needles=("mistral",)),
        _n("Mixtral"), _n("Codestral"), _n("Ministral"), _n("Pixtral"), _n("Magistral"),
        _n("Mistral AI", "maker", r"mistral[\s\-]?ai", needles=("mistral",)),
    )),
    Family("qwen", ("qwen", "qwq", "tongyi"), (
        _s("Qwen"), _n("QwQ"), _s("クウェン"), _s("큐웬"), _s("Квен"),
        _s("通义千问"), _s("通義千問"), _s("通义"), _s("通義"), _w("千问"),
        _s("Tongyi Qianwen", pat=r"tongyi(?:\s?qianwen)?", needles=("tongyi",)),
        _w("Alibaba", "maker"), _w("Alibaba Cloud", "maker", r"alibaba\s+cloud"),
        _w("阿里巴巴", "maker"), _w("阿里云", "maker"), _w("阿里", "maker"),
        _w("アリババ", "maker"), _w("알리바바", "maker"), _n("通义实验室", "maker"),
    )),
    Family("baidu", ("ernie", "wenxin"), (
        _w("ERNIE"), _s("ERNIE Bot", pat=r"ernie[\s\-]?bot", needles=("ernie",)),
        _n("ERNIE 4.0", pat=r"ernie[\s\-]?(?:\d(?:\.\d+)?|speed|lite|turbo)", needles=("ernie",)),
        _s("文心一言"), _s("文心大模型"), _w("文心"),
        _s("Wenxin Yiyan", pat=r"wenxin(?:\s?yiyan)?", needles=("wenxin",)),
        _w("Baidu", "maker"), _w("百度", "maker"),
    )),
    Family("bytedance", ("doubao", "skylark"), (
        _s("Doubao"), _w("豆包"), _s("豆包大模型"), _w("Skylark"), _w("云雀"),
        _w("ByteDance", "maker"), _w("字节跳动", "maker"), _w("字节", "maker"),
        _w("火山引擎", "maker"),
    )),
    Family("zhipu", ("glm", "chatglm", "zhipu", "codegeex"), (
        _s("ChatGLM"), _w("GLM"), _n("GLM-4", pat=r"glm[\s\-]?\d", needles=("glm",)),
        _s("智谱清言"), _w("清言"), _n("CodeGeeX"), _n("Zhipu", "maker"), _n("智谱", "maker"),
    )),
    Family("moonshot", ("moonshot", "kimi"), (
        _w("Kimi"), _s("Kimi Chat", pat=r"kimi\s?(?:chat|ai|k\d(?:\.\d)?)", needles=("kimi",)),
        _w("Moonshot", "maker"),
        _n("Moonshot AI", "maker", r"moonshot\s?ai", needles=("moonshot",)),
        _w("月之暗面", "maker"), _n("月之暗面科技", "maker"), _n("月之暗面公司", "maker"),
    )),
    Family("deepseek", ("deepseek",), (
        _s("DeepSeek"), _n("深度求索", "maker"), _s("ディープシーク"), _s("딥시크"), _s("ДипСик"),
    )),
    Family("01ai", ("yi",), (
        _w("Yi"), _n("Yi-Large", pat=r"yi[\s\-](?:\d+(?:\.\d+)?b?|large|lightning|medium|vision)",
                      needles=("yi",)),
        _n("01.AI", "maker", r"01[.\-]?ai", needles=("01",)), _n("零一万物", "maker"),
        _n("Lingyiwanwu", "maker"),
    )),
    Family("microsoft", ("phi", "orca", "wizardlm"), (
        _w("Phi"), _n("Phi-3", pat=r"phi[\s\-]?\d(?:\.\d+)?", needles=("phi",)), _w("Orca"),
        _n("Orca 2", pat=r"orca[\s\-]?2", needles=("orca",)), _n("WizardLM"), _w("Copilot"),
        _w("Microsoft", "maker"), _w("微软", "maker"),
    )),
    Family("xai", ("grok", "xai"), (
        _w("Grok"), _n("Grok-2", pat=r"grok[\s\-]?\d(?:\.\d+)?", needles=("grok",)),
        _n("xAI", "maker", cs=True),
    )),
    Family("amazon", ("nova", "titan", "amazon"), (
        _w("Nova"), _w("Titan"), _n("Amazon Nova", pat=r"amazon\s+(?:nova|titan)",
                                     needles=("amazon",)),
        _w("Amazon", "maker"), _w("AWS", "maker", cs=True),
    )),
    Family("cohere", ("command", "cohere", "aya"), (
        _n("Command R", pat=r"command[\s\-]?r(?:\+|\s?plus)?", needles=("command",)), _w("Aya"),
        _w("Cohere", "maker", cs=True),
        _n("Cohere For AI", "maker", r"cohere\s+for\s+ai", needles=("cohere",)),
    )),
    Family("tencent", ("hunyuan",), (
        _s("Hunyuan"), _w("混元"), _s("腾讯混元"), _w("Tencent", "maker"), _w("腾讯", "maker"),
    )),
    Family("iflytek", ("spark", "sparkdesk"), (
        _s("讯飞星火"), _w("星火"), _s("SparkDesk"), _n("iFlytek", "maker"),
        _n("科大讯飞", "maker"),
    )),
    Family("baichuan", ("baichuan",), (
        _s("Baichuan"), _w("百川"), _n("百川智能", "maker"),
    )),
    Family("minimax", ("abab", "minimax"), (
        _w("MiniMax"), _w("abab"), _n("MiniMax AI", "maker", r"minimax\s+ai", needles=("minimax",)),
    )),
    Family("lmsys", ("vicuna", "fastchat"), (
        _w("Vicuna"), _n("Vicuna-13B", pat=r"vicuna[\s\-]?\d", needles=("vicuna",)),
        _n("LMSYS", "maker"),
    )),
)
