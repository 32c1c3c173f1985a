"""Battle permalinks: a voter may share a battle after voting, when the operator allows it
(``ARENA_SHARE_BATTLES``, off by default).

What a shared battle shows: both conversations (each turn's prompt and the answers the
voter last saw), the two models (revealed anyway once voted) and the vote. Never the
voter, the address, or whether the vote was counted (that is the voter's to know, and a
cap or a probation is not even told to them).

What is never shared: a battle whose prompts or answers hold what looks like an e-mail
address, a key, a token or a password. The check is deliberately broad — it refuses on
the shape of a secret, not on proof that one is live — because a false refusal costs a
link and a missed secret cannot be taken back once the page is public. ``private_data``
says which kind it found, so the voter is told why.

A shared battle's address is ``/b/{slug}``: the slug is random (128 bits) and is not the
battle id, which the voter's own page holds and which lets its owner act on the battle.
"""

from __future__ import annotations

import math
import re
import secrets
from collections import Counter
from collections.abc import Iterable

# A word of its own or the end of a name (DB_PASSWORD, apiKey): not a letter before it.
_SECRET_WORD = (r"(?:passw(?:or)?d|passwd|pwd|secret|api[_ -]?key|access[_ -]?key|"
                r"auth[_ -]?token|token|mot de passe|contrase[ñn]a|passwort|senha|пароль|密码)")
# A secret's value: 6+ characters, not a call or a member of code (`z.string()`).
_VALUE = r"[^\s\"'(){}\[\],;]{6,}(?![(\w.])"

# Each pattern, with the words the voter is told.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(
        r"[\w.%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("an API key or token", re.compile(
        r"\b(?:"
        r"sk-(?:ant-|proj-|live-)?[A-Za-z0-9_-]{16,}"       # OpenAI, Anthropic, ...
        r"|(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}"          # AWS access key ids
        r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
        r"|glpat-[A-Za-z0-9_-]{20,}"
        r"|xox[abposr]-[A-Za-z0-9-]{10,}"                     # Slack
        r"|AIza[0-9A-Za-z_-]{35}"                             # Google
        r"|hf_[A-Za-z0-9]{30,}"                               # Hugging Face
        r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"       # Stripe
        r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # a JWT
        r"|npm_[A-Za-z0-9]{30,}|pypi-[A-Za-z0-9_-]{40,}"
        r")")),
    ("a password or secret", re.compile(
        rf"(?i)(?<![^\W_]){_SECRET_WORD}\s*[:=]\s*[\"']?{_VALUE}")),
    # "my password is hunter22": in prose only a value with a digit or a symbol counts
    # ("the password is important." does not).
    ("a password or secret", re.compile(
        rf"(?i)(?<![^\W_]){_SECRET_WORD}\s+(?:is|was|est|ist|es)\b:?\s*[\"']?"
        rf"(?=[^\s\"']*[\d@#$%^&*_+=~|<>/\\-]){_VALUE}")),
    ("a password in an address", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@]+:[^\s/@]+@")),
    ("a bearer token", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*")),
)

# An unlabelled key: one unbroken run of at least 24 letters and digits (base64 may hold
# + and =) mixing upper case, lower case and digits, as random as a key is. A URL's path,
# a snake_case or kebab-case name and a hex digest break into words, lack a case, or
# repeat letters too much.
_RUN = re.compile(r"[A-Za-z0-9+]{24,}={0,2}")
MIN_ENTROPY_BITS = 4.0  # per character (random base62 over 24+ characters: about 4.3+)


def _random_looking(run: str) -> bool:
    run = run.rstrip("=")
    if not (any(c.islower() for c in run) and any(c.isupper() for c in run)
            and sum(c.isdigit() for c in run) >= 2):
        return False
    counts = Counter(run)
    bits = -sum(n / len(run) * math.log2(n / len(run)) for n in counts.values())
    return bits >= MIN_ENTROPY_BITS


def private_data(texts: Iterable[str]) -> str | None:
    """What kind of private data the texts hold ("an e-mail address", ...), or None."""
    for text in texts:
        for kind, pattern in _PATTERNS:
            if pattern.search(text):
                return kind
        if any(_random_looking(m.group()) for m in _RUN.finditer(text)):
            return "what looks like a key or token"
    return None


def new_slug() -> str:
    return secrets.token_urlsafe(16)  # 22 characters, 128 bits


SLUG = re.compile(r"[A-Za-z0-9_-]{22}")
