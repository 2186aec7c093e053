"""A leap second (23:59:60, valid RFC 3339) is refused for what it is, not as bad ISO-8601."""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit.adapters import cloudevents

LEAP = (
    "is a leap second (second 60), which ratekit cannot place: it counts time as POSIX "
    "time, without leap seconds. Write the instant as second 59 or as the next minute's "
    "second 0."
)


@pytest.mark.parametrize(
    "text", ["2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5+00:00", "2016-12-31 23:59:60Z"]
)
def test_a_leap_second_is_named_as_such(text: str) -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Span(text, "2017-01-02T00:00:00Z")
    assert str(caught.value) == f"Span start {text!r} {LEAP}"


def test_other_bad_seconds_are_still_not_iso_8601() -> None:
    with pytest.raises(rk.BadTimeError, match=r"is not an instant ratekit reads \(no such date"):
        rk.Span("2016-12-31T23:59:61Z", "2017-01-02T00:00:00Z")


def test_a_cloudevent_at_a_leap_second_names_its_time_field() -> None:
    spec = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens")
    event = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/gw",
        "type": "tokens",
        "subject": "c-1",
        "time": "2016-12-31T23:59:60Z",
        "data": {"tokens": 1200},
    }
    with pytest.raises(rk.RatekitError) as caught:
        cloudevents.usage_events([event], spec)
    assert "[0].time '2016-12-31T23:59:60Z' is a leap second (second 60)" in str(caught.value)
