"""What metering reads from a policy or a cycle of the user's own is checked where it reads it.

A user-written `DeltaPolicy`, `SamplePolicy`, `TimePolicy` or cycle is called by
`rk.meter()`; what it returns is checked there, and a result metering cannot use is a
`RatekitError` naming the meter (or the cycle), what it returned and what is accepted,
never a NaN row, a raw `TypeError`, `ValueError` or `OverflowError`, or a hang.
"""

from __future__ import annotations

import typing
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


# -- 1. a delta policy's increments ---------------------------------------------------------

S1 = rk.Sample("a", "r", "m", "2026-03-01T10:00:00Z", 5, id="s1")
AT = S1.at_us
INCREMENT = (
    "An increment is (start_us, end_us, amount, record_ids): two ints of epoch microseconds "
    "with start_us <= end_us, a finite Decimal (or an int) with at most 60 significant digits "
    "and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30, and a tuple of "
    "record id strings."
)
GAVE = "meter 'm': policy Increments.increments(), for resource 'r' of 'a', returned"


class Increments:
    """A delta policy of the user's own that returns what it is given, once per reading."""

    def __init__(self, increment: object) -> None:
        self.increment = increment

    def accepts(self, kind: str) -> bool:
        return kind == "delta"

    def increments(self, readings: object, previous: object, report: object) -> object:
        return [self.increment]


def metered(policy: object, records: list[rk.Sample] | None = None) -> rk.Usage:
    meter = rk.Meter("m", "B", policy)  # type: ignore[arg-type] # a policy of one's own
    return rk.meter(records or [S1], [meter], span=DAY, cycle=None, as_of=DAY.end)


@pytest.mark.parametrize(
    ("increment", "error", "said"),
    [
        ((AT, AT, Decimal("NaN"), ("s1",)), rk.BadQuantityError,
         "increment 0 with amount Decimal('NaN'), not a finite number."),
        ((AT, AT, Decimal("sNaN"), ("s1",)), rk.BadQuantityError,
         "increment 0 with amount Decimal('sNaN'), not a finite number."),
        ((AT, AT, Decimal("Infinity"), ("s1",)), rk.BadQuantityError,
         "increment 0 with amount Decimal('Infinity'), not a finite number."),
        ((AT, AT, Decimal("-Infinity"), ("s1",)), rk.BadQuantityError,
         "increment 0 with amount Decimal('-Infinity'), not a finite number."),
        ((AT, AT, Decimal("1E+40"), ("s1",)), rk.BadQuantityError,
         ("increment 0 with amount Decimal('1E+40'), outside the numbers ratekit represents "
         "exactly.")),
        ((AT, AT, 10**40, ("s1",)), rk.BadQuantityError,
         ("increment 0 with amount 10000000000000000000000000000000000000000, outside the "
         "numbers ratekit represents exactly.")),
        ((AT, AT, 1.5, ("s1",)), rk.RatekitTypeError,
         "increment 0 with amount float 1.5, not a Decimal or an int."),
        ((AT, AT, "7", ("s1",)), rk.RatekitTypeError,
         "increment 0 with amount str '7', not a Decimal or an int."),
        ((AT, AT, True, ("s1",)), rk.RatekitTypeError,
         "increment 0 with amount bool True, not a Decimal or an int."),
        ((AT, AT, None, ("s1",)), rk.RatekitTypeError,
         "increment 0 with amount NoneType None, not a Decimal or an int."),
        ((AT, float(AT), Decimal(1), ("s1",)), rk.RatekitTypeError,
         f"increment 0 with end_us float {float(AT)!r}, not an int."),
        ((True, AT, Decimal(1), ("s1",)), rk.RatekitTypeError,
         "increment 0 with start_us bool True, not an int."),
        ((AT, 2**70, Decimal(1), ("s1",)), rk.BadTimeError,
         ("increment 0 with end_us 1180591620717411303424, outside the instants ratekit "
         "represents (-62135596800000000 to 253402300799999999, 0001-01-01T00:00:00Z to "
         "9999-12-31T23:59:59.999999Z).")),
        ((AT, AT - 1, Decimal(1), ("s1",)), rk.BadSpanError,
         ("increment 0 that ends at 2026-03-01T09:59:59.999999Z, before it starts "
         "(2026-03-01T10:00:00Z).")),
        ((AT, AT, Decimal(1), "s1"), rk.RatekitTypeError,
         "increment 0 with record_ids 's1', not a tuple of record id strings."),
        ((AT, AT, Decimal(1), (None,)), rk.RatekitTypeError,
         "increment 0 with record_ids (None,), not a tuple of record id strings."),
        ((AT, AT, Decimal(1)), rk.RatekitTypeError,
         f"tuple {(AT, AT, Decimal(1))!r} (increment 0), not a tuple of 4 values."),
    ],
)  # fmt: skip
def test_an_increment_metering_cannot_use_is_refused_naming_the_meter_and_policy(
    increment: object, error: type[rk.RatekitError], said: str
) -> None:
    with pytest.raises(error) as caught:
        metered(Increments(increment))
    assert str(caught.value) == f"{GAVE} {said} {INCREMENT}"


def test_increments_that_are_no_iterable_are_refused() -> None:
    class Nothing(Increments):
        def increments(self, readings: object, previous: object, report: object) -> object:
            return None

    with pytest.raises(rk.RatekitTypeError) as caught:
        metered(Nothing(None))
    assert str(caught.value) == (
        "meter 'm': policy Nothing.increments(), for resource 'r' of 'a', returned NoneType "
        f"None, not an iterable of increments. {INCREMENT}"
    )


def test_an_int_amount_and_a_list_of_ids_are_read_exactly() -> None:
    usage = metered(Increments((AT, AT, 3, ["s1"])))
    assert [(row.quantity, row.record_ids) for row in usage.rows] == [(Decimal(3), ("s1",))]
    assert type(usage.rows[0].quantity) is Decimal


def test_the_first_bad_increment_is_named_among_good_ones() -> None:
    class Third(Increments):
        def increments(self, readings: object, previous: object, report: object) -> object:
            good = (AT, AT, Decimal(1), ("s1",))
            return iter([good, good, (AT, AT, Decimal("NaN"), ())])

    with pytest.raises(rk.BadQuantityError, match=r"increment 2 with amount Decimal\('NaN'\)"):
        metered(Third(None))


def test_a_nan_increment_of_a_counter_of_ones_own_is_refused_placing_a_late_reading() -> None:
    # Under a carried state, a counter reading before the kept ones is placed by calling
    # the policy again: its increments are checked there too.
    class Halves:
        def accepts(self, kind: str) -> bool:
            return kind == "counter"

        def increments(self, readings: list[rk.Sample], previous: object, report: object):  # type: ignore[no-untyped-def]
            last = previous
            for sample in readings:
                if last is not None:
                    amount = Decimal("NaN") if sample.id == "late" else sample.value
                    yield (last.at_us, sample.at_us, amount, ())  # type: ignore[attr-defined]
                last = sample

    meter = rk.Meter("m", "B", Halves())  # type: ignore[arg-type] # a policy of one's own
    kept = [rk.Sample("a", "r", "m", f"2026-03-01T{h:02}:00:00Z", v, kind="counter", id=f"c{h}")
            for h, v in [(8, 1), (12, 5)]]  # fmt: skip
    first = rk.meter(kept, [meter], span=DAY, cycle=None, as_of=DAY.end)
    late = rk.Sample("a", "r", "m", "2026-03-01T10:00:00Z", 3, kind="counter", id="late")
    after = rk.Span(DAY.end, "2026-03-03T00:00:00Z")
    with pytest.raises(rk.BadQuantityError, match=r"^meter 'm': policy Halves.increments\(\)"):
        rk.meter([late], [meter], span=after, cycle=None, as_of=after.end, state=first.state)


# -- 2. a sample policy's aggregate ---------------------------------------------------------

G1 = rk.Sample("a", "r", "m", "2026-03-01T10:00:00Z", 5, kind="gauge", id="g1")
AGGREGATE = (
    "aggregate() returns the piece's quantity, a finite Decimal (or an int) with at most 60 "
    "significant digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30, "
    "or None for no row."
)


class Aggregate:
    """A sample policy of the user's own whose aggregate is fixed."""

    def __init__(self, value: object, *, additive: bool = False) -> None:
        self.value = value
        self.additive = additive

    def accepts(self, kind: str) -> bool:
        return kind == "gauge"

    def aggregate(self, readings: object, start_us: int, end_us: int, before: object) -> object:
        return self.value


@pytest.mark.parametrize("additive", [False, True])
@pytest.mark.parametrize(
    ("value", "error", "said"),
    [
        (1.5, rk.RatekitTypeError, "float 1.5, not a Decimal or an int."),
        ("7", rk.RatekitTypeError, "str '7', not a Decimal or an int."),
        (True, rk.RatekitTypeError, "bool True, not a Decimal or an int."),
        (Decimal("NaN"), rk.BadQuantityError, "Decimal('NaN'), not a finite number."),
        (Decimal("Infinity"), rk.BadQuantityError, "Decimal('Infinity'), not a finite number."),
        (Decimal("-Infinity"), rk.BadQuantityError, "Decimal('-Infinity'), not a finite number."),
        (Decimal("1E+40"), rk.BadQuantityError,
         "Decimal('1E+40'), outside the numbers ratekit represents exactly."),
        (10**40, rk.BadQuantityError,
         ("10000000000000000000000000000000000000000, outside the numbers ratekit represents "
         "exactly.")),
    ],
)  # fmt: skip
def test_an_aggregate_metering_cannot_use_is_refused_naming_the_meter_and_policy(
    value: object, error: type[rk.RatekitError], said: str, additive: bool
) -> None:
    meter = rk.Meter("m", "count", Aggregate(value, additive=additive))  # type: ignore[arg-type]
    with pytest.raises(error) as caught:
        rk.meter([G1], [meter], span=DAY, cycle=None, as_of=DAY.end)
    assert str(caught.value) == (
        "meter 'm': policy Aggregate.aggregate(), for resource 'r' of 'a' over "
        f"2026-03-01T00:00:00Z..2026-03-02T00:00:00Z, returned {said} {AGGREGATE}"
    )


def test_an_int_aggregate_is_read_exactly() -> None:
    class Readings:  # how many readings: an int
        def accepts(self, kind: str) -> bool:
            return kind == "gauge"

        def aggregate(
            self, readings: list[object], start_us: int, end_us: int, before: object
        ) -> int:
            return len(readings)

    meter = rk.Meter("m", "count", Readings())
    usage = rk.meter([G1], [meter], span=DAY, cycle=None, as_of=DAY.end)
    assert [row.quantity for row in usage.rows] == [Decimal(1)]
    assert type(usage.rows[0].quantity) is Decimal


def test_an_additive_aggregate_of_late_readings_is_checked_too() -> None:
    # Late readings of an additive aggregation are aggregated per cycle, alone.
    class Late(Aggregate):
        def aggregate(
            self, readings: list[rk.Sample], start_us: int, end_us: int, before: object
        ) -> object:  # type: ignore[override]
            return Decimal("NaN") if any(s.id == "late" for s in readings) else Decimal(1)

    meter = rk.Meter("m", "count", Late(None, additive=True))  # type: ignore[arg-type]
    first = rk.meter([G1], [meter], span=DAY, cycle=None, as_of=DAY.end)
    late = rk.Sample("a", "r", "m", "2026-03-01T11:00:00Z", 5, kind="gauge", id="late")
    after = rk.Span(DAY.end, "2026-03-03T00:00:00Z")
    with pytest.raises(rk.BadQuantityError, match=r"^meter 'm': policy Late.aggregate\(\)"):
        rk.meter([late], [meter], span=after, cycle=None, as_of=after.end, state=first.state)


# -- 4. a cycle of one's own ----------------------------------------------------------------

WEEK = 7 * 86_400_000_000
BOUNDARIES = (
    "a cycle's boundaries_us(start_us, end_us) returns the cycle boundaries strictly inside "
    "the span, ascending ints b with start_us < b < end_us (a list; none when the span lies "
    "in one cycle)."
)
CONTAINING = (
    "a cycle's containing_us(t_us) returns the (start_us, end_us) of the cycle that holds "
    "t_us: a pair of ints with start_us <= t_us < end_us."
)
OVER_MARCH = (
    f"boundaries_us({MARCH.start_us}, {MARCH.end_us}), over "
    "2026-03-01T00:00:00Z..2026-04-01T00:00:00Z,"
)
AT_MARCH = f"containing_us({MARCH.start_us}), at 2026-03-01T00:00:00Z,"
RUNS = [rk.Event("a", "r", "2026-03-02T00:00:00Z", kind="start", id="e1")]
ON = rk.Meter("on", "hour", rk.OnOff())


class Weeks(rk.cycles.Cycle):
    """Weeks from the epoch (a Thursday), written by hand."""

    def boundaries_us(self, start_us: int, end_us: int) -> typing.Any:
        return list(range((start_us // WEEK + 1) * WEEK, end_us, WEEK))

    def containing_us(self, t_us: int) -> typing.Any:
        start = t_us // WEEK * WEEK
        return start, start + WEEK


def with_cycle(cycle: object) -> rk.Usage:
    return rk.meter(RUNS, [ON], span=MARCH, cycle=cycle, as_of=MARCH.end)  # type: ignore[arg-type]


def test_a_cycle_of_ones_own_meters_as_before() -> None:
    class Listed(Weeks):  # a pair as a list is read as a pair
        def containing_us(self, t_us: int) -> typing.Any:
            return list(super().containing_us(t_us))

    for cycle in (Weeks(), Listed()):
        usage = with_cycle(cycle)
        assert [str(row.cycle.start.date()) for row in usage.rows][:2] == [
            "2026-02-26",
            "2026-03-05",
        ]
        assert usage.total() == Decimal(30 * 24)


class NoCycle(Weeks):
    def containing_us(self, t_us: int) -> typing.Any:
        return None


class Elsewhere(Weeks):
    def containing_us(self, t_us: int) -> typing.Any:
        return (t_us + 1, t_us + 2)


class Flags(Weeks):
    def containing_us(self, t_us: int) -> typing.Any:
        return (True, 10**20)


class Floats(Weeks):
    def containing_us(self, t_us: int) -> typing.Any:
        start, end = super().containing_us(t_us)
        return (float(start), end)


class Backwards(Weeks):
    def boundaries_us(self, start_us: int, end_us: int) -> typing.Any:
        return list(reversed(super().boundaries_us(start_us, end_us)))


class Outside(Weeks):
    def boundaries_us(self, start_us: int, end_us: int) -> typing.Any:
        return [start_us, *super().boundaries_us(start_us, end_us)]


class FloatBoundaries(Weeks):
    def boundaries_us(self, start_us: int, end_us: int) -> typing.Any:
        return [float(b) for b in super().boundaries_us(start_us, end_us)]


class Nothing(Weeks):
    def boundaries_us(self, start_us: int, end_us: int) -> typing.Any:
        return None


class Failing(Weeks):
    def boundaries_us(self, start_us: int, end_us: int) -> typing.Any:
        raise KeyError("week")


@pytest.mark.parametrize(
    ("cycle", "said"),
    [
        (NoCycle(), (f"cycle NoCycle: {AT_MARCH} returned NoneType None, not a pair of ints; "
         f"{CONTAINING}")),
        (Elsewhere(), (f"cycle Elsewhere: {AT_MARCH} returned "
         f"({MARCH.start_us + 1}, {MARCH.start_us + 2}) (2026-03-01T00:00:00.000001Z.."
         f"2026-03-01T00:00:00.000002Z), a cycle that does not hold it; {CONTAINING}")),
        (Flags(), (f"cycle Flags: {AT_MARCH} returned tuple (True, 100000000000000000000), not "
         f"a pair of ints; {CONTAINING}")),
        (Floats(), (f"cycle Floats: {AT_MARCH} returned tuple (1772064000000000.0, "
         f"1772668800000000), not a pair of ints; {CONTAINING}")),
        (Backwards(), (f"cycle Backwards: {OVER_MARCH} returned 2026-03-19T00:00:00Z (boundary "
         f"1) after 2026-03-26T00:00:00Z (boundary 0), not in ascending order; {BOUNDARIES}")),
        (Outside(), (f"cycle Outside: {OVER_MARCH} returned 2026-03-01T00:00:00Z (boundary 0), "
         f"not strictly inside the span; {BOUNDARIES}")),
        (FloatBoundaries(), (f"cycle FloatBoundaries: {OVER_MARCH} returned float "
         f"1772668800000000.0 (boundary 0), not an int; {BOUNDARIES}")),
        (Nothing(), (f"cycle Nothing: {OVER_MARCH} returned NoneType None, not a list of ints; "
         f"{BOUNDARIES}")),
        (Failing(), (f"cycle Failing: {OVER_MARCH.rstrip(',')} raised KeyError ('week'); "
         f"{BOUNDARIES}")),
    ],
)  # fmt: skip
def test_what_a_cycle_returns_that_metering_cannot_use_is_refused_naming_it(
    cycle: object, said: str
) -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        with_cycle(cycle)
    assert str(caught.value) == said


def test_a_cycle_whose_boundaries_are_every_microsecond_is_refused_not_metered_for_ever() -> None:
    class Every(Weeks):
        def boundaries_us(self, start_us: int, end_us: int) -> typing.Any:
            return range(start_us + 1, end_us)

    class Streamed(Weeks):
        def boundaries_us(self, start_us: int, end_us: int) -> typing.Any:
            return iter(range(start_us + 1, end_us))

    tail = (
        "boundaries: metering would cut one resource's usage into more than the 1,000,000 "
        "pieces one call makes; meter a shorter span (as_of) or use a longer cycle."
    )
    with pytest.raises(rk.BadSpanError) as caught:
        with_cycle(Every())
    assert str(caught.value) == f"cycle Every: {OVER_MARCH} returned 2,678,399,999,999 {tail}"
    with pytest.raises(rk.BadSpanError) as streamed:
        with_cycle(Streamed())
    assert str(streamed.value) == (
        f"cycle Streamed: {OVER_MARCH} returned more than 1,000,000 {tail}"
    )
