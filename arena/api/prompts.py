"""A look at a prompt before it is sent: does it ask the models who they are?

The page asks while the voter types, and warns that the vote won't count if a model says
who it is — the leak rule (``arena.identity``) treats any own name in the answer to such a
question as a give-away. The answer says nothing about any model, so it is safe to give
before the vote; the same classifier decides at vote time, so the warning and the rule agree.
"""

from __future__ import annotations

from fastapi import APIRouter

from arena.api.openapi import ERROR_RESPONSES
from arena.identity import is_identity_question
from arena.schemas import PromptCheck, PromptIn

router = APIRouter(prefix="/api/prompts", tags=["battles"], responses=ERROR_RESPONSES)

IDENTITY_WARNING = ("This asks the models who they are: the vote won't count if a model "
                    "says who it is.")


@router.post("/check", response_model=PromptCheck)
async def check_prompt(body: PromptIn) -> PromptCheck:
    identity = is_identity_question(body.prompt)
    return PromptCheck(identity_question=identity,
                       warning=IDENTITY_WARNING if identity else None)
