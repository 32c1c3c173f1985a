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
