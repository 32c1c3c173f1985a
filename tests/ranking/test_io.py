"""Battle files (arena.ranking.io) and the ``arena leaderboard`` command (arena.ranking.cli)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from arena.errors import BadRequest
from arena.ranking import compute_leaderboard
from arena.ranking.io import read_battles, write_battles
from tests.ranking import cli

FIXTURES = Path(__file__).parents[1] / "data" / "ranking"
SMALL = FIXTURES / "battles_small.jsonl"
FASTCHAT = (
    Path(__file__).resolve().parents[3] / "shared/data/fastchat-arena-battles-100/labeled.jsonl"
)


def test_reader_keeps_only_counted_battles():
    battles = read_battles(SMALL)
    assert len(battles) == 4  # q4 is not anonymous, q5 is outside the dedup sample
    assert battles.models == ("alpha", "beta", "gamma")
    assert battles.outcome.tolist() == [0, 2, 3, 3]
    assert battles.tstamp.tolist()[:3] == [1700000000.0, 1700000100.0, 1700000200.0]


def test_reader_turns_metadata_and_arena_fields_into_style_and_categories():
    battles = read_battles(SMALL)
    assert battles.style[0].tolist() == [320, 3, 5, 4, 120, 0, 0, 0]
    assert np.isnan(battles.style[1:]).all()
    cats = {k: v.tolist() for k, v in battles.categories.items()}
    assert cats == {
        "lang:en": [0],
        "lang:zh": [1],
        "coding": [1],
        "multi_turn": [1],
        "internal-eval": [2],
    }
    assert read_battles(SMALL, with_style=False).style is None


def test_json_array_and_jsonl_read_the_same(tmp_path):
    records = [json.loads(line) for line in SMALL.read_text().splitlines() if line.strip()]
    array = tmp_path / "battles.json"
    array.write_text(json.dumps(records, indent=2))
    one, two = read_battles(SMALL), read_battles(array)
    assert one.models == two.models
    assert one.outcome.tolist() == two.outcome.tolist()
    assert np.array_equal(one.style, two.style, equal_nan=True)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [
                '{"model_a": "x", "model_b": "y", "winner": "model_a"}',
                '{"model_a": "x", "model_b": "y", "winner": "draw"}',
            ],
            "line 2: unknown winner 'draw'",
        ),
        (
            ['{"model_a": "x", "model_b": "y", "winner": "tie"}', "", "{not json"],
            "line 3: not valid JSON",
        ),
        (['{"model_a": "x", "winner": "tie"}'], "line 1: missing field 'model_b'"),
        (['{"model_a": "x", "model_b": "x", "winner": "tie"}'], "line 1: model_a and model_b"),
        (
            ['{"model_a": "x", "model_b": "y", "winner": "tie"}', '"text"'],
            "line 2: a battle must be a JSON object",
        ),
        (
            ['{"model_a": "x", "model_b": "y", "winner": "tie", "categories": "coding"}'],
            "line 1: categories must be a list",
        ),
    ],
)
def test_reader_errors_name_the_line(tmp_path, lines, message):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadRequest, match=message):
        read_battles(path)


def test_array_errors_name_the_item(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            [
                {"model_a": "x", "model_b": "y", "winner": "tie"},
                {"model_a": "x", "model_b": "y", "winner": None},
            ]
        )
    )
    with pytest.raises(BadRequest, match="item 2: unknown winner None"):
        read_battles(path)
    path.write_text('{"model_a": "x"')
    with pytest.raises(BadRequest, match="not valid JSON"):
        read_battles(path)


def test_writer_round_trip(tmp_path):
    records = [
        {
            "model_a": "p",
            "model_b": "q",
            "winner": "both_bad",
            "tstamp": 5.0,
            "categories": ["coding"],
            "conv_metadata": json.loads(SMALL.read_text().split("\n")[0])["conv_metadata"],
        },
        {"model_a": "q", "model_b": "r", "winner": "model_b", "tstamp": 6.0, "question_id": "z"},
        {"model_a": "r", "model_b": "p", "winner": "tie (bothbad)", "anony": True},
    ]
    for fmt in ("jsonl", "json"):
        path = tmp_path / f"out.{fmt}"
        assert write_battles(records, path, fmt=fmt) == 3
        back = read_battles(path)
        assert back.models == ("p", "q", "r")
        assert back.outcome.tolist() == [3, 1, 3]
        assert back.categories["coding"].tolist() == [0]
        assert back.style[0].tolist() == [320, 3, 5, 4, 120, 0, 0, 0]
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert rows[0]["winner"] == "tie (bothbad)" and rows[0]["anony"] is True
    assert rows[1]["question_id"] == "z"
    with pytest.raises(BadRequest, match="battle 1: unknown winner 'a'"):
        write_battles([{"model_a": "p", "model_b": "q", "winner": "a"}], io.StringIO())


def test_reads_real_arena_battles():
    if not FASTCHAT.exists():
        pytest.skip(f"real Arena battles not found at {FASTCHAT}")
    battles = read_battles(FASTCHAT)
    assert len(battles) == 100 and len(battles.models) == 49
    assert battles.outcome.tolist().count(3) == 19  # "tie (bothbad)"
    assert battles.categories["lang:en"].size == 64
    assert battles.categories["multi_turn"].size == 21


# --- the CLI -----------------------------------------------------------------------------


def test_cli_table_and_json(tmp_path):
    path = tmp_path / "b.jsonl"
    rng = np.random.default_rng(0)
    names = ["big", "medium", "small"]
    strength = {"big": 1.0, "medium": 0.0, "small": -1.0}
    records = []
    for _ in range(600):
        a, b = rng.choice(names, 2, replace=False)
        p = 1 / (1 + np.exp(strength[b] - strength[a]))
        records.append(
            {"model_a": a, "model_b": b, "winner": "model_a" if rng.random() < p else "model_b"}
        )
    write_battles(records, path)
    code, text = cli("--battles", str(path))
    assert code == 0
    lines = text.splitlines()
    assert lines[0].startswith("Bradley-Terry - 600 battles, 3 models")
    # rank, spread, tier, model
    assert [line.split()[3] for line in lines[4:7]] == ["big", "medium", "small"]
    assert [line.split()[1:3] for line in lines[4:7]] == [["1", "1"], ["2", "2"], ["3", "3"]]
    code, text = cli("--battles", str(path), "--json", "--bootstrap", "50", "--seed", "3")
    assert code == 0
    board = json.loads(text)
    expected = compute_leaderboard(read_battles(path), bootstrap_rounds=50, seed=3)
    assert board == json.loads(json.dumps(expected))


def test_cli_style_category_and_anchor_flags():
    code, text = cli(
        "--battles", str(SMALL), "--min-votes", "0", "--anchor", "alpha=1100", "--json"
    )
    assert code == 0
    board = json.loads(text)
    assert {e["model"]: e["rating"] for e in board["models"]}["alpha"] == 1100
    code, text = cli(
        "--battles", str(SMALL), "--min-votes", "0", "--category", "lang:zh", "--ci", "sandwich"
    )
    assert code == 0 and "category lang:zh - 1 battles" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--battles", "/nonexistent/battles.jsonl"], "cannot read battle file"),
        (["--battles", str(SMALL), "--anchor", "alpha"], "anchor must look like MODEL=RATING"),
        (["--battles", str(SMALL), "--anchor", "zeta=1000"], "anchor model 'zeta'"),
        (["--battles", str(SMALL), "--category", "nope"], "no battles in category 'nope'"),
        (["--battles", str(SMALL), "--bootstrap", "1"], "at least 10 rounds"),
        (["--battles", str(SMALL), "--ipw"], "IPW needs a propensity"),
        (["--battles", str(SMALL), "--method", "elo", "--ci", "sandwich"], "no sandwich"),
    ],
)
def test_cli_errors_are_one_line_with_status_2(capsys, argv, message):
    code, out = cli(*argv)
    err = capsys.readouterr().err
    assert code == 2 and out == ""
    assert err.startswith("arena: error: ") and message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_cli_bad_line_is_reported(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"model_a": "x", "model_b": "y", "winner": "model_a"}\n'
        '{"model_a": "x", "model_b": "y", "winner": "B"}\n'
    )
    code, _ = cli("--battles", str(path))
    assert code == 2
    assert "line 2: unknown winner 'B'" in capsys.readouterr().err


@pytest.mark.parametrize("as_array", [False, True])
def test_a_battle_file_can_come_through_a_pipe(tmp_path, as_array):
    # A pipe cannot seek: `arena leaderboard --battles /dev/stdin` once answered
    # "cannot read battle file '/dev/stdin': None".
    import os
    import threading

    records = [{"model_a": "a", "model_b": "b", "winner": w}
               for w in ["model_a", "model_b", "model_a", "tie"]]
    text = (json.dumps(records) if as_array
            else "\n".join(json.dumps(r) for r in records)) + "\n"
    fifo = tmp_path / "battles"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as f:
            f.write(text)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        battles = read_battles(fifo)
    finally:
        writer.join(timeout=10)
    assert len(battles) == 4 and battles.models == ("a", "b")
