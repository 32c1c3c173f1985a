"""Battle permalinks through the API: off by default; after the vote a battle's own voter
shares it (one slug however often), anyone reads it at /api/shared/{slug} — both
conversations, the models, the vote, and nothing about the voter — and its voter can stop
sharing it. A battle whose prompts hold an e-mail address, a key or a password is never
shared. What the detector catches and lets through is tested case by case."""

from __future__ import annotations

from typing import Any

import pytest

from arena.app import create_app
from arena.schemas import SharedBattle
from arena.sharing import SLUG, private_data
from tests.api.test_errors import assert_shape
from tests.api.test_history import ROSTER, unlimited
from tests.conftest import run_turn, running

SECRETS = [
    "Email me at jane.doe@acme-corp.co.uk with the results",
    "my key is sk-proj-4fQ9xZ2LmN8pR1sT6vW3yB7cD0eH5kJ",
    "ANTHROPIC_API_KEY=sk-ant-api03-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "token ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "Use xoxb-1234567890-abcdefghijklmnop for the bot",
    "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "Authorization: Bearer abcdefghijklmnop1234567890",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH "
    "PRIVATE KEY-----",
    "connect to postgresql://admin:s3cr3t@db.internal:5432/prod",
    'DB_PASSWORD="correct-horse-battery"',
    "my password is Tr0ub4dor&3, can you check it is strong?",
    "mon mot de passe est Soleil!2024",
    "Passwort: Sommer2024!",
    "here is my secret = 9f8e7d6c5b4a",
    "the webhook key: Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZg==",
    "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
]
ORDINARY = [
    "Write a haiku about the sea",
    "What does @property do in Python?",
    "The password is important. How do I choose a good one?",
    "How do tokens work in a transformer?",
    "Explain `token = strtok(line, \" \")` in C",
    "password: z.string().min(8),",
    "See https://en.wikipedia.org/wiki/By-elections_to_the_44th_Canadian_Parliament",
    "sha256 is e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "a UUID like 123e4567-e89b-12d3-a456-426614174000",
    "rename getUserAccountSettingsFromDatabase to something shorter",
    "commit bc2dadbac607ce8615426fd6b8f707100ad9cfb broke the build",
    "Who wrote 'Hamlet'? Answer in one line.",
]


@pytest.mark.parametrize("text", SECRETS)
def test_private_data_is_found(text: str) -> None:
    assert private_data(["Hello there.", text]) is not None, text


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_prompts_are_not_private(text: str) -> None:
    assert private_data([text]) is None, text


def sharing_on(settings: Any) -> Any:
    return unlimited(settings, share_battles=True, detection_interval_s=0)


async def voted_battle(c: Any, prompt: str, winner: str = "a", *,
                       follow_up: str | None = None) -> str:
    r = await c.post("/api/battles", json={"prompt": prompt})
    assert r.status_code == 201, r.text
    bid: str = r.json()["id"]
    await run_turn(c, bid)
    if follow_up is not None:
        r = await c.post(f"/api/battles/{bid}/turns", json={"prompt": follow_up})
        assert r.status_code == 200, r.text
        await run_turn(c, bid)
    r = await c.post(f"/api/battles/{bid}/vote", json={"winner": winner})
    assert r.status_code == 200, r.text
    return bid


@pytest.mark.db
async def test_share_read_and_stop_sharing(fresh_db):
    app = create_app(sharing_on(fresh_db), roster=ROSTER)
    async with running(app) as c:
        assert (await c.get("/api/info")).json()["share_battles"] is True
        bid = await voted_battle(c, "Explain the tides.", "b", follow_up="And the moon?")
        r = await c.post(f"/api/battles/{bid}/share")
        assert r.status_code == 201, r.text
        link = r.json()
        assert SLUG.fullmatch(link["slug"]) and link["url"] == f"/b/{link['slug']}"
        assert bid not in link["slug"]
        again = await c.post(f"/api/battles/{bid}/share")
        assert again.json() == link  # one slug, however often

        mine = (await c.get(f"/api/battles/{bid}")).json()
        # A reader with no cookie at all, on another app (worker) over the same database.
        async with running(create_app(sharing_on(fresh_db), roster=ROSTER)) as stranger:
            r = await stranger.get(f"/api/shared/{link['slug']}")
        assert r.status_code == 200, r.text
        shared = r.json()
        SharedBattle.model_validate(shared)  # extra="forbid": nothing undeclared
        assert set(shared) == {"slug", "url", "model_a", "model_b", "winner", "day", "turns"}
        assert (shared["model_a"], shared["model_b"]) == (mine["model_a"], mine["model_b"])
        assert shared["winner"] == "b"
        assert [t["prompt"] for t in shared["turns"]] == ["Explain the tides.", "And the moon?"]
        assert [(t["a"], t["b"]) for t in shared["turns"]] == [
            (t["a"]["text"], t["b"]["text"]) for t in mine["turns"]]
        page = await c.get(link["url"], headers={"accept": "text/html"})
        assert page.status_code == 200 and "shared.js" in page.text

        r = await c.delete(f"/api/battles/{bid}/share")
        assert r.status_code == 204
        assert_shape(await c.get(f"/api/shared/{link['slug']}"), 404, "not_shared")
        fresh = (await c.post(f"/api/battles/{bid}/share")).json()
        assert fresh["slug"] != link["slug"]  # an old link never comes back


async def test_only_the_voter_shares_and_only_after_the_vote(fresh_db):
    app = create_app(sharing_on(fresh_db), roster=ROSTER)
    async with running(app) as c:
        r = await c.post("/api/battles", json={"prompt": "Name three rivers."})
        bid = r.json()["id"]
        await run_turn(c, bid)
        assert_shape(await c.post(f"/api/battles/{bid}/share"), 409, "not_voted")
        await c.post(f"/api/battles/{bid}/vote", json={"winner": "tie"})
        async with running(create_app(sharing_on(fresh_db), roster=ROSTER)) as other:
            await other.post("/api/battles", json={"prompt": "A cookie of my own."})
            assert_shape(await other.post(f"/api/battles/{bid}/share"), 403,
                         "not_your_battle")
            assert_shape(await other.delete(f"/api/battles/{bid}/share"), 403,
                         "not_your_battle")
        assert_shape(await c.post("/api/battles/not-a-battle/share"), 404, "battle_not_found")
        for slug in ("x", "A" * 22, "../../etc/passwd"):
            assert_shape(await c.get(f"/api/shared/{slug}"), 404)


async def test_private_prompts_are_never_shared(fresh_db):
    async with running(create_app(sharing_on(fresh_db), roster=ROSTER)) as c:
        first = await voted_battle(c, "Draft a reply to bob@example.org about Monday.")
        r = await c.post(f"/api/battles/{first}/share")
        assert_shape(r, 409, "private_data")
        assert "e-mail address" in r.json()["error"]["message"]
        later = await voted_battle(c, "Fix my config.",
                                   follow_up="It has OPENAI_API_KEY=sk-abcdefghijklmnop1234")
        assert_shape(await c.post(f"/api/battles/{later}/share"), 409, "private_data")


async def test_sharing_is_off_by_default_and_off_hides_old_links(fresh_db):
    on = create_app(sharing_on(fresh_db), roster=ROSTER)
    async with running(on) as c:
        bid = await voted_battle(c, "Explain rainbows.")
        slug = (await c.post(f"/api/battles/{bid}/share")).json()["slug"]
    off = create_app(unlimited(fresh_db), roster=ROSTER)  # the same database, the default
    async with running(off) as c:
        assert (await c.get("/api/info")).json()["share_battles"] is False
        assert_shape(await c.get(f"/api/shared/{slug}"), 404, "not_shared")
        bid = await voted_battle(c, "Explain snow.")
        assert_shape(await c.post(f"/api/battles/{bid}/share"), 403, "sharing_off")
