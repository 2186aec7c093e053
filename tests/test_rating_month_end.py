"""Rating month by month: a counter interval or a period row across the month end.

The usage a record reports before ``as_of`` but stamped after it is not in the rating;
``Rating.no_effect`` says so (``"not_yet"``), as ``Usage.no_effect`` does, and rating
``as_of`` after the next reading, or carrying state, bills it without loss.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit.adapters import borel, ceilometer

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
HOUR_NS = 3600 * 10**9
PLAN = rk.Plan("os", "EUR", MONTHLY, [rk.PriceEntry("cpu", "cpu", rk.PerUnit("1"))])


def _cpu(message_id: str, at: str, volume: int) -> dict[str, object]:
    return {
        "message_id": message_id,
        "counter_name": "cpu",
        "counter_type": "cumulative",
        "counter_unit": "ns",
        "counter_volume": volume,
        "project_id": "p-1",
        "resource_id": "vm-1",
        "timestamp": at,
        "resource_metadata": {},
    }


# 0 at 31 Mar 23:00, 2 h of CPU at 1 Apr 01:00: 1 h in March, 1 h in April (linear).
READINGS = ceilometer.samples(
    [_cpu("a", "2026-03-31T23:00:00Z", 0), _cpu("b", "2026-04-01T01:00:00Z", 2 * HOUR_NS)],
    meters=[ceilometer.CPU_HOURS],
)


def test_rating_a_month_at_its_end_says_which_records_are_not_yet_counted() -> None:
    # As of 1 Apr 00:00 the reading b (01:00) is not known: March bills 0, and says why.
    rating = rk.rate(READINGS, PLAN, span=MARCH, meters=[ceilometer.CPU_HOURS])
    assert rating.total() == Decimal(0)
    assert rating.no_effect == (("a", "baseline"), ("b", "not_yet"))
    usage = rk.meter(READINGS, [ceilometer.CPU_HOURS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert rating.no_effect == usage.no_effect
    # rows given (no metering here): nothing to say
    assert rk.rate(usage, PLAN, span=MARCH).no_effect == ()


def test_a_counter_billed_month_by_month_loses_nothing_rated_after_its_next_reading() -> None:
    # March as of 2 Apr: 1 h x 1 = 1; April: the other 1 h = 1; 1 + 1 = 2 h, all of it.
    march = rk.rate(
        READINGS, PLAN, span=MARCH, meters=[ceilometer.CPU_HOURS], as_of="2026-04-02T00:00:00Z"
    )
    april = rk.rate(READINGS, PLAN, span=APRIL, meters=[ceilometer.CPU_HOURS])
    assert (march.total(), april.total()) == (Decimal(1), Decimal(1))
    assert march.no_effect == ()  # a and b are both in the row
    # Carrying state instead: March at its end counts 0; April's call gives March's hour
    # as a late row (1) and April's own (1): 2.
    first = rk.meter(READINGS, [ceilometer.CPU_HOURS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    second = rk.meter(
        READINGS,
        [ceilometer.CPU_HOURS],
        span=APRIL,
        cycle=MONTHLY,
        as_of=APRIL.end,
        state=first.state,
    )
    assert [(row.span, row.quantity) for row in second.late] == [
        (rk.Span("2026-03-31T23:00:00Z", "2026-04-01T00:00:00Z"), Decimal(1))
    ]
    assert first.total() + second.total() + sum(row.quantity for row in second.late) == 2


def test_a_period_row_across_the_month_end_is_not_yet_at_the_months_end() -> None:
    # A Borel row over 31 Mar 12:00 - 1 Apr 12:00: 24e12 MB-ns (Borel's MB is a MiB) =
    # 24e12 / 1024 / 10^9 = 23.4375 GiB*s; at March's end it is not known (no_effect
    # not_yet); as of 2 Apr, March gets its half: 11.71875 x 0.5 = 5.859375 (was 6, from
    # 24 GB*s reading MB as 10^6 B).
    (row,) = borel.usage_rows(
        [
            {
                "customer-id": "c",
                "resource": "memory-allocation",
                "resource_id": "vm-1",
                "quantity": 24 * 10**12,
                "uom": "MB-ns",
                "start": "2026-03-31T12:00:00Z",
                "end": "2026-04-01T12:00:00Z",
            }
        ],
        period=MARCH,
    )
    plan = rk.Plan(
        "b", "EUR", MONTHLY, [rk.PriceEntry("m", "memory-allocation", rk.PerUnit("0.5"))]
    )
    meters = [borel.MEMORY_GB_SECONDS]
    at_end = rk.rate([row], plan, span=MARCH, meters=meters)
    assert at_end.total() == 0
    assert [reason for _, reason in at_end.no_effect] == ["not_yet"]
    later = rk.rate([row], plan, span=MARCH, meters=meters, as_of="2026-04-02T00:00:00Z")
    assert later.total() == Decimal("5.859375")
    assert later.no_effect == ()


def test_no_effect_survives_pickling_and_a_scale_out_parts_wire() -> None:
    import pickle

    from ratekit import _wire

    rating = rk.rate(READINGS, PLAN, span=MARCH, meters=[ceilometer.CPU_HOURS])
    expected = (("a", "baseline"), ("b", "not_yet"))
    assert pickle.loads(pickle.dumps(rating)).no_effect == expected
    (back, _, _, _) = _wire.decode(_wire.encode((rating, (), frozenset({"p-1"}), {})))
    assert back.no_effect == expected
    with pytest.raises(rk.RatekitTypeError, match=r"\(record id, reason\) string pairs"):
        rk.Rating((), (), no_effect=[("a",)])  # type: ignore[list-item]
