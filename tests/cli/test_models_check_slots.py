"""`arena models check` asks every model at once, except that a server with
max_concurrency is asked no more at once than that: two entries on one single-slot server
both answer instead of one cutting the other."""

from __future__ import annotations

from arena.testing.upstream import FakeUpstream
from tests.cli.test_broken_setups import arena

ENTRY = """
[[models]]
name = "{name}"
provider = "openai"
model = "verbose"
base_url = "{url}"
"""


def test_models_check_asks_a_one_slot_server_one_model_at_a_time(tmp_path):
    with FakeUpstream(single_slot=True) as up:
        up.script(delay_s=0.05)  # the 8-token answer takes long enough to be overlapped
        entries = [ENTRY.format(name=n, url=up.openai_base_url) for n in ("one", "two")]
        roster = tmp_path / "models.toml"
        roster.write_text("".join(entries))
        unlimited = arena(tmp_path, "models", "check", "--models", str(roster))
        assert [r.outcome for r in up.requests].count("cut") == 1
        assert unlimited.code == 1 and "1 of 2 models answered" in unlimited.err
        up.reset()
        up.script(delay_s=0.05)
        roster.write_text(entries[0] + "max_concurrency = 1\n" + entries[1])
        limited = arena(tmp_path, "models", "check", "--models", str(roster))
    assert limited.code == 0 and "2 of 2 models answered" in limited.err, limited
    assert [r.outcome for r in up.requests] == ["completed", "completed"]
