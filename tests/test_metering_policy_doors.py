"""What metering reads from a policy or a cycle of the user's own is checked where it reads it.

A user-written `DeltaPolicy`, `SamplePolicy`, `TimePolicy` or cycle is called by
`rk.meter()`; what it returns is checked there, and a result metering cannot use is a
`RatekitError` naming the meter (or the cycle), what it returned and what is accepted,
never a NaN row, a raw `TypeError`, `ValueError` or `OverflowError`, or a hang.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

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


# -- 3. a time policy's level ---------------------------------------------------------------


class Level:
    """A time policy of the user's own whose level is fixed."""

    def __init__(self, value: object) -> None:
        self.value = value

    def level(self, description: object) -> object:
        return self.value


START = rk.Event("a", "r", "2026-03-01T10:00:00Z", kind="start", id="e1")


@pytest.mark.parametrize(
    ("level", "shown"),
    [
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (Decimal("NaN"), "Decimal('NaN')"),
        (Decimal("sNaN"), "Decimal('sNaN')"),
        (Decimal("Infinity"), "Decimal('Infinity')"),
        (Decimal("-Infinity"), "Decimal('-Infinity')"),
    ],
)
def test_a_level_that_is_no_finite_number_is_refused_naming_the_record(
    level: object, shown: str
) -> None:
    meter = rk.Meter("t", "hour", Level(level))
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.meter([START], [meter], span=DAY, cycle=None, as_of=DAY.end)
    assert str(caught.value) == (
        "meter 't', resource 'r' of 'a' as described by record 'e1' at 2026-03-01T10:00:00Z: "
        f"the level its policy Level.level() returned must be a finite number, not {shown}."
    )


def test_a_finite_level_of_any_number_type_still_meters() -> None:
    for level in (2, Decimal("2.0"), 2.0):
        meter = rk.Meter("t", "hour", Level(level))
        usage = rk.meter([START], [meter], span=DAY, cycle=None, as_of=DAY.end)
        assert usage.total() == Decimal(28)
