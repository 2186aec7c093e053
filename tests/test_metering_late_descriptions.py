"""A late record carried to the next call is priced under the descriptions metering at once gives."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests.test_metering_state import (
    BYTES,
    CPU,
    DAY1,
    EGRESS,
    HOUR,
    MINUTE,
    RUNTIME,
    Record,
    _at_once_and_carried,
    _by_description,
    counter,
)

import ratekit as rk
from ratekit._instants import format_us

S, B = "[('f', 's')]", "[('f', 'b')]"
START = rk.Event("a", "ip", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
UPDATE = rk.Event("a", "ip", "2026-03-01T04:00:00Z", {"f": "b"}, kind="update", id="e2")


def test_a_late_step_is_cut_where_the_description_changes() -> None:
    # 'ip' runs as s from 00:00 and as b from 04:00; metered to 12:00 with a counter
    # reading 100 at 00:00. The next call is given 105 at 06:00 (late): the step of 5 B
    # over 00:00-06:00 lies before the clock. At once it is cut at 04:00: 5 x 4/6 = 10/3
    # under s, 5 x 2/6 = 5/3 under b (rounded half-even to 1e-24, the parts adding up to
    # 5). A delta of 6 B over 00:00-06:00 likewise: 6 x 4/6 = 4 under s, 2 under b. The
    # late row put it whole under s, the description at its start.
    third = Decimal("1.666666666666666666666667")
    cut = "2026-03-01T12:00:00Z"
    once, first, second = _at_once_and_carried(
        [START, UPDATE, counter("2026-03-01T00:00:00Z", 100, "c0")],
        [counter("2026-03-01T06:00:00Z", 105, "c1")],
        cut,
        [EGRESS],
    )
    step = {("egress", DAY1, S): 5 - third, ("egress", DAY1, B): third}
    assert _by_description(once.rows) == step
    assert _by_description(first.rows, second.rows, second.late) == step
    delta = rk.Sample("a", "ip", "bytes", "2026-03-01T06:00:00Z", 6,
                      since="2026-03-01T00:00:00Z", id="d1")  # fmt: skip
    once, first, second = _at_once_and_carried([START, UPDATE], [delta], cut, [BYTES])
    spread = {("bytes", DAY1, S): Decimal(4), ("bytes", DAY1, B): Decimal(2)}
    assert _by_description(once.rows) == spread
    assert _by_description(first.rows, second.rows, second.late) == spread


COUNTED = rk.Meter("reads", "reading", rk.Count())
_FLAVORS = st.sampled_from(["s", "b", "m"])
_MINUTES = st.integers(0, 47 * 60)


@settings(max_examples=LAWS // 2)
@given(
    updates=st.lists(
        st.tuples(st.integers(1, 40 * 60), _FLAVORS, st.booleans()), min_size=1, max_size=4
    ),
    readings=st.lists(st.tuples(_MINUTES, st.integers(0, 50)), max_size=32),
    gauges=st.lists(st.tuples(_MINUTES, st.integers(0, 9)), max_size=16),
    delete=st.one_of(st.none(), st.integers(1, 47 * 60)),
    cut=st.integers(1, 47),
)
def test_late_re_descriptions_move_counter_increments_and_counted_readings_as_at_once(
    updates: list[tuple[int, str, bool]],
    readings: list[tuple[int, int]],
    gauges: list[tuple[int, int]],
    delete: int | None,
    cut: int,
) -> None:
    # Oracle: one call over both days. A START at 00:00 (flavor s), UPDATEs and a DELETE
    # at minutes of the two days; the readings of two counters (one counting from zero;
    # a lower reading is a reset) and gauge readings a Count meter counts, at most as
    # many as the state keeps (32 readings, 16 counted). The records stamped before the
    # cut (an hour) go to a first call metered up to it, but the events drawn late go to
    # the second call with everything else. Per meter, cycle and description the rows
    # and late rows of both calls are those of one.
    base = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
    cut_us = base + cut * HOUR
    start = rk.Event("a", "ip", format_us(base), {"f": "s"}, kind="start", id="e0")
    first_records: list[Record] = [start]
    later: list[Record] = []
    for index, (minute, flavor, late) in enumerate(updates):
        at = base + minute * MINUTE
        event = rk.Event("a", "ip", format_us(at), {"f": flavor}, kind="update", id=f"u{index}")
        (later if late or at >= cut_us else first_records).append(event)
    if delete is not None:
        later.append(rk.Event("a", "ip", format_us(base + delete * MINUTE), kind="delete", id="x"))
    samples = [
        rk.Sample("a", "ip", meter, format_us(base + minute * MINUTE), value, kind=kind, id=f"{meter}{i}")
        for meter, kind, drawn in (("egress", "counter", readings), ("cpu", "counter", readings),
                                   ("reads", "gauge", gauges))
        for i, (minute, value) in enumerate(drawn)
    ]  # fmt: skip
    for sample in samples:
        (first_records if sample.at_us < cut_us else later).append(sample)
    once, first, second = _at_once_and_carried(first_records, later, format_us(cut_us),
                                               [RUNTIME, EGRESS, CPU, COUNTED])  # fmt: skip
    assert _by_description(first.rows, second.rows, second.late) == _by_description(once.rows)


def test_late_counted_readings_take_each_its_own_description() -> None:
    # 'ip' runs as s from 00:00 and as b from 04:00, both metered to 12:00. Gauge
    # readings at 02:00 and 06:00 that a Count meter counts come late, to the next call.
    # At once: 1 reading under s (02:00), 1 under b (06:00). The late rows counted the
    # cycle's late readings together under the description at the first, 02:00: 2 under s,
    # none under b.
    gauge = [
        rk.Sample("a", "ip", "reads", at, 7, kind="gauge", id=f"g{i}")
        for i, at in enumerate(("2026-03-01T02:00:00Z", "2026-03-01T06:00:00Z"))
    ]
    once, first, second = _at_once_and_carried(
        [START, UPDATE], gauge, "2026-03-01T12:00:00Z", [COUNTED]
    )
    counted = {("reads", DAY1, S): Decimal(1), ("reads", DAY1, B): Decimal(1)}
    assert _by_description(once.rows) == counted
    assert _by_description(first.rows, second.rows, second.late) == counted
