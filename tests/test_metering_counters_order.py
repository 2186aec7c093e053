"""The readings a state keeps next: merged with the call's as sorting all of them would."""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk
from ratekit import _metering_counters as _counters
from ratekit._instants import from_us

T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z in epoch microseconds
HOUR = 3_600_000_000


def _sample(at_us: int, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("a", "vm", "reads", from_us(at_us), value, kind="counter", id=record_id)


def _sorted(state: rk.ResourceState, samples: list[rk.Sample]) -> list[tuple[object, ...]]:
    """The oracle: every kept reading and every new one, sorted by the metering order."""
    keyed = [(_counters.entry_order(e), e) for e in state.readings] + [
        (_counters.order(s), (s.meter, s.at_us, s.value, s.kind, s.id, s.seq)) for s in samples
    ]
    keyed.sort(key=lambda pair: pair[0])
    return [entry for _, entry in keyed]


def test_kept_readings_tied_out_of_order_are_sorted_with_the_new() -> None:
    # A state given by hand keeps two readings of one instant in time order but not in
    # the metering order (value 9 before value 5: metering applies 5 first). The next
    # state keeps them as sorting all readings does: (T0, 5), (T0, 9), (T0 + 1 h, 12).
    state = rk.ResourceState(
        "a",
        "vm",
        "unknown",
        {},
        readings=(("reads", T0, 9, "counter", "r2"), ("reads", T0, 5, "counter", "r1")),
    )
    new = [_sample(T0 + HOUR, 12, "r3")]
    readings, _ = _counters.next_readings(state, {"reads": new})
    assert list(readings) == _sorted(state, new)
    assert [entry[2] for entry in readings] == [Decimal(5), Decimal(9), Decimal(12)]


def test_new_readings_after_the_kept_ones_follow_them() -> None:
    # Kept: (T0, 5), (T0 + 1 h, 7); new: (T0 + 2 h, 8), (T0 + 3 h, 10): kept, then new.
    state = rk.ResourceState(
        "a",
        "vm",
        "unknown",
        {},
        readings=(
            ("reads", T0, 5, "counter", "r1"),
            ("reads", T0 + HOUR, 7, "counter", "r2"),
        ),
    )
    new = [_sample(T0 + 2 * HOUR, 8, "r3"), _sample(T0 + 3 * HOUR, 10, "r4")]
    readings, _ = _counters.next_readings(state, {"reads": new})
    assert list(readings) == _sorted(state, new)
    assert [entry[2] for entry in readings] == [Decimal(5), Decimal(7), Decimal(8), Decimal(10)]


def test_a_new_reading_tied_with_the_last_kept_goes_by_its_order() -> None:
    # Kept from the counter's first reading: (T0, 9); new: (T0, 4) at the same instant, a
    # lower value: metering applies it first, so the next state keeps (T0, 4), (T0, 9).
    state = rk.ResourceState(
        "a",
        "vm",
        "unknown",
        {},
        readings=(("reads", T0, 9, "counter", "r1"),),
        complete=("reads",),
    )
    new = [_sample(T0, 4, "r2")]
    readings, _ = _counters.next_readings(state, {"reads": new})
    assert list(readings) == _sorted(state, new)
    assert [entry[2] for entry in readings] == [Decimal(4), Decimal(9)]
