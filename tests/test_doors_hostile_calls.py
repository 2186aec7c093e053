"""Hostile arguments at the public doors: only a RatekitError comes out.

Found by calling every public constructor and function with one argument swapped for a
hostile value. Three kinds escaped as bare errors of the caller's or of Python's:

1. a caller's own iterable whose ``__iter__`` raises (tiers, a plan's entries, ``OneOf``
   values, a ``RecordBatch``'s records, ``rate``/``Rater``/``bill`` arguments,
   ``compare_plans`` candidates, ``to_rows``, ``focus_rows`` and ``credits_left``
   arguments, a ``Share``'s shares, a ``Usage``'s or ``Rating``'s parts, a ``SpanSet``
   or ``Timeline``): its RuntimeError escaped; now a RatekitTypeError names what was
   read and chains the error;
2. a choice argument whose own ``__eq__`` raises (``TimeWeightedMean(over=)``, a plan's
   ``rounding``, ``proration`` and ``unpriced``, ``prorate(basis=)``), or a ``str``
   subclass whose ``__hash__`` raises (``currency_quantum``): compared as given, it
   raised; now only text is compared, as the text it holds;
3. a refused value written into the message with ``repr``: an int of 5,001 digits
   (Python refuses to write it: ValueError), a repr that raises, or nests past the
   recursion limit (``Event``/``Sample`` kind, a ``Sample``'s resource, a ``Span``
   given an int, a ``UsageRow``'s span, a plan's cycle, a weekly weekday, a window's
   time of day, ``rate`` plans, ``from_row``'s class, a cycle's ``boundaries_us``); now
   shown by the one bounded formatter.

And a ``Timeline`` value whose ``==`` raises escaped mid-update, leaving the timeline
half changed; it is refused before any change. A cycle, window or policy of the caller's
whose attributes raise is refused as one without the methods a door asks for; a plan
prorating by days over a cycle of the user's own declaring a period no timedelta holds
is refused naming it in microseconds.
"""

from __future__ import annotations

import contextlib
import decimal
import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

AT = "2026-03-01T00:00:00Z"
MARCH = rk.Span(AT, "2026-04-01T00:00:00Z")
PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
VM = rk.Meter("vm", "hour", rk.OnOff())
HUGE = 10**5000
GONE = "could not be read: its Gone raised RuntimeError: backing store gone; give "


class Gone:
    """An iterable whose own code raises when it is read."""

    def __iter__(self) -> Gone:
        raise RuntimeError("backing store gone")


class GoneItems(dict[str, object]):
    """A mapping whose own ``items()`` raises."""

    def items(self):  # type: ignore[override]
        raise RuntimeError("backing store gone")


class NoEq:
    """A value whose ``==`` raises."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq")

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "NoEq()"


class NoRepr:
    """A value whose ``repr`` raises."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class Code(str):
    """A currency code whose own ``__hash__`` and ``==`` raise."""

    __slots__ = ()

    def __hash__(self) -> int:
        raise RuntimeError("no hash")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq")


def _plan(**given: object) -> rk.Plan:
    return rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], **given)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rk.SpanSet(Gone()), f"SpanSet {GONE}a list."),  # type: ignore[arg-type]
        (lambda: rk.Timeline(Gone()), f"Timeline {GONE}a list."),  # type: ignore[arg-type]
        (lambda: rk.Graduated(Gone()), f"tiers {GONE}a list of Tier values."),  # type: ignore[arg-type]
        (lambda: rk.GraduatedPercentage(Gone()), f"tiers {GONE}a list of Tier values."),  # type: ignore[arg-type]
        (
            lambda: rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), Gone()),
            f"Plan entries {GONE}a list of PriceEntry values.",
        ),
        (lambda: rk.OneOf(Gone()), f"OneOf values {GONE}a list of values."),  # type: ignore[arg-type]
        (lambda: rk.RecordBatch(Gone()), f"RecordBatch records {GONE}a list."),  # type: ignore[arg-type]
        (lambda: rk.rate([], Gone(), span=MARCH), f"rate plans {GONE}a list of Assignment."),  # type: ignore[arg-type]
        (
            lambda: rk.rate([], PLAN, span=MARCH, meters=Gone()),
            f"rate meters {GONE}a list or tuple.",
        ),  # type: ignore[arg-type]
        (
            lambda: rk.rate(Gone(), PLAN, span=MARCH),  # type: ignore[arg-type]
            f"rate records {GONE}a list of records (or usage rows).",
        ),
        (lambda: rk.Rater(PLAN, Gone(), start=AT), f"Rater meters {GONE}a list or tuple."),  # type: ignore[arg-type]
        (lambda: rk.bill(Gone()), f"bill charges {GONE}a list of Charge values."),  # type: ignore[arg-type]
        (lambda: rk.to_rows(Gone()), f"to_rows values {GONE}a list of values."),  # type: ignore[arg-type]
        (lambda: rk.Usage(Gone(), (), ()), f"Usage rows {GONE}a list or tuple."),  # type: ignore[arg-type]
        (lambda: rk.Usage((), Gone(), ()), f"Usage anomalies {GONE}a list or tuple."),  # type: ignore[arg-type]
        (lambda: rk.Rating(Gone(), ()), f"Rating charges {GONE}a list or tuple."),  # type: ignore[arg-type]
        (lambda: rk.Feed(accepted=Gone()), f"Feed accepted {GONE}a list or tuple."),  # type: ignore[arg-type]
        (lambda: rk.Feed(too_late=Gone()), f"Feed too_late {GONE}a list or tuple."),  # type: ignore[arg-type]
        (
            lambda: rk.Share("o", "r", GoneItems(a=1)),  # type: ignore[arg-type]
            (
                "Share shares could not be read: its mapping (GoneItems) raised RuntimeError: "
                "backing store gone; give a dict of accounts to shares."
            ),
        ),
        (
            lambda: rk.focus_rows(Gone(), provider="p"),  # type: ignore[arg-type]
            f"focus_rows {GONE}a Rating, charges, or invoices (not a mix of charges and invoices).",
        ),
        (lambda: rk.credits_left(Gone(), []), f"credits_left credits {GONE}a list."),  # type: ignore[arg-type]
        (lambda: rk.credits_left([], Gone()), f"credits_left invoices {GONE}a list."),  # type: ignore[arg-type]
        (
            lambda: rk.bill(rk.rate([], PLAN, span=MARCH), shares=Gone()),  # type: ignore[arg-type]
            f"bill shares {GONE}a list of Share values.",
        ),
        (
            lambda: rk.compare_plans([], {"today": Gone()}, span=MARCH),  # type: ignore[dict-item]
            f"compare_plans candidate 'today' {GONE}a list of Assignment values.",
        ),
        (
            lambda: rk.compare_plans([], GoneItems(today=PLAN), span=MARCH),
            (
                "compare_plans candidates could not be read: its mapping (GoneItems) raised "
                "RuntimeError: backing store gone; give a dict of names to plans."
            ),
        ),
    ],
)
def test_an_iterable_whose_own_code_raises_is_named_and_chained(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        call()
    assert str(raised.value) == message
    assert isinstance(raised.value.__cause__, RuntimeError)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: rk.TimeWeightedMean(NoEq()),
            rk.RatekitTypeError,
            (
                "TimeWeightedMean over must be 'known' (the mean over the time a level is known) "
                "or 'period' (the mean over the whole piece, no level counting as 0), not NoEq()."
            ),
        ),
        (
            lambda: _plan(rounding=NoEq()),
            rk.BadPriceError,
            (
                "plan 'p' rounding NoEq() is not a decimal rounding mode; use one of ROUND_CEILING, "
                "ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP."
            ),
        ),
        (
            lambda: _plan(proration=NoEq()),
            rk.BadPriceError,
            "plan 'p' proration must be 'seconds' or 'days', not NoEq().",
        ),
        (
            lambda: _plan(unpriced=NoEq()),
            rk.BadPriceError,
            "plan 'p' unpriced must be 'error' or 'anomaly', not NoEq().",
        ),
        (
            lambda: rk.cycles.prorate(MARCH, MARCH, basis=NoEq()),  # type: ignore[arg-type]
            rk.BadCalendarError,
            "prorate basis NoEq() is not known; give 'seconds' or 'days'.",
        ),
    ],
)
def test_a_choice_whose_own_eq_raises_is_refused_as_no_choice(
    call: Callable[[], object], error: type[rk.RatekitError], message: str
) -> None:
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_a_currency_code_is_read_as_the_text_it_holds() -> None:
    # Code("EUR") raised RuntimeError: no hash in the table look-up; the text it holds is
    # EUR, whose quantum is 0.01 (ISO 4217: two minor units).
    assert rk.currency_quantum(Code("EUR")) == decimal.Decimal("0.01")


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda: rk.Event("a", "r", AT, kind=HUGE),  # type: ignore[arg-type]
            rk.BadRecordError,
            (
                r"event \(no id\) of resource 'r' kind <an integer of 5001 digits> is not one of "
                r"'start', 'update', 'stop', 'delete'\."
            ),
        ),
        (
            lambda: rk.Event("a", "r", AT, kind=NoRepr()),  # type: ignore[arg-type]
            rk.BadRecordError,
            r"event \(no id\) of resource 'r' kind <NoRepr instance at 0x\w+> is not one of ",
        ),
        (
            lambda: rk.Sample("a", "r", "m", AT, 1, kind=NoRepr()),  # type: ignore[arg-type]
            rk.BadRecordError,
            r"sample \(no id\) of resource 'r' kind <NoRepr instance at 0x\w+> is not one of ",
        ),
        (
            lambda: rk.Sample("a", NoRepr(), "m", AT, 1, kind="gauge"),  # type: ignore[arg-type]
            rk.RatekitTypeError,
            (
                r"sample \(no id\) of resource <NoRepr instance at 0x\w+> resource must be a "
                r"non-empty string, not <NoRepr instance at 0x\w+>\."
            ),
        ),
        (
            lambda: rk.Span(HUGE, AT),  # type: ignore[arg-type]
            rk.RatekitTypeError,
            (
                r"Span start must be an aware datetime or an ISO-8601 string with an offset, not "
                r"int: <an integer of 5001 digits>; for epoch microseconds use Span\.from_us\(\)\."
            ),
        ),
        (
            lambda: rk.Plan("p", "EUR", NoRepr(), []),  # type: ignore[arg-type]
            rk.RatekitTypeError,
            (
                r"plan 'p' cycle must be a billing cycle such as rk\.cycles\.monthly\(tz='UTC'\), "
                r"not NoRepr: <NoRepr instance at 0x\w+>\."
            ),
        ),
        (
            lambda: rk.windows.daily(HUGE, "02:00", tz="UTC"),  # type: ignore[arg-type]
            rk.BadCalendarError,
            r"daily window start <an integer of 5001 digits> is not a time of day; ",
        ),
        (
            lambda: rk.UsageRow("a", "vm", "r", HUGE, MARCH, 1, "hour", {}),
            rk.RatekitTypeError,
            (
                r"UsageRow span must be a Span \(rk\.Span\(start, end\)\), not int: <an integer of "
                r"5001 digits>\."
            ),
        ),
        (
            lambda: rk.cycles.weekly(tz="UTC", weekday=NoRepr()),  # type: ignore[arg-type]
            rk.BadCalendarError,
            r"weekly weekday <NoRepr instance at 0x\w+> is not a weekday; ",
        ),
        (
            lambda: rk.rate([], HUGE, span=MARCH),  # type: ignore[arg-type]
            rk.RatekitTypeError,
            (
                r"rate plans must be a Plan or an iterable of Assignment values, not int: <an "
                r"integer of 5001 digits>\."
            ),
        ),
        (
            lambda: rk.from_row(NoRepr(), {}),  # type: ignore[arg-type]
            rk.BadDataError,
            r"the value: from_row builds one of Event, .*, Share, StatementLine, not <NoRepr instance at 0x\w+>\.",
        ),
        (
            lambda: rk.cycles.monthly(tz="UTC").boundaries_us(0, HUGE),
            rk.BadTimeError,
            (
                r"instant <an integer of 5001 digits> µs since the epoch is outside the range "
                r"ratekit's calendars support "
            ),
        ),
        (
            lambda: rk.meter([], [VM], span=MARCH, cycle=None, as_of=AT, cuts={"vm": [NoRepr()]}),  # type: ignore[list-item]
            rk.RatekitTypeError,
            (
                r"cuts\['vm'\] must hold instants in epoch microseconds \(int\), not <NoRepr "
                r"instance at 0x\w+>\."
            ),
        ),
    ],
)
def test_a_refused_value_is_shown_bounded_whatever_its_repr_does(
    call: Callable[[], object], error: type[rk.RatekitError], pattern: str
) -> None:
    with pytest.raises(error) as raised:
        call()
    assert re.match(pattern, str(raised.value)), str(raised.value)


def test_a_timeline_value_whose_eq_raises_is_refused_before_any_change() -> None:
    # "a" over [0, 10) and [20, 30); setting NoEq() over [5, 25) compares it with "a"
    # (the neighbours it might merge with): that raised RuntimeError after [5, 25) was
    # already cleared. Now the timeline is as it was.
    line = rk.Timeline[object]()
    line.set_us(0, 10, "a")
    line.set_us(20, 30, "a")
    with pytest.raises(rk.RatekitTypeError) as raised:
        line.set_us(5, 25, NoEq())
    assert str(raised.value) == (
        "Timeline values 'a' and NoEq() could not be compared: a timeline merges equal "
        "neighbours with ==, which raised RuntimeError: no eq; give values whose == works "
        "(plain values: str, int, Decimal, tuples, frozen attrs classes)."
    )
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert list(line.items_us()) == [(0, 10, "a"), (20, 30, "a")]


class Opaque:
    """An object every attribute of which raises: a cycle, window or policy of its own."""

    def __getattr__(self, name: str) -> object:
        raise RuntimeError(f"no {name} here")


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda: rk.Plan("p", "EUR", Opaque(), []),  # type: ignore[arg-type]
            rk.RatekitTypeError,
            (
                r"plan 'p' cycle must be a billing cycle such as rk\.cycles\.monthly\(tz='UTC'\), "
                r"not Opaque: "
            ),
        ),
        (
            lambda: rk.meter([], [VM], span=MARCH, cycle=Opaque(), as_of=AT),  # type: ignore[arg-type]
            rk.RatekitTypeError,
            r"meter\(\) cycle must be a billing cycle .* not Opaque: ",
        ),
        (
            lambda: rk.Allowance("vm", 1, cycle=Opaque()),  # type: ignore[arg-type]
            rk.RatekitTypeError,
            r"allowance of meter 'vm' cycle must be a cycle such as rk\.cycles\.yearly\(tz='UTC'\)",
        ),
        (
            lambda: rk.PriceEntry("e", "vm", rk.PerUnit(1), window=Opaque()),  # type: ignore[arg-type]
            rk.RatekitTypeError,
            r"price entry 'e' window must be a recurring window with within_us\(\), not Opaque: ",
        ),
        (
            lambda: rk.windows.daily("01:00", "02:00", tz="UTC") | Opaque(),  # type: ignore[operator]
            rk.RatekitTypeError,
            r"windows\.union argument must be a recurring window with within_us\(\), not Opaque: ",
        ),
        (
            lambda: rk.Meter("m", "hour", Opaque()),  # type: ignore[arg-type]
            rk.BadPolicyError,
            (
                r"Meter 'm' policy Opaque could not be read: its attributes raised RuntimeError: no "
                r"level here; give a policy such as rk\.OnOff\(\) or rk\.Discrete\(\), or one of "
                r"your own with plain methods\.$"
            ),
        ),
    ],
)
def test_a_protocol_object_whose_attributes_raise_is_refused_as_none(
    call: Callable[[], object], error: type[rk.RatekitError], pattern: str
) -> None:
    # Each door asked getattr(value, "boundaries_us", None) or isinstance(value, a
    # protocol), which let the object's own RuntimeError out.
    with pytest.raises(error) as raised:
        call()
    assert re.match(pattern, str(raised.value)), str(raised.value)


class _FarCycle(rk.cycles.Cycle):
    """A cycle of the user's own declaring a period of -10**30 µs."""

    period_us = -(10**30)

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        return []

    def containing_us(self, t_us: int) -> tuple[int, int]:
        return t_us, t_us + 1


def test_a_plan_by_days_over_a_cycle_of_a_far_negative_period_is_refused() -> None:
    # The check wrote the period as a timedelta, which cannot hold -10**30 µs: Python's
    # OverflowError escaped. It is written as microseconds when no timedelta can hold it.
    with pytest.raises(rk.BadCalendarError) as raised:
        rk.Plan("p", "EUR", _FarCycle(), [], proration="days", tz="UTC")
    assert re.match(
        r"plan 'p' prorates by whole local days, but its cycle <.*_FarCycle object at 0x\w+> "
        r"is -1000000000000000000000000000000 µs long: most of its cycles hold no whole local "
        r"day",
        str(raised.value),
    ), str(raised.value)


# -- the law: whatever one argument holds, a public door gives a value or a RatekitError --


def _nested(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: dict[str, object] = {
    "huge int": HUGE,
    "float nan": float("nan"),
    "Decimal sNaN": decimal.Decimal("sNaN"),
    "Decimal Infinity": decimal.Decimal("-Infinity"),
    "empty": "",
    "NUL": "a\x00b",
    "lone surrogate": "\ud800",
    "nested": _nested(5000),
    "Gone": Gone(),
    "NoEq": NoEq(),
    "NoRepr": NoRepr(),
    "Code": Code("EUR"),
    "bool": True,
    "Opaque": Opaque(),
}
DOORS: dict[str, Callable[[object], object]] = {
    "Span start": lambda v: rk.Span(v, AT),  # type: ignore[arg-type]
    "Span.from_us": lambda v: rk.Span.from_us(0, v),  # type: ignore[arg-type]
    "SpanSet": rk.SpanSet,  # type: ignore[arg-type]
    "Timeline value": lambda v: rk.Timeline[object](
        [(MARCH, "a"), (rk.Span(MARCH.end, MARCH.end + (MARCH.end - MARCH.start)), v)]
    ),
    "Event kind": lambda v: rk.Event("a", "r", AT, kind=v),  # type: ignore[arg-type]
    "Sample resource": lambda v: rk.Sample("a", v, "m", AT, 1, kind="gauge"),  # type: ignore[arg-type]
    "Sample value": lambda v: rk.Sample("a", "r", "m", AT, v),  # type: ignore[arg-type]
    "Graduated": rk.Graduated,  # type: ignore[arg-type]
    "OneOf": rk.OneOf,  # type: ignore[arg-type]
    "Plan cycle": lambda v: rk.Plan("p", "EUR", v, []),  # type: ignore[arg-type]
    "Plan entries": lambda v: rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), v),
    "Plan rounding": lambda v: _plan(rounding=v),
    "Plan proration": lambda v: _plan(proration=v),
    "Plan currency": lambda v: rk.Plan("p", v, rk.cycles.monthly(tz="UTC"), []),
    "TimeWeightedMean": rk.TimeWeightedMean,
    "currency_quantum": rk.currency_quantum,  # type: ignore[arg-type]
    "weekly weekday": lambda v: rk.cycles.weekly(tz="UTC", weekday=v),  # type: ignore[arg-type]
    "prorate basis": lambda v: rk.cycles.prorate(MARCH, MARCH, basis=v),  # type: ignore[arg-type]
    "boundaries_us": lambda v: rk.cycles.monthly(tz="UTC").boundaries_us(0, v),  # type: ignore[arg-type]
    "RecordBatch": rk.RecordBatch,  # type: ignore[arg-type]
    "rate plans": lambda v: rk.rate([], v, span=MARCH),  # type: ignore[arg-type]
    "rate usage": lambda v: rk.rate(v, PLAN, span=MARCH),  # type: ignore[arg-type]
    "Rater late": lambda v: rk.Rater(PLAN, [VM], start=AT, late=v),  # type: ignore[arg-type]
    "Rater meters": lambda v: rk.Rater(PLAN, v, start=AT),  # type: ignore[arg-type]
    "bill": rk.bill,  # type: ignore[arg-type]
    "from_row": lambda v: rk.from_row(v, {}),  # type: ignore[arg-type]
    "meter cuts": lambda v: rk.meter([], [VM], span=MARCH, cycle=None, as_of=AT, cuts={"vm": [v]}),  # type: ignore[list-item]
}


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(door=st.sampled_from(sorted(DOORS)), value=st.sampled_from(sorted(HOSTILE)))
def test_law_a_hostile_argument_gives_a_value_or_a_ratekit_error(door: str, value: str) -> None:
    # Oracle: the contract itself; any exception but a RatekitError fails the test.
    with contextlib.suppress(rk.RatekitError):
        DOORS[door](HOSTILE[value])
