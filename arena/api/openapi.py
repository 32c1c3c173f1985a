"""What the OpenAPI schema says about errors: every route answers a failure with the one
error shape, so each router declares it for the 4xx and 5xx ranges.

Declaring the 4xx range also keeps FastAPI from adding its own 422 ``HTTPValidationError``
schema, which the arena never sends (its validation errors use the same shape).
"""

from __future__ import annotations

from typing import Any

from arena.schemas import ErrorBody

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "the request was refused; `error.code` says "
                                               "why and `error.message` how to fix it"},
    "5XX": {"model": ErrorBody, "description": "the server or a service it needs failed; "
                                               "try again in a moment"},
}
