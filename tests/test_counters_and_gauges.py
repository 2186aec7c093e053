"""Counters and gauges as operators record them: counting from zero at boot, sizes held."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _budget import LAWS

DAILY = rk.cycles.daily(tz="UTC")
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z")
MARCH_1 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def at(hours: float) -> dt.datetime:
    return MARCH_1 + dt.timedelta(hours=hours)


def cpu(hours: float, value: int, number: int) -> rk.Sample:
    return rk.Sample("a", "vm", "cpu", at(hours), value, kind="counter", id=f"s{number}")


def rows(
    records: list[rk.Event | rk.Sample | rk.Inventory], *meters: rk.Meter
) -> list[tuple[str, str, Decimal]]:
    usage = rk.meter(records, meters, span=SPAN, cycle=DAILY, as_of=SPAN.end)
    return [
        (row.span.start.strftime("%d %H:%M"), row.span.end.strftime("%d %H:%M"), row.quantity)
        for row in usage.rows
    ]


BOOT = [
    rk.Event("a", "vm", at(22), {"flavor": "m1"}, kind="start", id="e1"),  # 1 Mar 22:00
    cpu(25, 1800, 1),  # 2 Mar 01:00: 1800 s of CPU since boot
    cpu(27, 5400, 2),  # 2 Mar 03:00
    rk.Event("a", "vm", at(28), kind="stop", id="e2"),
]


# -- counters ----------------------------------------------------------------------------------


def test_a_counter_from_its_first_reading_loses_the_first_interval() -> None:
    meter = rk.Meter("cpu", "s", rk.Counter())
    # The first reading (1800) is the baseline: only 5400 - 1800 = 3600 s, all on 2 Mar.
    assert rows(list(BOOT), meter) == [("02 00:00", "03 00:00", Decimal(3600))]


def test_a_counter_from_zero_counts_its_first_reading_from_the_start() -> None:
    meter = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
    # 0 at the 22:00 start: 1800 s spread over 22:00..01:00 (3 h) gives 1800 x 2/3 = 1200 to
    # 1 Mar and 600 to 2 Mar; then 3600 more on 2 Mar: 600 + 3600 = 4200. Total 5400, the
    # last reading.
    assert rows(list(BOOT), meter) == [
        ("01 22:00", "02 00:00", Decimal(1200)),
        ("02 00:00", "03 00:00", Decimal(4200)),
    ]


def test_a_resize_does_not_begin_a_new_stretch_but_a_stop_does() -> None:
    meter = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("a", "vm", at(0), {"flavor": "m1"}, kind="start", id="e1"),
        rk.Event("a", "vm", at(1), {"flavor": "m2"}, kind="update", id="e2"),  # a resize
        cpu(3, 300, 1),
    ]
    # Counted from 00:00, the start, over 3 h: 100 per hour, cut at the resize: 100 + 200.
    assert rows(records, meter) == [
        ("01 00:00", "01 01:00", Decimal(100)),
        ("01 01:00", "02 00:00", Decimal(200)),
    ]
    restarted: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("a", "vm", at(0), {"flavor": "m1"}, kind="start", id="e1"),
        rk.Event("a", "vm", at(1), kind="stop", id="e2"),
        rk.Event("a", "vm", at(2), kind="start", id="e3"),  # boots again: the counter is 0
        cpu(6, 400, 1),
    ]
    # Counted from the 02:00 start, over 4 h: 400, on a row that is not cut by the status.
    assert rows(restarted, meter) == [("01 00:00", "02 00:00", Decimal(400))]


def test_a_first_reading_at_the_stop_spreads_over_the_run_that_it_ends() -> None:
    meter = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("a", "vm", at(23), {"flavor": "m1"}, kind="start", id="e1"),
        rk.Event("a", "vm", at(25), kind="stop", id="e2"),
        cpu(25, 120, 1),  # read as the instance stops, 2 h after its start
    ]
    # 120 over 23:00..01:00: 60 to 1 Mar, 60 to 2 Mar.
    assert rows(records, meter) == [
        ("01 23:00", "02 00:00", Decimal(60)),
        ("02 00:00", "03 00:00", Decimal(60)),
    ]


def test_a_counter_known_only_from_its_samples_counts_its_first_reading_at_its_instant() -> None:
    meter = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
    # No start is known: the 1800 counts at 2 Mar 01:00, the 3600 after it too.
    assert rows([cpu(25, 1800, 1), cpu(27, 5400, 2)], meter) == [
        ("02 00:00", "03 00:00", Decimal(5400))
    ]
    assert rows([cpu(25, 1800, 1), cpu(27, 5400, 2)], rk.Meter("cpu", "s", rk.Counter())) == [
        ("02 00:00", "03 00:00", Decimal(3600))
    ]


def test_a_carried_reading_is_the_baseline_of_the_next_call() -> None:
    meter = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
    first_day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    first = rk.meter(
        [BOOT[0], rk.Sample("a", "vm", "cpu", at(23), 600, kind="counter", id="s0")],
        [meter],
        span=first_day,
        cycle=DAILY,
        as_of=first_day.end,
    )
    # Day 1: 600 from the 22:00 start to 23:00.
    assert first.total() == Decimal(600)
    second = rk.meter(
        [cpu(25, 1800, 1)],
        [meter],
        span=rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"),
        cycle=DAILY,
        as_of=SPAN.end,
        state=first.state,
    )
    # Day 2 continues from the carried 600 at 23:00, not from zero: 1800 - 600 = 1200 over
    # 23:00..01:00, of which the half after midnight, 600, falls in day 2.
    assert second.total() == Decimal(600)


def test_from_zero_is_a_bool() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Counter(from_zero="yes")  # type: ignore[arg-type]
    assert str(caught.value) == "Counter from_zero must be True or False, not 'yes'."


@settings(max_examples=LAWS)
@given(
    st.integers(0, 20),
    st.lists(st.tuples(st.integers(1, 40), st.integers(0, 10_000)), min_size=1, max_size=6),
)
def test_counting_from_zero_adds_exactly_the_first_reading(
    start_hour: int, readings: list[tuple[int, int]]
) -> None:
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("a", "vm", at(start_hour), {"flavor": "m1"}, kind="start", id="e0")
    ]
    for number, (after, value) in enumerate(readings):
        records.append(cpu(start_hour + after + number * 41, value, number))
    plain = rk.meter(
        records, [rk.Meter("cpu", "s", rk.Counter())], span=SPAN, cycle=DAILY, as_of=SPAN.end
    )
    zero = rk.meter(
        records,
        [rk.Meter("cpu", "s", rk.Counter(from_zero=True))],
        span=SPAN,
        cycle=DAILY,
        as_of=SPAN.end,
    )
    # Whatever the resets, the only difference is the first reading, counted from 0.
    assert zero.total() - plain.total() == readings[0][1]
    assert zero.anomalies == plain.anomalies


# -- gauges of a size ----------------------------------------------------------------------------


def image_size(hours: float, size: str, number: int) -> rk.Event:
    """A Ceilometer image.size gauge (seed 001) as an update: its metadata describes the image."""
    metadata = {"status": "active", "size": 0, "properties": {"disk_format": "raw", "size": size}}
    return rk.Event("229301dc", "87252d51", at(hours), metadata, id=f"g{number}")


IMAGE_GB = rk.Meter("image", "GB*hour", rk.Continuous("properties.size", unit="B"))
IMAGE_B = rk.Meter("image-bytes", "B*hour", rk.Continuous("properties.size", unit="B"))


def test_a_size_gauge_is_held_from_its_first_reading_until_the_delete() -> None:
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        image_size(20, "2361393152", 1),  # 1 Mar 20:00: the first gauge opens the image
        image_size(21, "2361393152", 2),  # an hourly gauge that changes nothing
        image_size(22, "2361393152", 3),
        rk.Event("229301dc", "87252d51", at(26), kind="delete", id="g4"),  # 2 Mar 02:00
    ]
    # Held 4 h on 1 Mar and 2 h on 2 Mar: 2361393152 B x 4 h = 9445572608 B*h = 9.445572608
    # GB*h; x 2 h = 4722786304 B*h = 4.722786304 GB*h.
    assert rows(records, IMAGE_GB, IMAGE_B) == [
        ("01 20:00", "02 00:00", Decimal("9.445572608")),
        ("02 00:00", "02 02:00", Decimal("4.722786304")),
        ("01 20:00", "02 00:00", Decimal(9445572608)),
        ("02 00:00", "02 02:00", Decimal(4722786304)),
    ]


def test_a_size_that_changes_between_gauges_holds_each_size_until_the_next() -> None:
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        image_size(0, "1000000000", 1),
        image_size(1, "3000000000", 2),  # the image grew
        rk.Event("229301dc", "87252d51", at(3), kind="delete", id="g3"),
    ]
    # 1 GB x 1 h + 3 GB x 2 h = 1 + 6 GB*h
    assert rows(records, IMAGE_GB) == [
        ("01 00:00", "01 01:00", Decimal(1)),
        ("01 01:00", "01 03:00", Decimal(6)),
    ]


def test_a_lost_delete_is_closed_at_the_last_gauge_by_an_inventory() -> None:
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        image_size(0, "2000000000", 1),
        image_size(1, "2000000000", 2),
        image_size(2, "2000000000", 3),  # the last gauge: the image was deleted after it
        rk.Inventory(at(12), [], close="last_seen", id="inv"),  # the image is not listed
    ]
    # Held from 00:00 to its last sign of life at 02:00: 2 GB x 2 h = 4 GB*h.
    assert rows(records, IMAGE_GB) == [("01 00:00", "01 02:00", Decimal(4))]


def test_gauge_samples_of_a_size_become_updates_of_a_level() -> None:
    # A gauge whose value is the size (not its metadata): each reading is an update of the
    # attribute the meter reads; the same rules hold.
    samples = [
        rk.Sample("a", "vol-1", "size", at(h), v, kind="gauge", id=f"v{h}")
        for h, v in [(0, 2048), (2, 4096)]
    ]
    updates: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event(s.account, s.resource, s.at, {"size_mib": s.value}, id=s.id) for s in samples
    ]
    updates.append(rk.Event("a", "vol-1", at(5), kind="delete", id="d1"))
    meter = rk.Meter("volume", "GiB*hour", rk.Continuous("size_mib", unit="MiB"))
    # 2048 MiB = 2 GiB for 2 h, then 4 GiB for 3 h: 4 + 12 = 16 GiB*h.
    assert sum(quantity for _, _, quantity in rows(updates, meter)) == Decimal(16)
