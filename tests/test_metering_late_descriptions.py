"""A late record carried to the next call is priced under the descriptions metering at once gives."""

from __future__ import annotations

from decimal import Decimal

from tests.test_metering_state import (
    BYTES,
    DAY1,
    EGRESS,
    _at_once_and_carried,
    _by_description,
    counter,
)

import ratekit as rk

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
