"""Language tags (``lang:XX``) on short everyday prompts and on labelled sets: the
held-out half (identity_blind3 + identity_blind4) was never used to choose anything."""

from __future__ import annotations

import pytest

from arena.ranking.categories import detect_categories, detect_language
from benchmarks.language import hand_sets


@pytest.mark.parametrize("prompt, lang", [
    ("Wer bist du?", "de"),  # was tagged fr
    ("Qui es-tu ?", "fr"),  # had no tag
    ("Quelle est la capitale de l'Australie ?", "fr"),  # had no tag
    ("¿Cuál es la capital de Australia?", "es"),
    ("Qual é a capital da Austrália?", "pt"),
    ("Come si chiama il tuo creatore?", "it"),
    ("Hoe laat is het in Tokio?", "nl"),
    ("Vad heter Sveriges huvudstad?", "sv"),
    ("Kim jesteś i kto cię stworzył?", "pl"),
    ("Bana bir şiir yazar mısın?", "tr"),
    ("Кто тебя создал?", "ru"),
    ("بهترین زمان سفر به اصفهان کی است؟", "fa"),
    ("What is the capital of Australia?", "en"),
])
def test_everyday_prompts_get_their_language(prompt, lang):
    assert detect_language(prompt) == lang
    assert f"lang:{lang}" in detect_categories([prompt], turns=1)


@pytest.mark.parametrize("text", ["It costs $5 and $10 later.", "12345 !!!", ""])
def test_no_tag_from_another_script_or_from_nothing(text):
    assert detect_language(text) in (None, "en")


@pytest.mark.parametrize("sets, floor", [
    (("identity_eval", "identity_blind"), 0.95),  # dev: 96.5% measured
    (("identity_blind3", "identity_blind4"), 0.92),  # held-out: 95.1% measured
])
def test_accuracy_on_labelled_prompts(sets, floor):
    samples = hand_sets(*sets)
    got = [detect_language(text) for text, _ in samples]
    right = sum(g == lang for g, (_, lang) in zip(got, samples, strict=True))
    wrong = sum(g is not None and g != lang for g, (_, lang) in zip(got, samples, strict=True))
    assert right / len(samples) >= floor
    assert wrong / len(samples) <= 0.03  # a wrong tag is worse than none


def test_accuracy_on_real_arena_prompts():
    """95 real Chatbot Arena prompts with the battle's own language label, kept in
    tests/data (see LANGUAGE_PROMPTS.md; Apache-2.0, lm-sys/FastChat), so the floor holds
    without ../shared: 94.9% dev / 94.6% held-out measured, 5.1% / 5.4% wrong (the
    stop-word detector had the same figures on this set: English-heavy, long prompts)."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data" / "language_prompts.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    assert len(rows) == 95
    got = [detect_language(r["text"]) for r in rows]
    right = sum(g == r["lang"] for g, r in zip(got, rows, strict=True))
    wrong = sum(g is not None and g != r["lang"] for g, r in zip(got, rows, strict=True))
    assert right / len(rows) >= 0.90
    assert wrong / len(rows) <= 0.08
