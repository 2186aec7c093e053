"""What metering reads from a policy or a cycle of the user's own is checked where it reads it.

A user-written `DeltaPolicy`, `SamplePolicy`, `TimePolicy` or cycle is called by
`rk.meter()`; what it returns is checked there, and a result metering cannot use is a
`RatekitError` naming the meter (or the cycle), what it returned and what is accepted,
never a NaN row, a raw `TypeError`, `ValueError` or `OverflowError`, or a hang.
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


# -- 5. an amount at as_of, before the span's end -----------------------------------------


def test_a_delta_at_as_of_before_the_span_end_is_said_after_as_of_not_after_the_span() -> None:
    # The span runs to midnight; metered as of 10:00, the empty-span delta at 10:00 is
    # known but after what the call meters: its message names as_of and the span's end.
    discrete = rk.Meter("d", "B", rk.Discrete())
    empty = rk.Sample(
        "a", "r", "d", "2026-03-01T10:00:00Z", 5, since="2026-03-01T10:00:00Z", id="x"
    )
    usage = rk.meter([empty], [discrete], span=DAY, cycle=None, as_of="2026-03-01T10:00:00Z")
    assert usage.total() == 0
    (said,) = usage.anomalies
    assert said.kind == "after_span"
    assert str(said) == (
        "record 'x' of 'r' of 'a' measured 5 B of meter 'd' at 2026-03-01T10:00:00Z, not "
        "before this call's as_of (2026-03-01T10:00:00Z), where what it meters ends (its "
        "span runs on to 2026-03-02T00:00:00Z), and is not billed here: it belongs to what "
        "a later call meters (the state this call gives keeps it in pending: metering on "
        "from 2026-03-01T10:00:00Z with state= bills it there)."
    )
    rest = rk.Span("2026-03-01T10:00:00Z", DAY.end)
    later = rk.meter([], [discrete], span=rest, cycle=None, as_of=DAY.end, state=usage.state)
    assert later.total() == Decimal(5)
