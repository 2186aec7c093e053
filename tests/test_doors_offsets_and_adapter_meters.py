"""Doors: an offset's minutes and seconds, and the adapters' ``meters=`` argument."""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit.adapters import borel, ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("2026-03-01T00:00:00+05:60", "+05:60"),  # datetime read it as +06:00
        ("2026-03-01T00:00:00+0560", "+0560"),
        ("2026-03-01T00:00:00-01:75", "-01:75"),
        ("2026-03-01T00:00:00+05:30:99", "+05:30:99"),  # as +05:31:39
        ("2026-03-01T00:00:00+23:60", "+23:60"),
    ],
)
def test_an_offset_with_60_minutes_or_seconds_or_more_is_refused(text: str, offset: str) -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Span(text, "2027-01-01T00:00:00Z")
    assert str(caught.value) == (
        f"Span start {text!r} has the offset {offset!r}, whose minutes or seconds are 60 or "
        "more; an offset is '+hh:mm' (or '+hh:mm:ss') with minutes and seconds from 00 to "
        "59, like '+05:30'."
    )
    with pytest.raises(rk.BadTimeError, match="whose minutes or seconds are 60 or more"):
        rk.Event("a", "vm-1", text, kind="start", id="e1")


def test_offsets_up_to_59_minutes_and_seconds_are_read() -> None:
    # 00:00 at +05:59:59 is 18:00:01 UTC the day before; at -09:59, 09:59 UTC.
    assert rk.Span("2026-03-01T00:00:00+05:59:59", "2027-01-01T00:00:00Z").start_us == (
        rk.Span("2026-02-28T18:00:01Z", "2027-01-01T00:00:00Z").start_us
    )
    assert rk.Span("2026-03-01T00:00:00-0959", "2027-01-01T00:00:00Z").start_us == (
        rk.Span("2026-03-01T09:59:00Z", "2027-01-01T00:00:00Z").start_us
    )


FEED = [
    {
        "message_id": "s1",
        "counter_name": "cpu",
        "counter_type": "cumulative",
        "counter_unit": "ns",
        "counter_volume": 0,
        "project_id": "p-1",
        "resource_id": "vm-1",
        "timestamp": "2026-03-02T08:00:00Z",
    }
]


def test_an_adapter_given_one_meter_or_none_for_its_meters_says_so() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        ceilometer.samples(FEED, meters=ceilometer.CPU_HOURS)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "samples meters must be an iterable (a list or tuple), not Meter: "
        "Meter('cpu', 'hour', Counter())."
    )
    with pytest.raises(rk.RatekitTypeError, match="not NoneType: None"):
        ceilometer.samples(FEED, meters=None)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"^usage_rows meters must be an iterable"):
        borel.usage_rows([], period=MARCH, meters=borel.METERS[0])  # type: ignore[arg-type]
