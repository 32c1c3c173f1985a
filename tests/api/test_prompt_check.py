"""``POST /api/prompts/check``: the page's warning before a prompt that asks the models
who they are. It must agree with the leak rule (an identity question makes any own name a
leak) and say nothing about any model."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import fake, fake_roster

ROSTER = fake_roster(fake("claude-3-5-sonnet"), fake("qwen2.5-7b-instruct"))


@pytest.mark.parametrize("prompt", [
    "What's your name? One word.",
    "Which company trained you? Two words max.",
    "Who are you? Claude, ChatGPT, Gemini or Qwen? One word.",
    "Wer bist du?",
    "你是谁？",
])
async def test_identity_questions_get_the_warning(asgi: Any, prompt: str) -> None:
    async with asgi(roster=ROSTER) as client:
        res = await client.post("/api/prompts/check", json={"prompt": prompt})
    assert res.status_code == 200
    body = res.json()
    assert body["identity_question"] is True
    assert "won't count" in body["warning"]


@pytest.mark.parametrize("prompt", [
    "How do I boil an egg?",
    "Write a haiku about autumn rain.",
    "Compare Python and Rust for a CLI tool.",
])
async def test_ordinary_prompts_get_none(asgi: Any, prompt: str) -> None:
    async with asgi(roster=ROSTER) as client:
        res = await client.post("/api/prompts/check", json={"prompt": prompt})
    assert res.json() == {"identity_question": False, "warning": None}


async def test_an_empty_prompt_is_refused_in_the_error_shape(asgi: Any) -> None:
    async with asgi(roster=ROSTER) as client:
        res = await client.post("/api/prompts/check", json={"prompt": ""})
    assert res.status_code == 422
    assert set(res.json()["error"]) >= {"code", "message"}
