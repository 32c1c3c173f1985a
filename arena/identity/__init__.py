"""Does a model's answer give away who wrote it? (the leak rule of blind battles)

``IdentityChecker`` is built once from the roster; ``check`` judges one model's answers in
a battle. The package splits the job: ``normalise`` undoes the spellings that hide a name
from a plain matcher, ``scripts`` finds a name written in another script, ``rules`` holds
the patterns that make a name a self-reference, ``names`` where a bare name is one,
``prompts`` what a prompt says (an identity question, an AI topic, a request for a text),
``terms`` the terms per model, and ``checker`` the decision.
"""

from arena.identity.checker import IdentityChecker, Leak, Rule
from arena.identity.normalise import normalise
from arena.identity.prompts import asks_identity


def is_identity_question(prompt: str) -> bool:
    """Does ``prompt`` ask the model who it is? The same test the checker applies to the
    prompt an answer replies to (after the same normalisation)."""
    return asks_identity(normalise(prompt))


__all__ = ["IdentityChecker", "Leak", "Rule", "is_identity_question"]
