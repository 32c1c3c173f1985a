"""Style metadata, style control and category detectors of arena.ranking."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from arena.errors import BadRequest
from arena.ranking import Battles, compute_leaderboard, conv_metadata, detect_categories
from arena.ranking.bt import ELO_SCALE
from arena.ranking.style import count_tokens, markdown_counts, style_features

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
FASTCHAT = SHARED / "fastchat-arena-battles-100" / "labeled.jsonl"


def fastchat_rows() -> list[dict]:
    if not FASTCHAT.exists():
        pytest.skip(
            f"real Arena battles not found at {FASTCHAT} (shared data is not beside the repo)"
        )
    return [json.loads(line) for line in FASTCHAT.read_text().splitlines()]


# --- conv_metadata --------------------------------------------------------------------------

ANSWER = """# Title
Some **bold** text and __more bold__.

## Steps
1. first
2) second
- bullet
* star bullet
+ plus bullet

```python
# not a header
- not a list
x = "**not bold**"
```
### Done
"""


def test_markdown_counts_outside_code_fences():
    headers, lists, bold = markdown_counts(ANSWER)
    assert headers == {"h1": 1, "h2": 1, "h3": 1, "h4": 0, "h5": 0, "h6": 0}
    assert lists == {"ordered": 2, "unordered": 3}
    assert bold == {"**": 1, "__": 1}


def test_conv_metadata_shape_and_sums():
    meta = conv_metadata([ANSWER, "plain"], ["short", "**b**"], ["hello there", "again"])
    assert set(meta) == {
        "sum_assistant_a_tokens",
        "sum_assistant_b_tokens",
        "context_a_tokens",
        "context_b_tokens",
        "header_count_a",
        "header_count_b",
        "list_count_a",
        "list_count_b",
        "bold_count_a",
        "bold_count_b",
        "turns",
    }
    assert meta["turns"] == 2
    assert meta["sum_assistant_a_tokens"] == count_tokens(ANSWER) + count_tokens("plain")
    prompts = count_tokens("hello there") + count_tokens("again")
    assert meta["context_a_tokens"] == prompts + count_tokens(ANSWER)
    assert meta["context_b_tokens"] == prompts + count_tokens("short")
    assert meta["bold_count_b"] == {"**": 1, "__": 0}
    assert meta["header_count_a"]["h1"] == 1 and meta["list_count_a"]["unordered"] == 3
    json.dumps(meta)
    with pytest.raises(BadRequest):
        conv_metadata(["a"], ["b", "c"], ["p"])


def test_token_counts_on_simple_text():
    assert count_tokens("") == 0
    assert count_tokens("Hello, world!") == 4
    assert count_tokens("12345678") == 3  # digit runs cost one token per three digits
    assert count_tokens("你好世界") == 4


def test_token_approximation_tracks_real_tokenizer_counts(capsys):
    ratios = []
    for row in fastchat_rows():
        for side in ("conversation_a", "conversation_b"):
            for msg in row[side]:
                if msg["num_tokens"] > 20:
                    ratios.append(count_tokens(msg["content"]) / msg["num_tokens"])
    r = np.array(ratios)
    median, spread = float(np.median(r)), float(np.mean(np.abs(np.log(r))))
    with capsys.disabled():
        print(
            f"\ntoken approximation on {r.size} real messages: median ratio {median:.3f}, "
            f"mean |log ratio| {spread:.3f}"
        )
    assert 0.9 < median < 1.1
    assert spread < 0.15


# --- style control ---------------------------------------------------------------------------


def planted_style_battles(n: int = 20_000, seed: int = 0) -> tuple[Battles, np.ndarray, float]:
    """Model 0 writes long answers and voters like length: plain BT overrates it."""
    rng = np.random.default_rng(seed)
    m = 6
    true = np.array([0.0, 0.3, 0.2, -0.1, -0.2, -0.2])
    a = rng.integers(0, m, n)
    b = (a + rng.integers(1, m, n)) % m
    verbosity = np.where(np.arange(m) == 0, 900.0, 300.0)
    raw = np.zeros((n, 8))
    raw[:, 0] = rng.gamma(4.0, verbosity[a] / 4.0)
    raw[:, 4] = rng.gamma(4.0, verbosity[b] / 4.0)
    raw[:, [1, 2, 3, 5, 6, 7]] = rng.poisson(2.0, (n, 6))
    feats, _ = style_features(raw)
    beta_length = 0.5
    logit = true[a] - true[b] + beta_length * feats[:, 0]
    o = np.where(rng.random(n) < 1.0 / (1.0 + np.exp(-logit)), 0, 1)
    tie = rng.random(n) < 0.15
    o[tie] = 2
    battles = Battles.from_arrays([f"m{k}" for k in range(m)], a, b, o, style=raw)
    return battles, true, beta_length


@pytest.mark.parametrize("ci", ["sandwich", "bootstrap"])
def test_style_control_recovers_a_planted_length_effect(ci):
    battles, true, beta = planted_style_battles()
    rounds = 30 if ci == "bootstrap" else 200
    styled = compute_leaderboard(battles, style_control=True, ci=ci, bootstrap_rounds=rounds)
    plain = compute_leaderboard(battles, ci="sandwich")
    coef = styled["style"]["coefficients"]
    # Ties count as half wins, which shrinks every logit by the tie share, so compare
    # with a band rather than the exact planted value.
    assert 0.8 * beta * 0.85 < coef["length"] < 1.1 * beta
    for other in ("headers", "lists", "bold"):
        assert abs(coef[other]) < 0.05
    low, high = styled["style"]["ci"]["length"]
    assert low < coef["length"] < high
    truth = (true - true.mean()) * ELO_SCALE * 0.85 + 1000.0
    by_style = {e["model"]: e["rating"] for e in styled["models"]}
    by_plain = {e["model"]: e["rating"] for e in plain["models"]}
    assert by_plain["m0"] - truth[0] > 40  # the verbose model is overrated without control
    assert abs(by_style["m0"] - truth[0]) < 20
    entry = next(e for e in styled["models"] if e["model"] == "m0")
    assert entry["rank_change"] <= 0
    assert all("rank_change" in e for e in styled["models"])


def test_style_control_skips_battles_without_metadata():
    battles, _, _ = planted_style_battles(n=3000, seed=1)
    style = battles.style.copy()
    style[:500] = np.nan
    partial = Battles.from_arrays(
        battles.models, battles.model_a, battles.model_b, battles.outcome, style=style
    )
    board = compute_leaderboard(partial, style_control=True, ci="sandwich")
    assert board["style"]["battles"] == 2500
    assert any("left out 500 battles" in w for w in board["warnings"])


def test_style_features_are_standardised_relative_differences():
    raw = np.array([[100, 0, 0, 0, 50, 0, 0, 0], [10, 2, 0, 0, 30, 0, 0, 0]], dtype=float)
    feats, info = style_features(raw)
    rel = np.array([50 / 151, -20 / 41])
    np.testing.assert_allclose(feats[:, 0], (rel - rel.mean()) / rel.std())
    assert info["std"]["lists"] == 0 and np.all(feats[:, 2] == 0)


# --- categories ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("What is the capital of France and why is it famous?", "lang:en"),
        ("请用中文解释一下量子计算的基本原理", "lang:zh"),
        ("日本の首都はどこですか？教えてください", "lang:ja"),
        ("Расскажи, пожалуйста, как работает двигатель", "lang:ru"),
        ("Розкажи, будь ласка, що таке їжак і як він живе", "lang:uk"),
        ("Kannst du mir bitte erklären, wie das funktioniert und was ich tun soll?", "lang:de"),
        ("¿Cómo puedo aprender a programar en poco tiempo? Dame un plan para el mes", "lang:es"),
        ("Bạn có thể giải thích cho tôi về lịch sử Việt Nam được không?", "lang:vi"),
        ("한국어로 대답해 주세요. 오늘 날씨는 어때요?", "lang:ko"),
    ],
)
def test_language_detection(prompt, expected):
    assert detect_categories([prompt], turns=1)[0] == expected


def test_other_detectors():
    code = "Why does this fail?\n```python\nprint(x[0])\n```"
    assert "coding" in detect_categories([code], turns=1)
    assert "coding" in detect_categories(["python程序如何在后台启动一个线程"], turns=1)
    assert "coding" not in detect_categories(["Write a poem about autumn leaves"], turns=1)
    long = "word " * 600
    assert "long_prompt" in detect_categories([long], turns=1)
    assert "long_prompt" not in detect_categories(["short question"], turns=1)
    assert "multi_turn" in detect_categories(["a", "b"], turns=2)
    assert detect_categories(["12345 !!!"], turns=1) == []


def test_detectors_agree_with_arena_labels(capsys):
    codes = {
        "English": "en",
        "Chinese": "zh",
        "Russian": "ru",
        "German": "de",
        "Japanese": "ja",
        "French": "fr",
        "Thai": "th",
        "Vietnamese": "vi",
        "Portuguese": "pt",
        "Spanish": "es",
        "Arabic": "ar",
        "Czech": "cs",
        "Turkish": "tr",
        "Hindi": "hi",
    }
    agree = total = tp = fp = fn = 0
    for row in fastchat_rows():
        prompts = [m["content"] for m in row["conversation_a"] if m["role"] == "user"]
        tags = detect_categories(prompts, turns=row["turn"])
        if row["language"] in codes:
            total += 1
            agree += f"lang:{codes[row['language']]}" in tags
        coding = "coding" in tags
        tp += coding and row["is_code"]
        fp += coding and not row["is_code"]
        fn += (not coding) and row["is_code"]
        assert ("multi_turn" in tags) == (row["turn"] > 1)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    with capsys.disabled():
        print(
            f"\nlanguage agrees with Arena's label on {agree}/{total}; coding precision "
            f"{precision:.2f} recall {recall:.2f}"
        )
    assert agree / total >= 0.85
    assert precision >= 0.8 and recall >= 0.6


def test_style_control_with_a_constant_feature_does_not_fail():
    """Every battle has the same style (the server's first votes often do): the constant
    feature's coefficient is 0 and the fit still converges (regression: singular Hessian)."""
    from arena.ranking import Battles, compute_leaderboard, conv_metadata

    meta = conv_metadata(["short answer"], ["# H\n- a\n- b\n**bold** long text " * 5], ["q"])
    pairs = [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a"), ("a", "c"), ("b", "d")] * 3
    winners = ["model_a", "model_b", "tie"]
    records = [
        {"model_a": x, "model_b": y, "winner": winners[i % 3], "conv_metadata": meta}
        for i, (x, y) in enumerate(pairs)
    ]
    for ci in ("bootstrap", "sandwich"):
        board = compute_leaderboard(
            Battles.from_records(records),
            style_control=True,
            bootstrap_rounds=20,
            min_votes=0,
            ci=ci,
        )
        assert len(board["models"]) == 4
        assert all(abs(v) < 1e-6 for v in board["style"]["coefficients"].values())
