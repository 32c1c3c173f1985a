"""The OpenAPI schema tells the truth: the leaderboard's shape is in it, and every route's
errors are the arena's one error shape — FastAPI's ``HTTPValidationError`` appears nowhere,
since the arena never sends it."""

from __future__ import annotations

from typing import Any

from tests.conftest import fake, fake_roster

ROSTER = fake_roster(fake("alpha-1"), fake("beta-2"))


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]  # type: ignore[no-any-return]


async def test_every_route_documents_the_one_error_shape(asgi):
    async with asgi(roster=ROSTER) as c:
        r = await c.get("/api/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    text = r.text
    assert "HTTPValidationError" not in text and '"ValidationError"' not in text
    error = schema["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    detail = resolve(schema, error["properties"]["error"])
    assert set(detail["required"]) == {"code", "message"}
    operations = [(path, method, op) for path, item in schema["paths"].items()
                  for method, op in item.items()]
    assert len(operations) >= 10
    for path, method, op in operations:
        for status in ("4XX", "5XX"):
            body = op["responses"].get(status)
            assert body is not None, (path, method, status)
            ref = body["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorBody"), (path, method, status)
        assert "422" not in op["responses"], (path, method)


async def test_the_leaderboard_shape_is_in_the_schema(asgi):
    async with asgi(roster=ROSTER) as c:
        schema = (await c.get("/api/openapi.json")).json()
    ok = schema["paths"]["/api/leaderboard"]["get"]["responses"]["200"]
    board = resolve(schema, ok["content"]["application/json"]["schema"])
    assert {"models", "unlisted", "matrices", "totals", "demo", "updated_at",
            "method"} <= set(board["required"])
    entry = resolve(schema, board["properties"]["models"]["items"])
    assert {"model", "rating", "ci_low", "ci_high", "rank", "votes", "wins", "losses",
            "ties", "both_bad", "win_rate"} <= set(entry["required"])
    assert "rank_change" not in entry["required"]  # style control only
    for path in ("/api/categories", "/api/info"):
        ok = schema["paths"][path]["get"]["responses"]["200"]
        assert "$ref" in ok["content"]["application/json"]["schema"], path
