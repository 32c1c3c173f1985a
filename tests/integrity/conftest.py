"""Settings of the rigging tests: behind a trusted proxy (client addresses are
``X-Forwarded-For`` values), per-minute rate limits off, the detection job run by hand."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def rig_settings(settings: Any) -> Any:
    return settings.model_copy(update={
        "trusted_proxies": ["127.0.0.1/32"], "secret_key": "k" * 32,
        "battles_per_minute_voter": 0, "battles_per_minute_ip": 0,
        "votes_per_minute_voter": 0, "votes_per_minute_ip": 0,
        # Reading time is the answers' words at this pace, but never under 1 s: a voter
        # here that does not wait votes too fast. Groups need 10 votes before their
        # too-fast share can flag them, so the churned cookies (5 votes) and the honest
        # voters (≤ 8) are judged by the statistical tests alone.
        "fast_vote_words_per_s": 1e9,
        "detection_interval_s": 0, "leaderboard_refresh_s": 0.02, "min_votes": 0})
