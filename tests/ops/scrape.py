"""Reading /metrics the way Prometheus does: prometheus-client's own parser of the text
format, so a test fails on a body Prometheus would not accept."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; a missing series is an error, never a silent zero."""
    key = (name, frozenset(labels.items()))
    assert key in samples, f"no sample {name}{labels} in /metrics"
    return samples[key]


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of ``name`` whose labels include ``labels``."""
    want = set(labels.items())
    found = [v for (n, ls), v in samples.items() if n == name and want <= ls]
    assert found, f"no sample {name}{labels} in /metrics"
    return sum(found)
