"""arena: a self-hostable, anonymous, pairwise LLM arena."""

__version__ = "0.1.0"
