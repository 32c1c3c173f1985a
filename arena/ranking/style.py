"""Style metadata of answers, in the shape Chatbot Arena publishes as ``conv_metadata``.

The server calls ``conv_metadata`` when the answers of a battle are recorded and stores
the dict; the ranking turns it into the four style features of style control
(``style_features``). Keys, exactly as in the public Arena battle files::

    sum_assistant_a_tokens, sum_assistant_b_tokens, context_a_tokens, context_b_tokens,
    header_count_a/b: {"h1".."h6"}, list_count_a/b: {"ordered", "unordered"},
    bold_count_a/b: {"**", "__"}, turns

Token counts are an approximation, because no tokenizer can be downloaded here: text is
cut into pieces (ASCII words, digit runs, single CJK/kana/hangul characters, other-script
words, punctuation runs, newline runs) and each piece costs 1 token, plus 1 per further
10 letters of an ASCII word, 3 digits of a number, 2 letters of an other-script word and
3 characters of a punctuation run. On the 588 messages of
``shared/data/fastchat-arena-battles-100`` (whose ``num_tokens`` came from a real BPE
tokenizer) the median ratio estimate/real is about 1.01 and 80% of messages fall within
[0.79, 1.15]; it is worst on Thai and Arabic (about half the real count). Style control
only uses the *relative* length of two answers to one prompt, so a bias common to both
sides cancels out.

Markdown is counted outside fenced code blocks (code is not formatting): headers are
lines starting with 1–6 ``#`` and a space, list items are lines starting with ``-``,
``*`` or ``+`` (unordered) or ``1.``/``1)`` (ordered) and a space, bold is ``**…**`` or
``__…__`` within one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from arena.errors import BadRequest

FEATURES = ("length", "headers", "lists", "bold")

_PIECE = re.compile(
    r"[A-Za-z]+"
    r"|[0-9]+"
    r"|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
    r"|[^\W\d_A-Za-z\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+"
    r"|\n+"
    r"|[^\w\s]+|_+"
)
_FENCE = re.compile(r"^ {0,3}(```|~~~).*?(^ {0,3}\1|\Z)", re.MULTILINE | re.DOTALL)
_HEADER = re.compile(r"^ {0,3}(#{1,6})[ \t]+\S", re.MULTILINE)
_ORDERED = re.compile(r"^[ \t]*\d+[.)][ \t]+\S", re.MULTILINE)
_UNORDERED = re.compile(r"^[ \t]*[-*+][ \t]+\S", re.MULTILINE)
_BOLD_STARS = re.compile(r"\*\*[^*\n]+\*\*")
_BOLD_UNDERSCORES = re.compile(r"__[^_\n]+__")


def count_tokens(text: str) -> int:
    """Approximate BPE token count of ``text`` (see the module docstring)."""
    total = 0
    for piece in _PIECE.findall(text):
        c = piece[0]
        if c.isascii() and c.isalpha():
            total += 1 + (len(piece) - 1) // 10
        elif c.isdigit():
            total += (len(piece) + 2) // 3
        elif c == "\n" or len(piece) == 1:
            total += 1
        elif c.isalpha():
            total += 1 + (len(piece) - 1) // 2
        else:
            total += 1 + (len(piece) - 1) // 3
    return total


def markdown_counts(text: str) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(headers by level, list items by kind, bold spans by marker) outside code fences."""
    prose = _FENCE.sub("", text)
    headers = {f"h{k}": 0 for k in range(1, 7)}
    for hashes in _HEADER.findall(prose):
        headers[f"h{len(hashes)}"] += 1
    lists = {"ordered": len(_ORDERED.findall(prose)), "unordered": len(_UNORDERED.findall(prose))}
    bold = {"**": len(_BOLD_STARS.findall(prose)), "__": len(_BOLD_UNDERSCORES.findall(prose))}
    return headers, lists, bold


def conv_metadata(answers_a: list[str], answers_b: list[str],
                  prompts: list[str]) -> dict[str, Any]:
    """Chatbot-Arena-style ``conv_metadata`` of a battle with one answer per prompt and side.

    ``context_X_tokens`` is what side X had read before its last answer: every prompt
    plus its own earlier answers.
    """
    turns = len(prompts)
    if not turns or len(answers_a) != turns or len(answers_b) != turns:
        raise BadRequest("conv_metadata needs one answer per prompt on each side")
    prompt_tokens = sum(count_tokens(p) for p in prompts)
    meta: dict[str, Any] = {}
    for side, answers in (("a", answers_a), ("b", answers_b)):
        tokens = [count_tokens(t) for t in answers]
        headers = dict.fromkeys((f"h{k}" for k in range(1, 7)), 0)
        lists = {"ordered": 0, "unordered": 0}
        bold = {"**": 0, "__": 0}
        for text in answers:
            for total, part in zip((headers, lists, bold), markdown_counts(text), strict=True):
                for key, value in part.items():
                    total[key] += value
        meta[f"sum_assistant_{side}_tokens"] = sum(tokens)
        meta[f"header_count_{side}"] = headers
        meta[f"list_count_{side}"] = lists
        meta[f"bold_count_{side}"] = bold
        meta[f"context_{side}_tokens"] = prompt_tokens + sum(tokens[:-1])
    meta["turns"] = turns
    return meta


def style_features(raw: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], dict[str, Any]]:
    """Standardised style features from raw counts.

    ``raw`` is (n, 8): tokens, headers, lists, bold of side A then of side B (the layout
    of ``Battles.style``). Each feature is (a − b) / (a + b + 1) — a bounded relative
    difference, 0 when both sides agree — then centred and scaled to unit standard
    deviation over these battles, so each coefficient reads "per standard deviation".
    A feature that never varies is kept at 0 (its coefficient is then reported as 0).
    Returns the (n, 4) features and the centring/scaling used.
    """
    x = np.asarray(raw)
    if x.ndim != 2 or x.shape[1] != 8:
        raise BadRequest("style counts must have shape (n, 8)")
    a = x[:, :4].astype(np.float64)
    b = x[:, 4:].astype(np.float64)
    # In place: at millions of battles every temporary costs tens of milliseconds.
    total = a + b
    total += 1.0
    a -= b
    a /= total
    rel = a
    mean = rel.mean(axis=0) if rel.shape[0] else np.zeros(4)
    rel -= mean
    std = np.sqrt((rel * rel).mean(axis=0)) if rel.shape[0] else np.zeros(4)
    scale = np.where(std > 1e-12, std, 1.0)
    rel /= scale
    feats = rel
    feats[:, std <= 1e-12] = 0.0
    info = {
        "mean": dict(zip(FEATURES, mean.tolist(), strict=True)),
        "std": dict(zip(FEATURES, std.tolist(), strict=True)),
    }
    return feats, info


def answers_of(conversation: Sequence[Any]) -> tuple[list[str], list[str]]:
    """(user prompts, assistant answers) of an OpenAI-style message list."""
    prompts: list[str] = []
    answers: list[str] = []
    for msg in conversation:
        if not isinstance(msg, dict):
            continue
        content = msg.get("content")
        text = content if isinstance(content, str) else ""
        if msg.get("role") == "user":
            prompts.append(text)
        elif msg.get("role") == "assistant":
            answers.append(text)
    return prompts, answers
