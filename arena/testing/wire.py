"""What OpenAI's and Anthropic's HTTP APIs put on the wire, for ``FakeUpstream``.

Bodies and server-sent events follow the providers' documented shapes closely enough
that the official SDKs parse them with their own models: chat completion chunks ending
in ``data: [DONE]`` (with a usage chunk when asked), the Messages API's named events
from ``message_start`` to ``message_stop``, and each provider's error JSON.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

Frames = tuple[list[bytes], list[bytes], list[bytes]]  # before, the text deltas, after

_OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory",
          "Country, region, or territory not supported."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}
_ANTHROPIC_ERRORS = {400: "invalid_request_error", 401: "authentication_error",
                     403: "permission_error", 404: "not_found_error", 413: "request_too_large",
                     429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


@dataclass
class Reply:
    """One answer, already cut into the deltas it will be streamed as."""

    model: str
    pieces: list[str]
    finish_reason: str
    input_tokens: int
    output_tokens: int
    include_usage: bool = False  # OpenAI only: stream_options.include_usage was asked for
    id: str = field(default_factory=lambda: f"{time.time_ns():x}")

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    # --- OpenAI chat completions ---------------------------------------------------------

    def openai_json(self) -> dict[str, Any]:
        return {"id": f"chatcmpl-{self.id}", "object": "chat.completion",
                "created": int(time.time()), "model": self.model,
                "choices": [{"index": 0, "finish_reason": self.finish_reason, "logprobs": None,
                             "message": {"role": "assistant", "content": self.text}}],
                "usage": self._openai_usage()}

    def openai_frames(self) -> Frames:
        tail = [self._openai_chunk({}, self.finish_reason)]
        if self.include_usage:
            tail.append(sse({"id": f"chatcmpl-{self.id}", "object": "chat.completion.chunk",
                             "created": int(time.time()), "model": self.model, "choices": [],
                             "usage": self._openai_usage()}))
        tail.append(b"data: [DONE]\n\n")
        content = [self._openai_chunk({"content": p}) for p in self.pieces]
        return [self._openai_chunk({"role": "assistant", "content": ""})], content, tail

    def _openai_chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        payload: dict[str, Any] = {
            "id": f"chatcmpl-{self.id}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}
        if self.include_usage:
            payload["usage"] = None  # as OpenAI does: null on every chunk but the last
        return sse(payload)

    def _openai_usage(self) -> dict[str, int]:
        return {"prompt_tokens": self.input_tokens, "completion_tokens": self.output_tokens,
                "total_tokens": self.input_tokens + self.output_tokens}

    # --- Anthropic messages ----------------------------------------------------------------

    def anthropic_json(self) -> dict[str, Any]:
        return {"id": f"msg_{self.id}", "type": "message", "role": "assistant",
                "model": self.model, "content": [{"type": "text", "text": self.text}],
                "stop_reason": self.finish_reason, "stop_sequence": None,
                "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens}}

    def anthropic_frames(self) -> Frames:
        start = {"type": "message_start", "message": {
            "id": f"msg_{self.id}", "type": "message", "role": "assistant", "content": [],
            "model": self.model, "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": 1}}}
        before = [sse(start, "message_start"),
                  sse({"type": "content_block_start", "index": 0,
                       "content_block": {"type": "text", "text": ""}}, "content_block_start"),
                  sse({"type": "ping"}, "ping")]
        content = [sse({"type": "content_block_delta", "index": 0,
                        "delta": {"type": "text_delta", "text": p}}, "content_block_delta")
                   for p in self.pieces]
        after = [sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
                 sse({"type": "message_delta",
                      "delta": {"stop_reason": self.finish_reason, "stop_sequence": None},
                      "usage": {"output_tokens": self.output_tokens}}, "message_delta"),
                 sse({"type": "message_stop"}, "message_stop")]
        return before, content, after


def error_body(api: str, status: int, message: str | None = None,
               request_id: str = "req_0") -> dict[str, Any]:
    """The JSON error body each provider sends with an HTTP error status."""
    if api == "anthropic":
        kind = _ANTHROPIC_ERRORS.get(status) or (
            "api_error" if status >= 500 else "invalid_request_error")
        return {"type": "error", "request_id": request_id,
                "error": {"type": kind, "message": message or kind.replace("_", " ")}}
    kind, code, wording = _OPENAI_ERRORS.get(status) or (
        ("server_error", None, "Upstream error.") if status >= 500
        else ("invalid_request_error", None, "Invalid request."))
    return {"error": {"message": message or wording, "type": kind, "param": None, "code": code}}


def error_frame(api: str, status: int, request_id: str = "req_0") -> bytes:
    """An error inside a stream that has already answered 200, as each provider sends it."""
    body = error_body(api, status, request_id=request_id)
    return sse(body, "error") if api == "anthropic" else sse(body)


def models_body(api: str, names: list[str]) -> dict[str, Any]:
    if api == "anthropic":
        data = [{"type": "model", "id": n, "display_name": n,
                 "created_at": "2025-01-01T00:00:00Z"} for n in names]
        return {"data": data, "has_more": False, "first_id": names[0] if names else None,
                "last_id": names[-1] if names else None}
    return {"object": "list", "data": [{"id": n, "object": "model", "created": 1735689600,
                                        "owned_by": "fake-upstream"} for n in names]}


def sse(payload: object, event: str | None = None) -> bytes:
    data = f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()
    return f"event: {event}\n".encode() + data if event else data


def text_of(content: object) -> str:
    """The plain text of a message's content: a string, or a list of text parts/blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""
