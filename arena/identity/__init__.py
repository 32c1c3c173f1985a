"""Does a model's answer give away who wrote it? (the leak rule of blind battles)

``IdentityChecker`` is built once from the roster; ``check`` judges one model's answers in
a battle. The package splits the job: ``normalise`` undoes the spellings that hide a name
from a plain matcher, ``rules`` holds the language patterns (self-reference, identity
questions, topics), ``checker`` holds the terms per model and the decision.
"""

from arena.identity.checker import IdentityChecker, Leak, Rule

__all__ = ["IdentityChecker", "Leak", "Rule"]
