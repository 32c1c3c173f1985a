"""The provider layer: the registry, the fake provider, and the real SDK adapters driven
over HTTP against ``FakeUpstream`` (so the SDKs' own parsing and errors are exercised)."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from typing import Any

import openai
import pytest

from arena.errors import (
    ConfigError,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    public_message,
)
from arena.providers import (
    ChatRequest,
    Delta,
    Finished,
    Message,
    Provider,
    ProviderOptions,
    create_provider,
    known_providers,
    register,
    unregister,
)
from arena.providers.fake import PERSONAS, FakeProvider, approx_tokens, split_chunks
from arena.settings import ModelConfig
from arena.testing.upstream import FakeUpstream

APIS = ["openai", "anthropic"]
HISTORY = (Message("user", "What is a monad?"), Message("assistant", "A pattern."),
           Message("user", "Explain it with Python."))


def ask(prompt: str = "Explain recursion", max_tokens: int = 256, **kw: Any) -> ChatRequest:
    return ChatRequest(messages=(Message("user", prompt),), max_tokens=max_tokens, **kw)


async def collect(provider: Provider, request: ChatRequest) -> tuple[str, Finished]:
    events = [e async for e in provider.stream(request)]
    assert all(isinstance(e, Delta) for e in events[:-1])
    assert isinstance(events[-1], Finished)
    return "".join(e.text for e in events[:-1]), events[-1]


async def fails(provider: Provider, request: ChatRequest) -> tuple[str, ProviderError]:
    """Stream until the provider raises; return the text seen so far and the error."""
    text: list[str] = []
    with pytest.raises(ProviderError) as info:
        async for event in provider.stream(request):
            assert isinstance(event, Delta), "no Finished may follow a failure"
            text.append(event.text)
    return "".join(text), info.value


def assert_anonymous(error: ProviderError, *names: str) -> None:
    public = public_message(error.code, "a")
    assert public.startswith("model A")
    for name in ("openai", "anthropic", "fake", *names):
        assert name.lower() not in public.lower()


# --- the registry --------------------------------------------------------------------------


def test_builtins_are_known() -> None:
    assert {"openai", "anthropic", "fake"} <= known_providers()


def test_unknown_provider_is_a_config_error_naming_the_choices() -> None:
    config = ModelConfig(name="m", provider="mystery")
    with pytest.raises(ConfigError, match="unknown provider 'mystery'.*anthropic, fake, openai"):
        create_provider(config, ProviderOptions())


def test_a_third_party_registers_like_the_builtins() -> None:
    made: list[ModelConfig] = []

    def factory(config: ModelConfig, options: ProviderOptions) -> Provider:
        made.append(config)
        return FakeProvider(config.model_copy(update={"model": "echo"}), options)

    register("acme", factory)
    try:
        assert "acme" in known_providers()
        provider = create_provider(ModelConfig(name="a", provider="acme"), ProviderOptions())
        assert isinstance(provider, Provider) and made[0].name == "a"
        with pytest.raises(ValueError, match="already registered"):
            register("acme", factory)
        register("acme", factory, replace=True)
    finally:
        unregister("acme")
    assert "acme" not in known_providers()


def test_registry_and_fake_do_not_import_the_sdks() -> None:
    code = ("import sys; from arena.providers import create_provider, ProviderOptions;"
            "from arena.settings import ModelConfig;"
            "create_provider(ModelConfig(name='x', provider='fake', model='echo'),"
            " ProviderOptions());"
            "print('openai' in sys.modules, 'anthropic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --- the fake provider --------------------------------------------------------------------


def fake(kind: str = "concise", *, name: str = "Zephyr-7B",
         options: ProviderOptions | None = None, **opts: Any) -> Provider:
    config = ModelConfig(name=name, provider="fake", model=kind, options=opts)
    return create_provider(config, options or ProviderOptions())


async def test_fake_is_deterministic_and_varies_with_the_prompt() -> None:
    provider = fake("concise")
    first, _ = await collect(provider, ask("How do I bake bread?"))
    again, _ = await collect(provider, ask("How do I bake bread?"))
    other, _ = await collect(provider, ask("What is the capital of Peru?"))
    assert first == again and first != other
    follow_up, _ = await collect(provider, ChatRequest(messages=HISTORY, max_tokens=500))
    assert follow_up not in (first, other)


async def test_fake_personas_look_different() -> None:
    texts = {p: (await collect(fake(p), ask("Compare SQLite and PostgreSQL", 4000)))[0]
             for p in PERSONAS}
    assert texts["echo"] == "Compare SQLite and PostgreSQL"
    assert len(texts["concise"]) < 400
    assert texts["verbose"].count("\n\n") >= 2 and len(texts["verbose"]) > 3 * len(texts["concise"])
    md = texts["markdown"]
    for marker in ("## ", "\n- ", "**", "|---|", "```python\n"):
        assert marker in md
    assert "Zephyr" not in texts["concise"] + texts["verbose"] + md


async def test_fake_leaky_names_itself_when_asked_and_for_some_prompts() -> None:
    provider = fake("leaky", maker="Acme AI")
    text, _ = await collect(provider, ask("Who are you?"))
    assert "Zephyr-7B" in text and "Acme AI" in text
    leaks = 0
    for i in range(90):
        text, _ = await collect(provider, ask(f"Give me tip number {i} about gardening"))
        leaks += "Zephyr-7B" in text
    assert 15 <= leaks <= 45  # about a third, chosen by hash


async def test_fake_reports_tokens_timing_and_truncation() -> None:
    provider = fake("verbose")
    text, done = await collect(provider, ask("Tell me about rivers", max_tokens=20))
    assert done.finish_reason == "length" and done.output_tokens == approx_tokens(text) <= 20
    text, done = await collect(provider, ask("Tell me about rivers", max_tokens=4000))
    assert done.finish_reason == "stop"
    assert done.input_tokens == approx_tokens("Tell me about rivers")
    assert done.ttft_s is not None and 0 <= done.ttft_s <= done.total_s


def test_split_chunks_round_trips() -> None:
    text = "  Hello,  world!\n\nNew para\tand tabs "
    assert "".join(split_chunks(text)) == text
    assert "".join(split_chunks(text, 3)) == text
    assert split_chunks("") == []


async def test_fake_pace_prefers_its_own_delay_over_the_demo_pace() -> None:
    slow = ProviderOptions(extra={"demo_delay_s": 0.02})
    _, paced = await collect(fake("echo", options=slow), ask("one two three four five"))
    assert paced.total_s >= 0.09
    _, quick = await collect(fake("echo", options=slow, delay_s=0), ask("one two three four five"))
    assert quick.total_s < 0.05


@pytest.mark.parametrize(("failure", "error_class"), [
    ("error", ProviderUnavailable), ("rate_limit", ProviderRateLimited),
    ("timeout", ProviderTimeout), ("cut", ProviderUnavailable), ("auth", ProviderAuthError),
    ("bad_request", ProviderBadRequest)])
async def test_fake_scripted_failures(failure: str, error_class: type[ProviderError]) -> None:
    text, error = await fails(fake("echo", fail=failure, fail_after_chunks=2),
                              ask("one two three four"))
    assert type(error) is error_class
    assert text == "one two "
    assert_anonymous(error, "Zephyr")


async def test_fake_stall_times_out_after_the_request_timeout() -> None:
    provider = fake("echo", options=ProviderOptions(request_timeout_s=0.1), fail="stall")
    started = time.perf_counter()
    _, error = await fails(provider, ask("hello"))
    assert isinstance(error, ProviderTimeout) and 0.09 < time.perf_counter() - started < 1


async def test_fake_script_and_fail_rate() -> None:
    text, _ = await collect(fake("concise", script="Fixed words."), ask("anything"))
    assert text == "Fixed words."
    provider = fake("echo", fail="error", fail_rate=0.5)
    outcomes = []
    for i in range(40):
        try:
            await collect(provider, ask(f"prompt {i}"))
            outcomes.append(True)
        except ProviderUnavailable:
            outcomes.append(False)
    assert 8 <= outcomes.count(False) <= 32


@pytest.mark.parametrize("opts", [{"persona": "shouty"}, {"fail": "explode"},
                                  {"delay_s": -1}, {"colour": "red"}, {"delay_s": "fast"}])
def test_fake_rejects_bad_options_at_start_up(opts: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="model 'Zephyr-7B'"):
        fake("concise", **opts)


async def test_fake_can_be_closed_mid_stream() -> None:
    stream = fake("verbose", delay_s=0.01).stream(ask("Tell me a story"))
    assert isinstance(await anext(stream), Delta)
    await stream.aclose()


# --- the SDK adapters against a real HTTP upstream -----------------------------------------


@pytest.mark.parametrize("api", APIS)
async def test_stream_reassembles_text_and_reports_usage(api: str, upstream: FakeUpstream,
                                                         upstream_provider: Any) -> None:
    reply = "Hello there! This answer arrives in several small pieces."
    upstream.script(text=reply, chunk_chars=7, delay_s=0.005)
    provider = await upstream_provider(api, model="up-model", system_prompt="Be brief.",
                                       temperature=0.25)
    text, done = await collect(provider, ChatRequest(messages=HISTORY, max_tokens=300))
    assert text == reply
    assert done.finish_reason == "stop"
    assert done.output_tokens == approx_tokens(reply)
    assert done.input_tokens == approx_tokens("Be brief." + "".join(m.content for m in HISTORY))
    assert done.ttft_s is not None and 0 < done.ttft_s < done.total_s
    [seen] = upstream.requests
    assert seen.model == "up-model" and seen.system == "Be brief."
    assert seen.max_tokens == 300 and seen.temperature == 0.25
    history = [m for m in seen.messages if m["role"] != "system"]
    assert history == [{"role": m.role, "content": m.content} for m in HISTORY]
    assert seen.outcome == "completed"


@pytest.mark.parametrize("api", APIS)
async def test_request_values_win_over_the_roster(api: str, upstream: FakeUpstream,
                                                  upstream_provider: Any) -> None:
    provider = await upstream_provider(api, system_prompt="roster", temperature=0.9)
    await collect(provider, ask(system_prompt="request", temperature=0.1, max_tokens=77))
    [seen] = upstream.requests
    assert (seen.system, seen.temperature, seen.max_tokens) == ("request", 0.1, 77)


@pytest.mark.parametrize("api", APIS)
async def test_max_tokens_truncation_is_reported_as_length(api: str, upstream: FakeUpstream,
                                                           upstream_provider: Any) -> None:
    provider = await upstream_provider(api, model="verbose")
    _, done = await collect(provider, ask(max_tokens=10))
    assert done.finish_reason == "length" and done.output_tokens <= 10


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(("status", "error_class"), [
    (401, ProviderAuthError), (403, ProviderAuthError), (429, ProviderRateLimited),
    (500, ProviderUnavailable), (503, ProviderUnavailable), (400, ProviderBadRequest),
    (404, ProviderBadRequest), (422, ProviderBadRequest)])
async def test_upstream_errors_map_to_arena_errors(api: str, status: int,
                                                   error_class: type[ProviderError],
                                                   upstream: FakeUpstream,
                                                   upstream_provider: Any) -> None:
    upstream.script(status=status)
    provider = await upstream_provider(api, name="secret-model", model="secret-upstream-id")
    _, error = await fails(provider, ask())
    assert type(error) is error_class
    assert f"HTTP {status}" in error.message  # the log gets the details ...
    assert_anonymous(error, "secret")  # ... the voter does not
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("api", APIS)
async def test_an_error_event_inside_the_stream(api: str, upstream: FakeUpstream,
                                                upstream_provider: Any) -> None:
    upstream.script(text="one two three four", error_event=529 if api == "anthropic" else 500,
                    error_after_chunks=2)
    text, error = await fails(await upstream_provider(api), ask())
    assert isinstance(error, ProviderUnavailable) and text == "one two "


@pytest.mark.parametrize("api", APIS)
async def test_a_rate_limit_error_event_inside_the_stream(api: str, upstream: FakeUpstream,
                                                          upstream_provider: Any) -> None:
    upstream.script(text="one two three", error_event=429, error_after_chunks=1)
    text, error = await fails(await upstream_provider(api), ask())
    assert isinstance(error, ProviderRateLimited) and text == "one "


@pytest.mark.parametrize("api", APIS)
async def test_wrong_key_is_an_auth_error(api: str, upstream: FakeUpstream,
                                          upstream_provider: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    upstream.api_key = "sk-right"
    monkeypatch.setenv("TEST_KEY", "sk-wrong")
    _, error = await fails(await upstream_provider(api, api_key_env="TEST_KEY"), ask())
    assert isinstance(error, ProviderAuthError)
    monkeypatch.setenv("TEST_KEY", "sk-right")
    text, _ = await collect(await upstream_provider(api, api_key_env="TEST_KEY"), ask())
    assert text


@pytest.mark.parametrize("api", APIS)
def test_a_missing_key_is_a_config_error_unless_the_server_is_local(
        api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOT_SET_KEY", raising=False)
    remote = ModelConfig(name="remote", provider=api, base_url="https://llm.example.com/v1",
                         api_key_env="NOT_SET_KEY")
    with pytest.raises(ConfigError, match="model 'remote' needs NOT_SET_KEY"):
        create_provider(remote, ProviderOptions())
    local = remote.model_copy(update={"base_url": "http://localhost:11434/v1"})
    assert isinstance(create_provider(local, ProviderOptions()), Provider)


VENDOR_KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


@pytest.mark.parametrize("api", APIS)
def test_a_vendors_key_is_not_sent_to_another_host_by_default(
        api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VENDOR_KEYS[api], "sk-vendor-secret")
    monkeypatch.setenv("DEEPSEEK_KEY", "sk-deepseek")
    other = ModelConfig(name="other", provider=api, base_url="https://api.deepseek.com/v1")
    with pytest.raises(ConfigError, match="api.deepseek.com: name the variable that holds "
                                          f"its key with api_key_env \\({VENDOR_KEYS[api]}"):
        create_provider(other, ProviderOptions())
    named = create_provider(other.model_copy(update={"api_key_env": "DEEPSEEK_KEY"}),
                            ProviderOptions())
    assert isinstance(named, Provider)
    vendor = ModelConfig(name="vendor", provider=api)  # no base_url: the vendor's own host
    assert isinstance(create_provider(vendor, ProviderOptions()), Provider)


@pytest.mark.parametrize("api", APIS)
async def test_a_local_server_gets_neither_the_vendors_key_nor_openais_account_ids(
        api: str, upstream: FakeUpstream, upstream_provider: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in [(VENDOR_KEYS[api], "sk-vendor-secret"), ("OPENAI_ORG_ID", "org-secret"),
                        ("OPENAI_PROJECT_ID", "proj-secret")]:
        monkeypatch.setenv(name, value)
    await collect(await upstream_provider(api), ask())
    [seen] = upstream.requests
    sent = " ".join(f"{k}: {v}" for k, v in seen.headers.items())
    assert "sk-local-no-key" in sent
    assert not any(s in sent for s in ("sk-vendor-secret", "org-secret", "proj-secret")), sent


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("after_chunks", [None, 2])
async def test_a_stall_is_a_quick_timeout(api: str, after_chunks: int | None,
                                          upstream: FakeUpstream, upstream_provider: Any,
                                          upstream_options: ProviderOptions) -> None:
    upstream.script(stall_s=10, stall_after_chunks=after_chunks)
    provider = await upstream_provider(
        api, provider_options=replace(upstream_options, request_timeout_s=0.3))
    started = time.perf_counter()
    _, error = await fails(provider, ask())
    assert isinstance(error, ProviderTimeout)
    assert time.perf_counter() - started < 2
    assert_anonymous(error)
    await upstream.wait_for(lambda: upstream.requests[0].outcome == "client_closed")


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("style", ["close", "end"])
async def test_a_cut_stream_is_an_upstream_cut(api: str, style: str, upstream: FakeUpstream,
                                               upstream_provider: Any) -> None:
    upstream.script(text="one two three four five", cut_after_chunks=3, cut_style=style)
    text, error = await fails(await upstream_provider(api), ask())
    assert isinstance(error, ProviderUnavailable)
    assert error.code == "upstream_cut"  # told apart, with a hint about parallel slots
    assert text == "one two three "
    assert upstream.requests[0].outcome == "cut"


@pytest.mark.parametrize("api", APIS)
async def test_connection_refused_is_unavailable(api: str, upstream_model: Any,
                                                 upstream_options: ProviderOptions) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = upstream_model(api, base_url=f"http://127.0.0.1:{port}/v1")
    provider = create_provider(config, replace(upstream_options, connect_timeout_s=1))
    try:
        _, error = await fails(provider, ask())
    finally:
        await provider.aclose()
    assert isinstance(error, ProviderUnavailable)


@pytest.mark.parametrize("api", APIS)
async def test_closing_the_stream_closes_the_upstream_connection(
        api: str, upstream: FakeUpstream, upstream_provider: Any) -> None:
    upstream.script(model="verbose", delay_s=0.02)
    stream = (await upstream_provider(api, model="verbose")).stream(ask())
    assert isinstance(await anext(stream), Delta)
    await stream.aclose()
    await upstream.wait_for(lambda: upstream.requests[0].outcome == "client_closed", 1.0)
    assert upstream.requests[0].chunks_sent < 10


@pytest.mark.parametrize("api", APIS)
async def test_cancelling_the_task_closes_the_upstream_connection(
        api: str, upstream: FakeUpstream, upstream_provider: Any) -> None:
    upstream.script(delay_s=0.02, first_delay_s=0.05)
    provider = await upstream_provider(api, model="verbose")
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in provider.stream(ask()):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await upstream.wait_for(lambda: upstream.requests[0].outcome == "client_closed", 1.0)


@pytest.mark.parametrize("api", APIS)
async def test_no_sdk_retries_unless_configured(api: str, upstream: FakeUpstream,
                                                upstream_provider: Any,
                                                upstream_options: ProviderOptions) -> None:
    upstream.script(status=503, retry_after_ms=1)
    await fails(await upstream_provider(api), ask())
    assert len(upstream.requests) == 1
    upstream.reset()
    upstream.script(status=503, retry_after_ms=1)
    retrying = replace(upstream_options, max_retries=2, request_timeout_s=2)
    await fails(await upstream_provider(api, provider_options=retrying), ask())
    assert len(upstream.requests) == 3


async def test_openai_falls_back_when_stream_options_are_refused(upstream: FakeUpstream,
                                                                 upstream_provider: Any) -> None:
    upstream.script(text="plain answer", reject_stream_options=True)
    provider = await upstream_provider("openai")
    text, done = await collect(provider, ask())
    assert text == "plain answer" and done.finish_reason == "stop"
    assert (done.input_tokens, done.output_tokens) == (None, None)
    assert [r.outcome for r in upstream.requests] == ["error", "completed"]
    assert "stream_options" not in upstream.requests[1].body
    await collect(provider, ask())  # remembered: no refused attempt this time
    assert len(upstream.requests) == 3 and "stream_options" not in upstream.requests[2].body


async def test_openai_switches_to_max_completion_tokens_when_asked(
        upstream: FakeUpstream, upstream_provider: Any) -> None:
    upstream.script(status=400, times=1, error_message="Unsupported parameter: 'max_tokens' is "
                    "not supported with this model. Use 'max_completion_tokens' instead.")
    provider = await upstream_provider("openai")
    await collect(provider, ask(max_tokens=55))
    first, second = upstream.requests
    assert first.body["max_tokens"] == 55 and "max_tokens" not in second.body
    assert second.body["max_completion_tokens"] == 55


async def test_openai_token_parameter_option(upstream: FakeUpstream,
                                             upstream_provider: Any) -> None:
    provider = await upstream_provider("openai",
                                       options={"max_tokens_param": "max_completion_tokens"})
    await collect(provider, ask(max_tokens=33))
    assert upstream.requests[0].body["max_completion_tokens"] == 33
    with pytest.raises(ConfigError, match="max_tokens_param"):
        await upstream_provider("openai", options={"max_tokens_param": "tokens"})


async def test_anthropic_takes_a_v1_base_url_and_skips_empty_assistant_turns(
        upstream: FakeUpstream, upstream_provider: Any) -> None:
    provider = await upstream_provider("anthropic", base_url=upstream.openai_base_url)
    history = (Message("user", "hi"), Message("assistant", ""), Message("user", "again?"))
    await collect(provider, ChatRequest(messages=history, max_tokens=50))
    [seen] = upstream.requests
    assert seen.path == "/v1/messages"
    assert [m["role"] for m in seen.messages] == ["user", "user"]


async def test_many_concurrent_streams(upstream: FakeUpstream, upstream_provider: Any) -> None:
    upstream.script(delay_s=0.01)
    provider = await upstream_provider("openai", model="concise")
    results = await asyncio.gather(*(collect(provider, ask(f"question {i}")) for i in range(100)))
    assert all(done.finish_reason == "stop" and text for text, done in results)
    assert {r.outcome for r in upstream.requests} == {"completed"}


# --- the fake upstream itself ----------------------------------------------------------


def test_threaded_upstream_serves_sync_clients(threaded_upstream: FakeUpstream) -> None:
    base = threaded_upstream.openai_base_url
    with urllib.request.urlopen(f"{base}/models", timeout=5) as response:
        models = json.load(response)
    assert models["object"] == "list" and {"concise", "echo"} <= {m["id"] for m in models["data"]}
    sync = openai.OpenAI(api_key="x", base_url=base, max_retries=0)
    try:
        completion = sync.chat.completions.create(
            model="echo", messages=[{"role": "user", "content": "say this back"}])
    finally:
        sync.close()
    assert completion.choices[0].message.content == "say this back"
    assert completion.usage is not None and completion.usage.completion_tokens > 0


@pytest.mark.parametrize(("api", "shape"), [
    ("openai", {"message", "type", "param", "code"}), ("anthropic", {"type", "message"})])
def test_upstream_errors_use_each_providers_shape(api: str, shape: set[str],
                                                  threaded_upstream: FakeUpstream) -> None:
    threaded_upstream.api_key = "sk-right"
    path = "/v1/chat/completions" if api == "openai" else "/v1/messages"
    request = urllib.request.Request(threaded_upstream.base_url + path, method="POST",
                                     data=b'{"model": "m", "messages": []}',
                                     headers={"x-api-key": "nope",
                                              "content-type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=5)
    assert info.value.code == 401
    body = json.load(info.value)
    assert set(body["error"]) == shape
    if api == "anthropic":
        assert body["type"] == "error" and body["error"]["type"] == "authentication_error"


def test_script_rejects_unknown_behaviour(upstream: FakeUpstream) -> None:
    with pytest.raises(TypeError, match="unknown behaviour"):
        upstream.script(explode=True)


async def test_scripts_match_by_model_and_run_out(upstream: FakeUpstream,
                                                  upstream_provider: Any) -> None:
    upstream.script(text="general")
    upstream.script(model="special", text="special", times=1)
    special = await upstream_provider("openai", model="special")
    assert (await collect(special, ask()))[0] == "special"
    assert (await collect(special, ask()))[0] == "general"
    other = await upstream_provider("openai", name="other", model="other")
    assert (await collect(other, ask()))[0] == "general"


def test_threaded_upstream_answers_anthropic_without_streaming(
        threaded_upstream: FakeUpstream) -> None:
    import anthropic

    client = anthropic.Anthropic(api_key="x", base_url=threaded_upstream.base_url, max_retries=0)
    try:
        message = client.messages.create(model="echo", max_tokens=100, system="Be terse.",
                                         messages=[{"role": "user", "content": "ping back"}])
    finally:
        client.close()
    assert message.content[0].text == "ping back" and message.stop_reason == "end_turn"
    assert threaded_upstream.requests[0].system == "Be terse."


def test_the_command_line_serves_a_demo_upstream() -> None:
    command = [sys.executable, "-m", "arena.testing.upstream", "--port", "0", "--delay-s", "0",
               "--first-delay-s", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        base = banner.split("OpenAI base_url ")[1].split(",")[0]
        body = json.dumps({"model": "markdown", "stream": True,
                           "messages": [{"role": "user", "content": "Show me a table"}]})
        request = urllib.request.Request(f"{base}/chat/completions", data=body.encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            lines = [line.decode().strip() for line in response]
    finally:
        process.terminate()
        process.wait(timeout=5)
    data = [line[6:] for line in lines if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    text = "".join(json.loads(d)["choices"][0]["delta"].get("content", "") for d in data[:-1])
    assert "|---|" in text and "```python" in text
