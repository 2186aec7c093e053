"""Hostile input, one defect at a time: each test is a case that once escaped or misled.

Deep nesting and enormous values must give a ``BadRecordError`` that names the position
and the field, never a ``RecursionError`` or a message of megabytes.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import ratekit as rk
from ratekit.adapters import borel, ceilometer, cloudevents, cloudfoundry, exoscale

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SPEC = cloudevents.Spec({"t": "m"}, quantity="data.q", account="subject", resource="data.r")


def _nested_list(depth: int) -> list[object]:
    outer: list[object] = []
    inner = outer
    for _ in range(depth):
        deeper: list[object] = []
        inner.append(deeper)
        inner = deeper
    return outer


def _nested_dict(depth: int) -> dict[str, object]:
    outer: dict[str, object] = {}
    inner = outer
    for _ in range(depth):
        deeper: dict[str, object] = {}
        inner["a"] = deeper
        inner = deeper
    return outer


FEEDS: dict[str, tuple[Callable[[object], object], str]] = {
    "cf apps": (cloudfoundry.app_usage_events, "Cloud Foundry app usage event"),
    "cf services": (cloudfoundry.service_usage_events, "Cloud Foundry service usage event"),
    "exoscale": (exoscale.usage_events, "Exoscale usage event"),
    "borel": (lambda feed: borel.usage_rows(feed, period=MARCH), "Borel row"),
    "cloudevents": (lambda feed: cloudevents.usage_events(feed, SPEC), "CloudEvent"),
    "ceilometer": (
        lambda feed: ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS]),
        "Ceilometer sample",
    ),
    "nova": (ceilometer.instance_notifications, "Nova notification"),
}


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_a_list_nested_deeper_than_the_recursion_limit_is_refused_by_position(name: str) -> None:
    read, what = FEEDS[name]
    with pytest.raises(rk.BadRecordError) as caught:
        read(_nested_list(100_000))
    assert str(caught.value) == f"{what} [0] must be a JSON object (a dict), not [[[[[...]]]]]."


def test_a_deep_value_where_a_name_is_expected_is_shown_shortened() -> None:
    event = {
        "specversion": "1.0",
        "id": "1",
        "source": "s",
        "type": "t",
        "subject": "c",
        "time": "2026-03-02T08:00:00Z",
        "data": {"q": 1, "r": _nested_dict(5_000)},
    }
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([event], SPEC)
    assert str(caught.value) == (
        "CloudEvent [0].data.r must be a non-empty string, not {'a': {'a': {'a': {'a': {...}}}}}."
    )


def test_an_enormous_list_is_shown_by_its_first_items() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        cloudfoundry.app_usage_events({"resources": [list(range(1_000_000))]})
    assert str(caught.value) == (
        "Cloud Foundry app usage event resources[0] must be a JSON object (a dict), "
        "not [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...]."
    )


def test_a_dict_is_shown_in_its_own_order() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events([{"type": {"z": 1, "a": 2}}])
    assert str(caught.value) == (
        "Exoscale usage event [0].type must be a non-empty string, not {'z': 1, 'a': 2}."
    )


def test_an_integer_too_long_to_print_is_named_by_its_type() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events([{"type": 10**5000}])
    assert (
        str(caught.value)
        == "Exoscale usage event [0].type must be a non-empty string, not a value of type int."
    )
