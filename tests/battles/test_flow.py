"""The whole HTTP flow end to end: battle → stream → vote → reveal → leaderboard, and
every vote the rules refuse."""

from __future__ import annotations

import asyncio

from tests.conftest import fake, fake_roster, run_turn, texts

ROSTER = fake_roster(fake("alpha-1", "concise"), fake("beta-2", "verbose"))


async def start(client, prompt="Explain recursion briefly."):
    r = await client.post("/api/battles", json={"prompt": prompt})
    assert r.status_code == 201, r.text
    return r.json()


async def test_full_flow_reveals_names_only_after_the_vote(in_process):
    server = await in_process(roster=ROSTER)
    c = server.client()
    battle = await start(c)
    assert set(battle) == {"id", "status", "votable", "turns"}
    assert battle["votable"] is False
    assert (await c.get(f"/api/battles/{battle['id']}")).json() == battle  # as stored
    cookie = c.cookies.get("arena_voter")
    assert cookie
    events = await run_turn(c, battle["id"])
    names = [n for n, _ in events]
    assert names[-1] == "end" and names.count("done") == 2
    assert events[-1][1]["votable"] is True
    got = texts(events)
    assert got["a"] and got["b"] and got["a"] != got["b"]

    view = (await c.get(f"/api/battles/{battle['id']}")).json()
    assert view["votable"] is True and "model_a" not in view
    assert view["turns"][0]["a"]["text"] == got["a"]

    r = await c.post(f"/api/battles/{battle['id']}/vote", json={"winner": "a"})
    assert r.status_code == 200, r.text
    vote = r.json()
    assert {vote["model_a"], vote["model_b"]} == {"alpha-1", "beta-2"}
    assert vote["counted"] is True and vote["excluded_reason"] is None

    view = (await c.get(f"/api/battles/{battle['id']}")).json()
    assert view["model_a"] == vote["model_a"] and view["vote"]["winner"] == "a"

    for _ in range(100):
        board = (await c.get("/api/leaderboard")).json()
        if board["totals"].get("counted_votes") == 1:
            break
        await asyncio.sleep(0.05)
    assert board["totals"]["counted_votes"] == 1
    by_name = {m["model"]: m for m in board["models"]}
    assert by_name[vote["model_a"]]["wins"] == 1
    assert by_name[vote["model_b"]]["losses"] == 1


async def test_cookie_is_http_only_and_same_site(in_process):
    server = await in_process(roster=ROSTER)
    r = await server.client().post("/api/battles", json={"prompt": "hi"})
    header = r.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header


async def test_a_new_battle_streams_only_for_its_owner(in_process):
    # The first stream of a battle this worker just made skips reading it back: it must
    # still refuse a stranger, and still run for the owner after that refusal.
    server = await in_process(roster=ROSTER)
    owner, stranger = server.client(), server.client()
    b = await start(owner)
    await stranger.post("/api/battles", json={"prompt": "my own"})
    r = await stranger.get(f"/api/battles/{b['id']}/stream")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_your_battle")
    events = await run_turn(owner, b["id"])
    assert events[-1] == ("end", {"turn": 0, "status": "done", "votable": True})
    again = await run_turn(owner, b["id"])  # now read back from the store: a replay
    assert texts(again) == texts(events) and again[-1][1]["replayed"] is True


# On a socket: it votes while the stream is still being read.
async def test_refused_votes_each_have_a_reason(serve):
    roster = fake_roster(fake("alpha-1", "concise", delay_s=0.02),
                         fake("beta-2", "concise", delay_s=0.02))
    server = await serve(roster=roster)
    c, other, anonymous = server.client(), server.client(), server.client()
    b = await start(c)
    url = f"/api/battles/{b['id']}/vote"

    r = await c.post(url, json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "not_answered")

    async with c.stream("GET", f"/api/battles/{b['id']}/stream") as s:
        lines = s.aiter_lines()
        async for line in lines:
            if line.startswith("event: delta"):
                break
        r = await c.post(url, json={"winner": "a"})
        assert (r.status_code, r.json()["error"]["code"]) == (409, "still_streaming")
        async for _ in lines:
            pass

    await other.post("/api/battles", json={"prompt": "my own"})
    r = await other.post(url, json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_your_battle")
    r = await anonymous.post(url, json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "no_voter")
    r = await c.post(url, json={"winner": "A"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")
    r = await c.post("/api/battles/ffffffffffffffffffffffffffffffff/vote", json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "battle_not_found")

    r = await c.post(url, json={"winner": "tie"})
    assert r.status_code == 200, r.text
    r = await c.post(url, json={"winner": "b"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_voted")
    r = await c.post(f"/api/battles/{b['id']}/turns", json={"prompt": "more"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_voted")


async def test_failed_battle_cannot_be_voted_and_errors_are_anonymous(in_process):
    roster = fake_roster(fake("alpha-1", "concise"), fake("beta-2", "verbose", fail="rate_limit"))
    server = await in_process(roster=roster)
    c = server.client()
    b = await start(c)
    events = await run_turn(c, b["id"])
    errors = [d for n, d in events if n == "error"]
    assert len(errors) == 1
    # Before the vote a rate limit reads like any other failure: one code, neutral words.
    assert errors[0]["code"] == "model_unavailable"
    assert errors[0]["message"] in ("model A could not answer; regenerate to try again",
                                    "model B could not answer; regenerate to try again")
    assert "beta" not in str(events) and "fake" not in str(events).lower()
    assert events[-1] == ("end", {"turn": 0, "status": "failed", "votable": False})
    r = await c.post(f"/api/battles/{b['id']}/vote", json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "battle_failed")
    view = (await c.get(f"/api/battles/{b['id']}")).json()
    side = errors[0]["side"]
    assert view["turns"][0][side]["status"] == "error"
    assert view["turns"][0][side]["error"] == errors[0]["message"]


async def test_a_slow_side_does_not_block_the_other(in_process):
    roster = fake_roster(fake("alpha-1", "concise"),
                         fake("beta-2", "concise", first_token_delay_s=1.0))
    server = await in_process(roster=roster)
    c = server.client()
    b = await start(c)
    events = await run_turn(c, b["id"])
    order = [(n, d["side"]) for n, d in events if n in ("delta", "done")]
    fast = order[0][1]
    slow = "b" if fast == "a" else "a"
    # The fast side has finished before the slow side's first delta arrives.
    assert order.index(("done", fast)) < order.index(("delta", slow))


async def test_leaked_battle_is_stored_but_not_counted(in_process):
    roster = fake_roster(fake("alpha-1", "concise"),
                         {"name": "gossip-7b", "provider": "fake", "model": "leaky",
                          "options": {"delay_s": 0, "maker": "Gossip Labs"}})
    server = await in_process(roster=roster)
    c = server.client()
    b = await start(c, "Who are you?")
    events = await run_turn(c, b["id"])
    assert "gossip" in str(texts(events)).lower()  # the model's own words carry the name
    r = await c.post(f"/api/battles/{b['id']}/vote", json={"winner": "b"})
    vote = r.json()
    assert vote["counted"] is False and vote["excluded_reason"] == "identity_leak"
    leak_side = "a" if vote["model_a"] == "gossip-7b" else "b"
    assert vote["leak_side"] == leak_side
    assert f"model {leak_side.upper()} named itself" in vote["explanation"]
    for _ in range(100):
        board = (await c.get("/api/leaderboard")).json()
        if board["totals"].get("excluded_votes"):
            break
        await asyncio.sleep(0.05)
    assert board["totals"]["excluded_votes"] == {"identity_leak": 1}
    assert board["totals"]["counted_votes"] == 0
    assert board["models"] == []


async def test_user_typing_a_name_does_not_void_the_battle(in_process):
    server = await in_process(roster=fake_roster(fake("alpha-1", "echo"),
                                                 fake("gossip-7b", "echo")))
    c = server.client()
    b = await start(c, "Is gossip-7b better than ChatGPT?")
    await run_turn(c, b["id"])  # both echo the prompt: the name is the user's, not theirs
    vote = (await c.post(f"/api/battles/{b['id']}/vote", json={"winner": "tie"})).json()
    assert vote["counted"] is True


async def test_multi_turn_keeps_the_pair_and_each_side_sees_its_own_history(in_process):
    server = await in_process(roster=ROSTER)
    c = server.client()
    b = await start(c, "First question")
    first = texts(await run_turn(c, b["id"]))
    r = await c.post(f"/api/battles/{b['id']}/turns", json={"prompt": "Second question"})
    assert r.status_code == 200, r.text
    assert [t["prompt"] for t in r.json()["turns"]] == ["First question", "Second question"]
    second = texts(await run_turn(c, b["id"]))
    assert second["a"] and second["b"]
    service = server.app.state.services.battles
    battle = await service.view(b["id"], service_key(c))
    for side in "ab":
        req = service.build_request(battle, side, battle.turns[1])
        assert [m.content for m in req.messages] == ["First question", first[side],
                                                     "Second question"]
    vote = (await c.post(f"/api/battles/{b['id']}/vote", json={"winner": "b"})).json()
    assert vote["counted"] is True


def service_key(client) -> str:
    from arena.api.deps import voter_key

    return voter_key(client.cookies["arena_voter"])


async def test_regenerate_reasks_both_with_the_same_models(in_process):
    server = await in_process(roster=ROSTER)
    c = server.client()
    b = await start(c, "Tell me a fact")
    await run_turn(c, b["id"])
    r = await c.post(f"/api/battles/{b['id']}/regenerate")
    assert r.status_code == 200, r.text
    assert r.json()["turns"][0]["attempt"] == 1 and r.json()["votable"] is False
    events = await run_turn(c, b["id"])
    assert events[-1][1]["votable"] is True
    vote = (await c.post(f"/api/battles/{b['id']}/vote", json={"winner": "a"})).json()
    assert {vote["model_a"], vote["model_b"]} == {"alpha-1", "beta-2"}


async def test_turn_limit_and_prompt_limit(in_process, settings):
    s = settings.model_copy(update={"max_turns": 2, "max_prompt_chars": 50})
    server = await in_process(roster=ROSTER, settings=s)
    c = server.client()
    r = await c.post("/api/battles", json={"prompt": "x" * 51})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "prompt_too_long")
    r = await c.post("/api/battles", json={"prompt": "   "})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "empty_prompt")
    b = await start(c, "one")
    await run_turn(c, b["id"])
    r = await c.post(f"/api/battles/{b['id']}/turns", json={"prompt": "two"})
    assert r.status_code == 200
    r = await c.post(f"/api/battles/{b['id']}/turns", json={"prompt": "too early"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "not_answered")
    await run_turn(c, b["id"])
    r = await c.post(f"/api/battles/{b['id']}/turns", json={"prompt": "three"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "too_many_turns")


async def hang_up_after_first_delta(c, battle_id: str) -> None:
    async with c.stream("GET", f"/api/battles/{battle_id}/stream") as s:
        async for line in s.aiter_lines():
            if line.startswith("event: delta"):
                break  # leaving the block closes the connection


async def hung_up_battle(serve, settings, *, rejoin_grace_s: float):
    """A battle of two slow talkers whose reader hung up after the first words."""
    roster = fake_roster(fake("alpha-1", "verbose", delay_s=0.01),
                         fake("beta-2", "verbose", delay_s=0.01))
    server = await serve(roster=roster,
                         settings=settings.model_copy(update={"rejoin_grace_s": rejoin_grace_s}))
    c = server.client()
    b = await start(c)
    await hang_up_after_first_delta(c, b["id"])
    return c, b


# On a socket: the client hangs up mid-stream and nobody comes back.
async def test_disconnect_mid_stream_marks_the_turn_incomplete(serve, settings):
    c, b = await hung_up_battle(serve, settings, rejoin_grace_s=0.2)
    # Nobody rejoined within the grace period: the run is cancelled and recorded.
    for _ in range(100):
        view = (await c.get(f"/api/battles/{b['id']}")).json()
        if view["turns"][0]["status"] == "incomplete":
            break
        await asyncio.sleep(0.05)
    turn = view["turns"][0]
    assert turn["status"] == "incomplete"
    assert {turn["a"]["status"], turn["b"]["status"]} == {"incomplete"}
    r = await c.post(f"/api/battles/{b['id']}/vote", json={"winner": "a"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "incomplete")
    # Replaying the stream tells the page what happened, then regenerate recovers.
    events = await run_turn(c, b["id"])
    assert [n for n, _ in events].count("error") == 2 and events[-1][1]["votable"] is False
    await c.post(f"/api/battles/{b['id']}/regenerate")
    events = await run_turn(c, b["id"])
    assert events[-1][1]["votable"] is True


# On a socket: a reload (or a phone losing its connection) mid-stream rejoins the run.
async def test_a_reader_that_comes_back_within_the_grace_period_rejoins(serve, settings):
    c, b = await hung_up_battle(serve, settings, rejoin_grace_s=60)
    await asyncio.sleep(0.3)  # gone for a while, well within the grace period
    events = await run_turn(c, b["id"])
    assert events[-1][1]["votable"] is True and "replayed" not in events[-1][1]
    assert [n for n, _ in events].count("done") == 2
    whole = texts(events)  # everything, from the first word on, not just what came after
    view = (await c.get(f"/api/battles/{b['id']}")).json()["turns"][0]
    assert whole == {s: view[s]["text"] for s in ("a", "b")} and all(whole.values())
    r = await c.post(f"/api/battles/{b['id']}/vote", json={"winner": "a"})
    assert r.status_code == 200


# On a socket: Stop is on purpose, so it does not wait out the grace period.
async def test_stop_cancels_the_turn_at_once_despite_the_grace_period(serve, settings):
    c, b = await hung_up_battle(serve, settings, rejoin_grace_s=60)
    r = await c.post(f"/api/battles/{b['id']}/stop")
    assert r.status_code == 200
    turn = r.json()["turns"][0]  # recorded before the call returns
    assert turn["status"] == "incomplete"
    assert {turn["a"]["status"], turn["b"]["status"]} == {"incomplete"}
    await c.post(f"/api/battles/{b['id']}/regenerate")
    events = await run_turn(c, b["id"])
    assert events[-1][1]["votable"] is True
    r = await c.post(f"/api/battles/{b['id']}/stop")  # nothing runs: harmless
    assert r.status_code == 200 and r.json()["votable"] is True
    r = await c.post(f"/api/battles/{b['id']}/vote", json={"winner": "tie"})
    r = await c.post(f"/api/battles/{b['id']}/stop")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_voted")


# On a socket: both streams are read while the turn is still running.
async def test_a_second_stream_joins_the_running_turn(serve):
    roster = fake_roster(fake("alpha-1", "concise", delay_s=0.02),
                         fake("beta-2", "concise", delay_s=0.02))
    server = await serve(roster=roster)
    c = server.client()
    b = await start(c)
    one, two = await asyncio.gather(run_turn(c, b["id"]), run_turn(c, b["id"]))
    assert texts(one) == texts(two)
    replay = await run_turn(c, b["id"])
    assert texts(replay) == texts(one) and replay[-1][1]["replayed"] is True


async def test_prompts_that_are_not_text_are_refused_on_every_database(in_process):
    server = await in_process(roster=ROSTER)
    c = server.client()
    for bad, expected in [(b'{"prompt": "nul \\u0000 inside"}', (400, "invalid_prompt")),
                          (b'{"prompt": "lone \\ud800 surrogate"}', (422, "invalid_request"))]:
        r = await c.post("/api/battles", content=bad,
                         headers={"content-type": "application/json"})
        assert (r.status_code, r.json()["error"]["code"]) == expected, r.text


async def test_model_output_with_nul_is_stored_without_it(in_process):
    roster = fake_roster(fake("alpha-1", script="zero\x00byte and \ud800 half"),
                         fake("beta-2"))
    server = await in_process(roster=roster)
    c = server.client()
    b = await start(c)
    events = await run_turn(c, b["id"])
    assert events[-1][1]["votable"] is True
    view = (await c.get(f"/api/battles/{b['id']}")).json()
    side = "a" if "zero" in view["turns"][0]["a"]["text"] else "b"
    assert view["turns"][0][side]["text"].startswith("zerobyte and ")
    assert "\x00" not in view["turns"][0][side]["text"]
