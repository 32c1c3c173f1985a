"""Providers: CPU per streamed chunk, the SDKs' typed streams against the arena's adapters.

The fake upstream runs in a child process (``_harness.Upstream``, unpaced), so the CPU
measured here (``time.process_time`` of this process) is the client's alone. For each
API, in the same run and alternating, ``--streams`` answers of ``--words`` words (one
chunk a word, as the real APIs send about a token a chunk) are read:

- **baseline**: the official SDK's typed stream (``chat.completions.create(stream=True)``,
  ``messages.create(stream=True)``), reading each chunk's text — what the adapters did
  before;
- **arena adapter**: ``arena.providers`` ``OpenAIProvider`` / ``AnthropicProvider``, which
  make the call with the same SDK and read the body with ``arena.providers.sse``.

Figures are the median over ``--rounds`` rounds: CPU microseconds per chunk (long
answers), then CPU milliseconds per call (three-word answers: the cost of making the
call, sending the body and opening the stream).

A third table compares the HTTP clients under the SDKs (``ARENA_UPSTREAM_TRANSPORT``):
the adapters over httpx2 (the SDKs' default, baseline) and over the SDKs' own
``DefaultAioHttpClient``, reading ``--paced`` concurrent answers paced at a word every
10 ms, so each chunk arrives on its own as in a live battle (unpaced, chunks arrive
batched and cost less).

    .venv/bin/python benchmarks/providers.py
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import anthropic
import openai

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as h  # noqa: E402

from arena.providers import ChatRequest, Message, ProviderOptions  # noqa: E402
from arena.providers.anthropic import AnthropicProvider  # noqa: E402
from arena.providers.openai import OpenAIProvider  # noqa: E402
from arena.settings import ModelConfig  # noqa: E402

HEADER = ("| API | SDK typed call and stream (baseline) | arena adapter | baseline / adapter |\n"
          "|---|---|---|---|")
ASK = [{"role": "user", "content": "Explain how a hash map works."}]


async def cpu_per_chunk(read: Callable[[], Awaitable[int]], streams: int) -> float:
    chunks = 0
    start = time.process_time()
    for _ in range(streams):
        chunks += await read()
    return (time.process_time() - start) / max(1, chunks) * 1e6


async def cpu_per_call(read: Callable[[], Awaitable[int]], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        await read()
    return (time.process_time() - start) / calls * 1e3


async def compare(cases: dict[str, tuple[Callable[[], Awaitable[int]], ...]], rounds: int,
                  measure: Callable[[Callable[[], Awaitable[int]]], Awaitable[float]],
                  unit: str) -> None:
    for api, (base, ours) in cases.items():
        await base()
        await ours()  # warm both paths (imports, connection pool)
        b, o = [], []
        for _ in range(rounds):
            b.append(await measure(base))
            o.append(await measure(ours))
        mb, mo = statistics.median(b), statistics.median(o)
        print(f"| {api} | {mb:.2f} {unit} | {mo:.2f} {unit} | {mb / mo:.2f}× |")


async def run(args: argparse.Namespace, up: h.Upstream) -> None:
    root = f"http://{h.HOST}:{up.port}"
    sdk_openai = openai.AsyncOpenAI(api_key="sk-bench", base_url=up.openai_base_url)
    sdk_anthropic = anthropic.AsyncAnthropic(api_key="sk-bench", base_url=root)
    options = ProviderOptions(request_timeout_s=30)
    ours_openai = OpenAIProvider(
        ModelConfig(name="bench-o", provider="openai", model="bench", base_url=up.openai_base_url),
        options, client=sdk_openai)
    ours_anthropic = AnthropicProvider(
        ModelConfig(name="bench-a", provider="anthropic", model="bench", base_url=root),
        options, client=sdk_anthropic)
    request = ChatRequest(messages=(Message("user", ASK[0]["content"]),), max_tokens=1024)

    async def typed_openai() -> int:
        n = 0
        stream = await sdk_openai.chat.completions.create(model="bench", messages=ASK,
                                                          stream=True, max_tokens=1024)
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                n += 1
        return n

    async def typed_anthropic() -> int:
        n = 0
        stream = await sdk_anthropic.messages.create(model="bench", messages=ASK,
                                                     max_tokens=1024, stream=True)
        async for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                n += 1
        return n

    def adapter(provider: OpenAIProvider | AnthropicProvider) -> Callable[[], Awaitable[int]]:
        async def read() -> int:
            n = 0
            async for event in provider.stream(request):
                n += hasattr(event, "text")
            return n
        return read

    cases = {"OpenAI chat completions": (typed_openai, adapter(ours_openai)),
             "Anthropic messages": (typed_anthropic, adapter(ours_anthropic))}
    print(f"CPU per chunk: {args.streams} answers of {args.words} chunks a round\n")
    print(HEADER)
    await compare(cases, args.rounds, lambda read: cpu_per_chunk(read, args.streams), "µs")
    await asyncio.to_thread(up.script, None, text="One two three.")
    print(f"\nCPU per call: {args.calls} answers of three words a round\n")
    print(HEADER)
    await compare(cases, args.rounds, lambda read: cpu_per_call(read, args.calls), "ms")
    await sdk_openai.close()
    await sdk_anthropic.close()
    await transports(args, up, root, options, request)


async def transports(args: argparse.Namespace, up: h.Upstream, root: str,
                     options: ProviderOptions, request: ChatRequest) -> None:
    await asyncio.to_thread(up.reset)
    await asyncio.to_thread(up.script, None, delay_s=0.01)
    made: list[OpenAIProvider | AnthropicProvider] = []

    def build(api: str, transport: str) -> Callable[[], Awaitable[int]]:
        opts = replace(options, transport=transport)
        if api == "openai":
            provider: OpenAIProvider | AnthropicProvider = OpenAIProvider(ModelConfig(
                name="bench-o", provider="openai", model="bench",
                base_url=up.openai_base_url), opts)
        else:
            provider = AnthropicProvider(ModelConfig(
                name="bench-a", provider="anthropic", model="bench", base_url=root), opts)
        made.append(provider)

        async def one() -> int:
            n = 0
            async for event in provider.stream(request):
                n += hasattr(event, "text")
            return n

        async def read() -> int:  # --paced answers at once: the chunk count of all
            return sum(await asyncio.gather(*(one() for _ in range(args.paced))))
        return read

    cases = {f"{name}, {args.paced} paced streams at once": (build(api, "httpx"),
                                                            build(api, "aiohttp"))
             for api, name in (("openai", "OpenAI"), ("anthropic", "Anthropic"))}
    print(f"\nCPU per chunk by HTTP client: {args.paced} concurrent answers of {args.words} "
          "chunks, a chunk every 10 ms\n")
    print("| API | adapter over httpx2 (baseline) | adapter over aiohttp | baseline / aiohttp |\n"
          "|---|---|---|---|")
    await compare(cases, args.rounds, lambda read: cpu_per_chunk(read, 1), "µs")
    for provider in made:
        await provider.aclose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--words", type=int, default=172, help="chunks per answer (default 172)")
    p.add_argument("--streams", type=int, default=20, help="answers per round")
    p.add_argument("--calls", type=int, default=100, help="short answers per round")
    p.add_argument("--paced", type=int, default=100,
                   help="concurrent paced answers in the HTTP-client comparison")
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args()
    up = h.Upstream(delay_s=0.0, first_delay_s=0.0, words=args.words)
    try:
        print(f"Medians of {args.rounds} rounds, baseline and adapter alternating.\n")
        asyncio.run(run(args, up))
    finally:
        up.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
