"""Does a model's answer give away who wrote it? (the leak rule of blind battles)

``IdentityChecker`` is built once from the roster; ``check`` judges one model's answers in
a battle. The package splits the job: ``normalise`` undoes the spellings that hide a name
from a plain matcher, ``rules`` holds the language patterns (self-reference, identity
questions, topics), ``checker`` holds the terms per model and the decision.
"""

from arena.identity.checker import IdentityChecker, Leak, Rule
from arena.identity.normalise import normalise
from arena.identity.rules import asks_identity


def is_identity_question(prompt: str) -> bool:
    """Does ``prompt`` ask the model who it is? The same test the checker applies to the
    prompt an answer replies to (after the same normalisation)."""
    return asks_identity(normalise(prompt))


__all__ = ["IdentityChecker", "Leak", "Rule", "is_identity_question"]
