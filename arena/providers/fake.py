"""A scripted, deterministic provider: the arena's ``MockTransport``.

Tests, benchmarks and the demo mode use it in place of a real model. The same history
always gets the same answer, and different prompts get different answers (the text is
seeded by a hash of the model's name, the system prompt and the whole history), so a
demo looks alive and a test can assert exact text.

Roster entry (``provider = "fake"``); the persona is ``options.persona`` or else the
upstream ``model``:

- ``concise``  — one to three plain sentences;
- ``verbose``  — several paragraphs;
- ``markdown`` — a header, bullets, bold, a table and a fenced code block;
- ``leaky``    — names itself ("As <name>, made by <maker>, ...") when asked who it is
  and for about a third of other prompts, so the leak detector has work to do;
- ``echo``     — repeats the last user message.

``options`` (all optional): ``script`` (fixed text to stream instead), ``maker`` (for the
leaky persona; default "Fake Labs"), ``delay_s`` (pause between chunks; else
``ProviderOptions.extra["demo_delay_s"]``; else none), ``first_token_delay_s`` (pause
before the first chunk; default ``delay_s``), ``chunk_words`` (words per chunk, default
1), ``fail`` (one of ``FAILURES``), ``fail_after_chunks`` (default 0) and ``fail_rate``
(share of prompts that fail, chosen by hash; default 1). A ``stall`` goes quiet and
raises ``ProviderTimeout`` after ``ProviderOptions.request_timeout_s``, as a real
adapter would.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import re
from collections import deque
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from arena.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from arena.providers._common import Stopwatch, call_params
from arena.providers.base import ChatRequest, Delta, Message, ProviderOptions, StreamEvent
from arena.settings import ModelConfig
from arena.types import FinishReason

PERSONAS = ("concise", "verbose", "markdown", "leaky", "echo")
FAILURES = ("error", "rate_limit", "timeout", "cut", "stall", "auth", "bad_request")
DEFAULT_MAKER = "Fake Labs"

_OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "persona": (str,), "script": (str,), "maker": (str,), "fail": (str,),
    "delay_s": (int, float), "first_token_delay_s": (int, float), "fail_rate": (int, float),
    "chunk_words": (int,), "fail_after_chunks": (int,),
}

_FAILURE_ERRORS: dict[str, Callable[[str], ProviderError]] = {
    "error": lambda who: ProviderUnavailable(f"{who}: scripted upstream error (HTTP 500)"),
    "rate_limit": lambda who: ProviderRateLimited(f"{who}: scripted rate limit (HTTP 429)"),
    "timeout": lambda who: ProviderTimeout(f"{who}: scripted timeout"),
    "cut": lambda who: ProviderUnavailable(f"{who}: scripted cut, the stream ended early"),
    "stall": lambda who: ProviderTimeout(f"{who}: scripted stall outlasted the timeout"),
    "auth": lambda who: ProviderAuthError(f"{who}: scripted bad key (HTTP 401)"),
    "bad_request": lambda who: ProviderBadRequest(f"{who}: scripted bad request (HTTP 400)"),
}

# "who are you" and its cousins make the leaky persona name itself every time.
_IDENTITY_QUESTION = re.compile(
    r"\b(who|what)\s+(are|r)\s+(you|u)\b|\bwhich\s+model\b|\bwhat\s+model\b|\byour\s+name\b"
    r"|\bwho\s+(made|built|created|trained)\s+you\b|\bintroduce\s+yourself\b",
    re.IGNORECASE,
)


def approx_tokens(text: str) -> int:
    """About four characters a token, the usual rule of thumb for English."""
    return approx_tokens_of(len(text))


def approx_tokens_of(chars: int) -> int:
    return math.ceil(chars / 4)


def split_chunks(text: str, words_per_chunk: int = 1) -> list[str]:
    """Split into word-sized pieces (each keeps its trailing spaces); they join back to
    ``text`` exactly."""
    pieces = [p for p in re.split(r"(?<=\s)(?=\S)", text) if p]
    step = max(1, words_per_chunk)
    return ["".join(pieces[i:i + step]) for i in range(0, len(pieces), step)]


def history_seed(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


class FakeProvider:
    """Streams a persona's answer (or a fixed script) at a scripted pace."""

    def __init__(self, config: ModelConfig, options: ProviderOptions) -> None:
        self._config = config
        self._options = options
        opts = _validated_options(config)
        self.persona: str = opts.get("persona", config.upstream_model)
        if opts.get("script") is None and self.persona not in PERSONAS:
            raise ConfigError(f"model {config.name!r}: unknown fake persona {self.persona!r}; "
                              f"set model (or options.persona) to one of {', '.join(PERSONAS)}")
        self._script: str | None = opts.get("script")
        self._maker: str = opts.get("maker", DEFAULT_MAKER)
        self._delay_s = float(opts.get("delay_s", options.extra.get("demo_delay_s", 0.0)))
        self._first_delay_s = float(opts.get("first_token_delay_s", self._delay_s))
        self._chunk_words: int = opts.get("chunk_words", 1)
        self._fail: str | None = opts.get("fail")
        self._fail_after: int = opts.get("fail_after_chunks", 0)
        self._fail_rate = float(opts.get("fail_rate", 1.0))
        # The last requests, for tests that check what the battle service sent. Bounded,
        # because a demo server runs for days.
        self.requests: deque[ChatRequest] = deque(maxlen=100)

    def set_failure(self, fail: str | None) -> None:
        """Switch the scripted failure (one of ``FAILURES``) on, or off with None: a model
        whose server goes down and comes back."""
        if fail is not None and fail not in FAILURES:
            raise ValueError(f"fail must be one of {', '.join(FAILURES)} or None")
        self._fail = fail

    def reply_for(self, request: ChatRequest) -> str:
        """The full text this provider answers ``request`` with (before any truncation)."""
        if self._script is not None:
            return self._script
        params = call_params(request, self._config, self._options)
        return compose_reply(self.persona, request.messages, name=self._config.name,
                             maker=self._maker, system_prompt=params.system_prompt)

    async def stream(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        watch = Stopwatch()
        self.requests.append(request)
        params = call_params(request, self._config, self._options)
        chunks = split_chunks(self.reply_for(request), self._chunk_words)
        failure = self._failure_for(request)
        sent = chars = 0
        finish_reason: FinishReason = "stop"
        for chunk in chunks:
            if failure is not None and sent == self._fail_after:
                await self._fail_now(failure)
            if approx_tokens_of(chars + len(chunk)) > params.max_tokens:
                finish_reason = "length"
                break
            await self._pause(self._delay_s if sent else self._first_delay_s)
            sent, chars = sent + 1, chars + len(chunk)
            watch.token()
            yield Delta(chunk)
        if failure is not None and sent <= self._fail_after:
            await self._fail_now(failure)
        prompt_chars = sum(len(m.content) for m in request.messages)
        prompt_chars += len(params.system_prompt or "")
        yield watch.finished(finish_reason, approx_tokens_of(prompt_chars),
                             approx_tokens_of(chars))

    async def aclose(self) -> None:
        return None

    def _failure_for(self, request: ChatRequest) -> str | None:
        if self._fail is None or self._fail_rate <= 0:
            return None
        if self._fail_rate >= 1:
            return self._fail
        seed = history_seed("fail", *(m.content for m in request.messages))
        return self._fail if (seed % 10_000) / 10_000 < self._fail_rate else None

    async def _fail_now(self, failure: str) -> None:
        who = f"fake model {self._config.name!r}"
        if failure == "stall":
            await asyncio.sleep(self._options.request_timeout_s)
        raise _FAILURE_ERRORS[failure](who)

    @staticmethod
    async def _pause(seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


def _validated_options(config: ModelConfig) -> dict[str, Any]:
    opts = dict(config.options)
    problems: list[str] = []
    for key, value in opts.items():
        types = _OPTION_TYPES.get(key)
        if types is None:
            problems.append(f"unknown option {key!r} (known: {', '.join(sorted(_OPTION_TYPES))})")
        elif not isinstance(value, types) or isinstance(value, bool):
            problems.append(f"option {key!r} has the wrong type {type(value).__name__}")
    if isinstance(opts.get("fail"), str) and opts["fail"] not in FAILURES:
        problems.append(f"option 'fail' must be one of {', '.join(FAILURES)}")
    for key in ("delay_s", "first_token_delay_s", "fail_after_chunks", "fail_rate"):
        if isinstance(opts.get(key), int | float) and opts[key] < 0:
            problems.append(f"option {key!r} must not be negative")
    if isinstance(opts.get("chunk_words"), int) and opts["chunk_words"] < 1:
        problems.append("option 'chunk_words' must be at least 1")
    if problems:
        raise ConfigError(f"model {config.name!r}: " + "; ".join(problems))
    return opts


# --- the personas' text ---------------------------------------------------------------

_STOPWORD_TEXT = (
    "a an and are about also any because been best better between can compare contrast could "
    "difference do "
    "does doing done find for from get give good have how into is it its just know learn like "
    "make me more most much my need need of on or please quickly really should some start "
    "tell than that the their them then there these thing things think this those to use "
    "using versus want was way ways what when where which who why will with work would write "
    "you your explain yourself"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_OPENERS = ("Short answer:", "In brief:", "Put simply:", "Quick take:", "The key point:")
_ASPECTS = (
    "the constraints you care about most", "how much data you have",
    "the trade-off between speed and clarity", "what you already know",
    "the context it will be used in", "cost and upkeep over time",
    "who has to live with the result", "how you will know it worked",
)
_CLAIMS = (
    "with {topic}, most of the outcome comes down to {aspect}.",
    "start with the simplest version of {topic} and refine it once you see where it falls "
    "short.",
    "most confusion about {topic} disappears once you separate the goal from the method.",
    "a good rule of thumb for {topic} is to measure before you optimise.",
    "there is rarely one right answer about {topic}; it depends on {aspect}.",
    "people often overlook {aspect} when they think about {topic}.",
    "the usual mistake with {topic} is trying to do everything at once.",
    "try {topic} on a small case first, then generalise from what you learn.",
    "experts argue about the details of {topic}, but agree that {aspect} is central.",
    "write down what success looks like for {topic} before you start.",
    "good explanations of {topic} use concrete examples rather than definitions.",
    "when in doubt about {topic}, weigh {aspect} first.",
)
_TRANSITIONS = ("First,", "Second,", "Beyond that,", "In practice,", "A related point:",
                "Finally,")
_LABELS = ("Scope", "Trade-offs", "Evidence", "Pitfalls", "Next step", "Tooling", "Pace")
_APPROACHES = (("Incremental", "low risk", "slower to show results"),
               ("Big rewrite", "clean slate", "easy to underestimate"),
               ("Prototype first", "fast feedback", "throwaway work"),
               ("Copy a proven recipe", "predictable", "may not fit your case"),
               ("Measure, then decide", "grounded choices", "needs good data"))
_CODE = (
    'def {name}(items):\n    """Return the items, shortest first."""\n'
    "    return sorted(items, key=len)",
    'def {name}(values):\n    """Average of the values, or None when there are none."""\n'
    "    return sum(values) / len(values) if values else None",
    'def {name}(text):\n    """Count how often each word appears."""\n'
    "    counts = {{}}\n    for word in text.split():\n"
    "        counts[word] = counts.get(word, 0) + 1\n    return counts",
)


def compose_reply(persona: str, messages: Sequence[Message], *, name: str,
                  maker: str = DEFAULT_MAKER, system_prompt: str | None = None) -> str:
    """The deterministic answer of ``persona`` to a history (its last message is the user's)."""
    prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
    if persona == "echo":
        return prompt
    seed = history_seed(name, system_prompt or "", *(f"{m.role}:{m.content}" for m in messages))
    writer = _Writer(random.Random(seed), _topic(prompt))
    if persona == "verbose":
        return writer.verbose()
    if persona == "markdown":
        return writer.markdown()
    text = writer.concise()
    if persona != "leaky":
        return text
    if _IDENTITY_QUESTION.search(prompt):
        return f"I'm {name}, a model made by {maker}. {text}"
    if seed % 3 == 0:
        return f"As {name}, made by {maker}, I can help with that. {text}"
    return text


def _topic(prompt: str) -> str:
    """The first two telling words of the prompt, as the user wrote them."""
    words: list[str] = []
    for word in re.findall(r"[^\W\d_][\w'+#-]*", prompt):
        if len(word) > 2 and word.lower() not in _STOPWORDS and word not in words:
            words.append(word)
    return " and ".join(words[:2]) or "your question"


class _Writer:
    """Draws sentences from a shuffled deck so one answer does not repeat itself."""

    def __init__(self, rng: random.Random, topic: str) -> None:
        self._rng = rng
        self._topic = topic
        self._deck: list[str] = []

    def claim(self) -> str:
        if not self._deck:
            self._deck = self._rng.sample(_CLAIMS, len(_CLAIMS))
        text = self._deck.pop().format(topic=self._topic, aspect=self._rng.choice(_ASPECTS))
        return text[0].upper() + text[1:]

    def concise(self) -> str:
        claims = [self.claim() for _ in range(self._rng.randint(1, 2))]
        return " ".join([self._rng.choice(_OPENERS), *claims])

    def verbose(self) -> str:
        count = self._rng.randint(3, 5)
        picked = sorted(self._rng.sample(range(len(_TRANSITIONS) - 1), count - 1))
        transitions = [_TRANSITIONS[i] for i in picked] + [_TRANSITIONS[-1]]
        paragraphs = []
        for transition in transitions:
            sentences = [self.claim() for _ in range(self._rng.randint(3, 4))]
            first = sentences[0]
            sentences[0] = f"{transition} {first[0].lower()}{first[1:]}"
            paragraphs.append(" ".join(sentences))
        return "\n\n".join(paragraphs)

    def markdown(self) -> str:
        rng, topic = self._rng, self._topic
        title = topic[0].upper() + topic[1:] if topic != "your question" else "An overview"
        bullets = [f"- **{label}**: {self.claim()}" for label in rng.sample(_LABELS, 3)]
        rows = [f"| {a} | {s} | {w} |" for a, s, w in rng.sample(_APPROACHES, 3)]
        name = re.sub(r"\W", "_", "_".join(topic.lower().split())) or "helper"
        code = rng.choice(_CODE).format(name=name if name.isidentifier() else "helper")
        return "\n".join([
            f"## {title}", "", self.claim(), "", "**Key points**", "", *bullets, "",
            "| Approach | Strength | Watch out for |", "|---|---|---|", *rows, "",
            "A small example:", "", "```python", code, "```", "", self.claim(),
        ])
