"""The detection job's newcomers are cookies: voters an invite or a sign-in gave are never
held on probation as churn, however many share one address (a class behind one NAT)."""

from __future__ import annotations

from arena.integrity.detection import DetectionPolicy
from arena.integrity.job import judge
from arena.store import BattleActivity
from tests.integrity.test_probation import NOW, vote


def test_identified_newcomers_at_one_address_are_not_held():
    policy = DetectionPolicy(probation_s=3600)
    pupils = [vote(k, f"pupil-{k}", "school-nat", 10) for k in range(1, 31)]
    activity = BattleActivity(battles=30, by_voter={}, by_address={},
                              by_model={"m1": 30, "m2": 30})
    assert judge(pupils, activity, policy, NOW).held == set(range(1, 31))  # as cookies
    identified = {f"pupil-{k}" for k in range(1, 31)}
    assert judge(pupils, activity, policy, NOW, identified).held == set()
    # Only the identified ones are spared: two cookies there are still churn.
    mixed = [*pupils, vote(31, "cookie-1", "school-nat", 10),
             vote(32, "cookie-2", "school-nat", 10)]
    activity = BattleActivity(battles=32, by_voter={}, by_address={},
                              by_model={"m1": 32, "m2": 32})
    assert judge(mixed, activity, policy, NOW, identified).held == {31, 32}
