"""The demo roster: what ``arena serve`` runs with no configuration at all.

Five scripted ``fake`` models whose answers differ in a way a person can see — length,
formatting, one that echoes, one that sometimes names itself so the leak rule shows.
"""

from __future__ import annotations

from arena.settings import Roster, parse_roster

DEMO_MODELS = [
    {"name": "hare-mini", "provider": "fake", "model": "concise"},
    {"name": "tortoise-70b", "provider": "fake", "model": "verbose"},
    {"name": "scribe-13b", "provider": "fake", "model": "markdown"},
    {"name": "parrot-3b", "provider": "fake", "model": "echo"},
    {"name": "gossip-7b", "provider": "fake", "model": "leaky",
     "options": {"maker": "Gossip Labs"}, "aliases": ["Gossip Labs"]},
]


def demo_roster() -> Roster:
    return parse_roster({"models": DEMO_MODELS, "demo": True}, source="demo roster")
