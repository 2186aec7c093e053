"""A newcomer's hostile input at every public door, checked against docs/guarantees.md.

Each test pins one promise of the guarantees page (or of usage, streaming, adapters and
exports) with a value a careless or hostile caller gives: floats, bools, Decimal NaN and
huge exponents, int and str subclasses, bytes, naive datetimes and odd tzinfos, instants at
the edges of the range and one microsecond past them, numpy scalars, mappings whose reading
raises, deep nesting and million-item values. A refusal is a RatekitError subclass naming the
record or field and what is accepted; a refused feed leaves the rater as it was.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal

import numpy as np
import pytest

import ratekit as rk
from _hostile import ClosedCursor, Growing, TouchyInt, TouchyStr

AT = "2026-03-02T08:00:00Z"
AT_US = 1772438400000000  # 2026-03-02T08:00:00Z: 20514 days and 8 hours after the epoch
FIRST_US = -62135596800000000  # 0001-01-01T00:00:00Z
LAST_US = 253402300799999999  # 9999-12-31T23:59:59.999999Z
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())


class Endless(Mapping[str, object]):
    """A mapping that never ends."""

    def __getitem__(self, key: str) -> object:
        return 1

    def __iter__(self) -> Iterator[str]:
        number = 0
        while True:
            number += 1
            yield f"k{number}"

    def __len__(self) -> int:
        return 10**9


class RaisingTz(dt.tzinfo):
    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta:
        raise RuntimeError("no offset today")


class HandTz(dt.tzinfo):
    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(hours=1)

    def dst(self, moment: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, moment: dt.datetime | None) -> str:
        return "HT"


# --- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (rk.BadQuantityError, ValueError),
        (rk.BadPriceError, ValueError),
        (rk.BadTimeError, ValueError),
        (rk.BadRecordError, ValueError),
        (rk.BadSnapshotError, ValueError),
        (rk.BadCalendarError, ValueError),
        (rk.RatekitTypeError, TypeError),
        (rk.UnknownMeterError, LookupError),
    ],
)
def test_errors_are_ratekit_errors_and_the_builtin_kind_that_fits(
    error: type, builtin: type
) -> None:
    assert issubclass(error, rk.RatekitError)
    assert issubclass(error, builtin)


def test_convert_refuses_a_tiny_exponent_saying_the_range() -> None:
    with pytest.raises(rk.BadQuantityError) as error:
        rk.convert(Decimal("1E-999999"), "MB", "B")
    assert str(error.value) == (
        "quantity Decimal('1E-999999') lies outside the numbers ratekit represents exactly: give at "
        "most 60 significant digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30."
    )


def test_a_call_of_the_wrong_shape_is_refused_naming_what_it_takes() -> None:
    # docs/guarantees.md, Errors: a RatekitTypeError, and still a TypeError
    with pytest.raises(TypeError) as error:
        rk.Span("2026-03-01T00:00:00Z")  # type: ignore[call-arg]
    assert isinstance(error.value, rk.RatekitTypeError)
    assert str(error.value) == "Span() needs end; it takes start and end."


# --- Numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "error", "says"),
    [
        (True, rk.RatekitTypeError, "not bool: True"),
        (None, rk.RatekitTypeError, "not NoneType: None"),
        (b"5", rk.RatekitTypeError, "not bytes: b'5'"),
        (np.int64(5), rk.RatekitTypeError, "not int64"),
        (" 12", rk.BadQuantityError, "is not written plainly"),
        ("1_000", rk.BadQuantityError, "is not written plainly"),
        ("١٢", rk.BadQuantityError, "is not written plainly"),
        ("\uff11\uff12", rk.BadQuantityError, "is not written plainly"),
        (Decimal("NaN"), rk.BadQuantityError, "must be a finite number, not Decimal('NaN')"),
        (Decimal("sNaN"), rk.BadQuantityError, "must be a finite number, not Decimal('sNaN')"),
        (Decimal("-Infinity"), rk.BadQuantityError, "must be a finite number"),
        (float("nan"), rk.BadQuantityError, "must be a finite number, not nan"),
        (float("inf"), rk.BadQuantityError, "must be a finite number, not inf"),
        ("lots", rk.BadQuantityError, "is not a decimal number"),
        ("1" * 61, rk.BadQuantityError, "at most 60 significant digits"),
        ("9.9E-31", rk.BadQuantityError, "a magnitude from 1E-30 up to but excluding 1E+30"),
        ("1E+30", rk.BadQuantityError, "a magnitude from 1E-30 up to but excluding 1E+30"),
        (
            Decimal("1E+999999999"),
            rk.BadQuantityError,
            "lies outside the numbers ratekit represents",
        ),
        (10**40, rk.BadQuantityError, "lies outside the numbers ratekit represents"),
    ],
)
def test_a_sample_value_is_refused_naming_the_record_and_field(
    value: object, error: type, says: str
) -> None:
    with pytest.raises(error) as raised:
        rk.Sample("acme", "ip-1", "egress", AT, value, id="s9")
    assert str(raised.value).startswith("sample 's9' value ")
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, Decimal("0.1")),  # a float through its shortest repr
        (np.float64(2.5), Decimal("2.5")),  # numpy's float64 is a float
        (TouchyInt(5), Decimal(5)),  # an int subclass by its exact value
        ("1E-30", Decimal("1E-30")),  # the smallest magnitude
        ("9.99E+29", Decimal("9.99E+29")),  # below 1E+30
        ("0." + "1" * 60, Decimal("0." + "1" * 60)),  # 60 significant digits
        (
            Decimal("1" + "0" * 70 + "E-50"),
            Decimal(10**20),
        ),  # 71 digits written, trailing zeros do not count
        (Decimal("0E+999999"), Decimal(0)),  # a zero of any exponent is zero
        (Decimal("0E-999999"), Decimal(0)),
        (Decimal("-0"), Decimal(0)),
    ],
)
def test_a_sample_value_is_taken_exactly(value: object, expected: Decimal) -> None:
    taken = rk.Sample("acme", "ip-1", "egress", AT, value).value
    assert type(taken) is Decimal
    assert taken == expected


def test_a_price_number_is_refused_as_a_bad_price_naming_the_model_and_field() -> None:
    with pytest.raises(rk.BadPriceError, match=r"^Tier up_to '1_000' is not written plainly"):
        rk.Tier(up_to="1_000")
    with pytest.raises(rk.BadPriceError, match="PerUnit"):
        rk.PerUnit(Decimal("sNaN"))
    with pytest.raises(rk.BadPriceError, match="must be a finite number"):
        rk.Between(Decimal("NaN"), 5)
    # Both are ValueErrors: catching ValueError catches prices and quantities alike.
    for call in (lambda: rk.Package(" 10", 1), lambda: rk.Fee("base", " 12")):
        with pytest.raises(ValueError, match="is not written plainly"):
            call()


def _rows(quantity: object, unit: str = "GB", resource: str = "r1") -> list[rk.UsageRow]:
    return [
        rk.UsageRow("acme", "eg", resource, MARCH, MARCH, quantity, unit, {}, (f"{resource}-s",))
    ]


def _per_unit(price: str) -> rk.Plan:
    return rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("e", "eg", rk.PerUnit(price))])


@pytest.mark.parametrize(
    ("quantity", "price", "product"), [("1E-25", "0.000001", "1E-31"), ("3E-16", "3E-15", "9E-31")]
)
def test_rate_carries_a_charge_below_1e_30_exactly(quantity: str, price: str, product: str) -> None:
    # An amount below an input's 1E-30 is carried as it is (was: refused), and bills 0.00.
    rating = rk.rate(_rows(quantity), _per_unit(price), span=MARCH)
    assert [charge.amount for charge in rating.charges] == [Decimal(product)]
    assert rk.bill(rating)[0].total == Decimal("0.00")


@pytest.mark.parametrize(("quantity", "price", "product"), [("1E+15", "1E+15", "1E+30")])
def test_rate_refuses_a_charge_outside_the_range_naming_entry_quantity_and_product(
    quantity: str, price: str, product: str
) -> None:
    with pytest.raises(rk.BadPriceError) as error:
        rk.rate(_rows(quantity), _per_unit(price), span=MARCH)
    message = str(error.value)
    assert message.startswith(
        f"price entry 'e' of plan 'p' prices {quantity} GB of meter 'eg' for account 'acme'"
    )
    assert f"at {product}, outside the amounts ratekit carries exactly" in message


class _OwnPrice:
    linear = True

    def __init__(self, gives: object) -> None:
        self.gives = gives

    def amount(self, quantity: Decimal) -> Decimal:
        if isinstance(self.gives, Exception):
            raise self.gives
        return self.gives  # type: ignore[return-value]

    def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        return self.amount(quantity + added) - self.amount(quantity)

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        return ()


@pytest.mark.parametrize(
    ("gives", "says"),
    [
        (1.5, "returned float 1.5; a price model returns a finite Decimal"),
        (None, "returned NoneType None"),
        (Decimal("NaN"), "returned Decimal Decimal('NaN')"),
        (KeyError("tier"), "raised KeyError"),
        (decimal.DivisionByZero(), "raised DivisionByZero"),
    ],
)
def test_a_price_model_of_ones_own_that_fails_is_named_with_entry_plan_and_model(
    gives: object, says: str
) -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("e", "eg", _OwnPrice(gives))])  # type: ignore[arg-type]
    with pytest.raises(rk.BadPriceError) as error:
        rk.rate(_rows(2), plan, span=MARCH)
    message = str(error.value)
    assert message.startswith(
        "price entry 'e' of plan 'p', pricing 2 GB of meter 'eg' for account 'acme'"
    )
    assert "_OwnPrice.amount()" in message
    assert says in message
    if isinstance(gives, Exception):
        assert error.value.__cause__ is gives


def test_rows_of_one_meter_in_two_units_are_a_unit_error() -> None:
    rows = [*_rows(1, "hour"), *_rows(60, "minute", "r2")]
    with pytest.raises(
        rk.UnitError, match=r"the rows of meter 'eg' come in 2 units, 'hour' .* and 'minute'"
    ):
        rk.rate(rows, _per_unit("1"), span=MARCH)


# --- Decimal context ------------------------------------------------------------------------

ALL_SIGNALS = [
    decimal.Clamped,
    decimal.DivisionByZero,
    decimal.Inexact,
    decimal.Overflow,
    decimal.Rounded,
    decimal.Underflow,
    decimal.InvalidOperation,
    decimal.Subnormal,
    decimal.FloatOperation,
]

HOSTILE_CONTEXTS = [
    {"prec": 1},
    {"prec": 3, "traps": ALL_SIGNALS},
    {"rounding": decimal.ROUND_FLOOR},
    {
        "prec": 2,
        "rounding": decimal.ROUND_CEILING,
        "traps": ALL_SIGNALS,
        "Emax": 5,
        "Emin": -5,
        "capitals": 0,
    },
]


def _pipeline() -> tuple[object, ...]:
    """Rate, bill, feed, state, snapshot and restore one small month."""
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.0777")),
            rk.PriceEntry(
                "eg", "egress", rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "0.0913")])
            ),
        ],
        fees=[rk.Fee("base", "9.99")],
    )
    records = [
        rk.Event("acme", "vm-1", AT, kind="start", id="e1"),
        rk.Event("acme", "vm-1", "2026-03-02T08:20:00Z", kind="stop", id="e2"),
        rk.Sample("acme", "ip-1", "egress", "2026-03-02T09:00:00Z", "150", id="s1"),
        rk.Sample("acme", "ip-1", "egress", "2026-03-02T09:00:00Z", 0.5, id="s2"),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[VM_HOURS, EGRESS])
    invoices = rk.bill(rating)
    rater = rk.Rater(plan, [VM_HOURS, EGRESS], start="2026-03-01T00:00:00Z")
    fed = rater.feed(records)
    statement = rater.statement("2026-04-02T00:00:00Z")
    snapshot = json.dumps(rater.snapshot(), sort_keys=True)
    again = rk.Rater.restore(json.loads(snapshot), plan, [VM_HOURS, EGRESS])
    later = again.statement("2026-04-03T00:00:00Z")
    return (
        rating.total(),
        [invoice.total for invoice in invoices],
        [str(invoice) for invoice in invoices],
        repr(rating.charges),
        repr(fed),
        repr(statement.lines),
        [str(invoice) for invoice in statement.invoices],
        snapshot,
        repr(later),
    )


def test_the_pipeline_figures_worked_by_hand() -> None:
    figures = _pipeline()
    # vm: 20 min is the slice 0.333333333333333333333333 h (rounded at 1e-24), priced per unit
    # 0.0258999999999999999999999741 (the exact third at 0.0777 is 0.0259); egress: 150 + 0.5 =
    # 150.5 GB, the first 100 free, 50.5 * 0.0913 = 4.61065; the fee 9.99 for the whole cycle:
    # 0.0258999999999999999999999741 + 4.61065 + 9.99 = 14.6265499999999999999999999741.
    assert figures[0] == Decimal("14.6265499999999999999999999741")
    # Lines rounded once each: 0.03 + 4.61 + 9.99 = 14.63.
    assert figures[1] == [Decimal("14.63")]


@pytest.mark.parametrize(
    "hostile", HOSTILE_CONTEXTS, ids=["prec1", "prec3-traps", "floor", "tiny-ceiling-caps0"]
)
def test_the_callers_decimal_context_changes_nothing_and_is_left_as_it_was(
    hostile: dict[str, object],
) -> None:
    expected = _pipeline()
    with decimal.localcontext(**hostile) as context:  # type: ignore[arg-type]
        context.clear_flags()  # localcontext copies the flags earlier arithmetic raised
        before = (
            context.prec,
            context.rounding,
            context.Emax,
            context.Emin,
            context.capitals,
            dict(context.traps),
        )
        assert _pipeline() == expected
        after = (
            context.prec,
            context.rounding,
            context.Emax,
            context.Emin,
            context.capitals,
            dict(context.traps),
        )
        assert after == before
        assert not any(context.flags.values())


def test_a_changed_default_context_before_import_changes_nothing() -> None:
    import subprocess
    import sys

    code = (
        "import decimal\n"
        "decimal.DefaultContext.prec = 2\n"
        "decimal.DefaultContext.rounding = decimal.ROUND_FLOOR\n"
        "decimal.DefaultContext.traps[decimal.Inexact] = True\n"
        "decimal.DefaultContext.traps[decimal.Rounded] = True\n"
        "decimal.setcontext(decimal.Context(prec=2, rounding=decimal.ROUND_FLOOR, traps=[decimal.Inexact]))\n"
        "import ratekit as rk\n"
        "march = rk.Span('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')\n"
        "plan = rk.Plan('p', 'EUR', rk.cycles.monthly(tz='UTC'), [rk.PriceEntry('e', 'eg', rk.PerUnit('0.0913'))])\n"
        "rows = [rk.UsageRow('acme', 'eg', 'r', march, march, '50.5', 'GB', {}, ('s',))]\n"
        "rating = rk.rate(rows, plan, span=march)\n"
        "print(rating.total(), rk.bill(rating)[0].total, rk.convert(1, 'hour', 'week'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    # 50.5 * 0.0913 = 4.61065, billed 4.61; an hour is 1/168 week, rounded half-even at 60 digits.
    week = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN).divide(
        Decimal(1), Decimal(168)
    )
    assert done.stdout.split() == ["4.61065", "4.61", str(week)]


# --- Instants and spans ---------------------------------------------------------------------


def test_the_first_and_last_instants_are_taken() -> None:
    first = rk.Event("a", "r", "0001-01-01T00:00:00Z", id="e1")
    last = rk.Event("a", "r", "9999-12-31T23:59:59.999999Z", id="e2")
    assert (first.at_us, last.at_us) == (FIRST_US, LAST_US)


@pytest.mark.parametrize(
    "at",
    [
        # one microsecond before the first instant, once converted to UTC
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(microseconds=1))),
        # one microsecond after the last
        dt.datetime(
            9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(-dt.timedelta(microseconds=1))
        ),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    ],
)
def test_one_microsecond_past_either_end_is_refused_naming_what_was_given(at: dt.datetime) -> None:
    with pytest.raises(rk.BadTimeError) as error:
        rk.Event("a", "r", at, id="e9")
    assert str(error.value) == (
        f"event 'e9' at '{at.isoformat()}' lies outside the instants ratekit represents "
        "(0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z) once converted to UTC."
    )


@pytest.mark.parametrize(
    ("at", "error", "says"),
    [
        (dt.datetime(2026, 3, 2, 8), rk.BadTimeError, "is a naive datetime"),  # noqa: DTZ001
        ("2026-03-02T08:00:00", rk.BadTimeError, "has no UTC offset"),
        (dt.date(2026, 3, 2), rk.BadTimeError, "is a date, not an instant"),
        (AT_US, rk.RatekitTypeError, "not int: 1772438400000000; for an epoch time n"),
        (float(AT_US), rk.RatekitTypeError, "not float"),
        (np.int64(AT_US), rk.RatekitTypeError, "not int64"),
        (AT.encode(), rk.RatekitTypeError, "not bytes"),
        (
            dt.datetime(2026, 3, 2, tzinfo=RaisingTz()),
            rk.BadTimeError,
            "its tzinfo's utcoffset() raised RuntimeError",
        ),
        ("2026-03-02T08:00:00+25:00", rk.BadTimeError, "of 24 hours or more"),
        ("2026-03-02T24:00:00Z", rk.BadTimeError, "is not an instant ratekit reads"),
    ],
)
def test_an_event_instant_is_refused_naming_the_record_and_field(
    at: object, error: type, says: str
) -> None:
    with pytest.raises(error) as raised:
        rk.Event("acme", "vm-1", at, id="e9")
    assert str(raised.value).startswith("event 'e9' at ")
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("at_us", "error", "says"),
    [
        (
            FIRST_US - 1,
            rk.BadTimeError,
            "events[0]: at_us is int -62135596800000001; an instant lies from",
        ),
        (
            LAST_US + 1,
            rk.BadTimeError,
            "events[0]: at_us is int 253402300800000000; an instant lies from",
        ),
        (-(2**63), rk.BadTimeError, "(NaT)"),
        (float(AT_US), rk.RatekitTypeError, "events[0]: at_us is float"),
        (True, rk.RatekitTypeError, "events[0]: at_us is bool True"),
        (np.int64(AT_US), rk.RatekitTypeError, "events[0]: at_us is int64"),
        (Decimal(AT_US), rk.RatekitTypeError, "events[0]: at_us is Decimal"),
    ],
)
def test_a_batch_instant_is_refused_naming_the_record_and_field(
    at_us: object, error: type, says: str
) -> None:
    with pytest.raises(error) as raised:
        rk.RecordBatch.from_tuples(events=[("acme", "vm-1", at_us)])
    assert says in str(raised.value)


def test_a_batch_takes_the_edges_and_an_int_subclass_as_plain_ints() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[("a", "r", FIRST_US), ("a", "r", LAST_US), ("a", "r", TouchyInt(AT_US))],
        samples=[("a", "r", "m", TouchyInt(AT_US), TouchyInt(7))],
    )
    assert [record.at_us for record in batch] == [FIRST_US, LAST_US, AT_US, AT_US]
    assert all(type(record.at_us) is int for record in batch)
    assert list(batch)[3].value == Decimal(7)


@pytest.mark.parametrize(
    ("start_us", "error", "says"),
    [
        (
            1.5,
            rk.RatekitTypeError,
            "Span.from_us start_us must be an int of microseconds since the epoch, not float",
        ),
        (True, rk.RatekitTypeError, "not bool: True"),
        (Decimal(0), rk.RatekitTypeError, "not Decimal"),
        (np.int64(0), rk.RatekitTypeError, "not int64"),
        (FIRST_US - 1, rk.BadTimeError, "lies outside the instants ratekit represents"),
        (20, rk.BadSpanError, "comes before its start"),
    ],
)
def test_span_from_us_refuses(start_us: object, error: type, says: str) -> None:
    with pytest.raises(error, match=None) as raised:
        rk.Span.from_us(start_us, 10)  # type: ignore[arg-type]
    assert says in str(raised.value)


def test_span_from_us_takes_an_int_subclass_without_asking_its_comparisons() -> None:
    span = rk.Span.from_us(TouchyInt(FIRST_US), TouchyInt(LAST_US))
    assert repr(span) == "Span('0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z')"


@pytest.mark.parametrize(
    ("instant", "taken"),
    [
        ("0002-01-01T00:00:00Z", True),
        ("0001-12-31T23:59:59.999999Z", False),
        ("9998-12-30T23:59:59.999999Z", True),
        ("9998-12-31T00:00:00Z", False),
    ],
)
def test_calendar_cycles_hold_years_2_to_9998_cold_or_warm(instant: str, taken: bool) -> None:
    for cycle in (rk.cycles.monthly(tz="UTC"), rk.cycles.daily(tz="Europe/Zurich")):
        cycle.containing("9998-12-30T00:00:00Z")  # warm the cache past the end
        if taken:
            assert cycle.containing(instant).start_us <= rk.Span(instant, instant).start_us
        else:
            with pytest.raises(rk.BadTimeError) as error:
                cycle.containing(instant)
            # It names the instant given and the range, no instant of its own making.
            assert str(error.value) == (
                f"instant {instant} is outside the range ratekit's calendars support (years 2 to 9998: "
                "from 0002-01-01T00:00:00Z, inclusive, to 9998-12-31T00:00:00Z, exclusive)."
            )


def test_the_last_hour_of_9999_is_refused() -> None:
    assert repr(rk.cycles.hourly().containing("9999-12-31T22:30:00Z")) == (
        "Span('9999-12-31T22:00:00Z', '9999-12-31T23:00:00Z')"
    )
    with pytest.raises(rk.BadTimeError, match=r"ends after 9999-12-31T23:59:59\.999999Z"):
        rk.cycles.hourly().containing("9999-12-31T23:30:00Z")


# --- Timezones ------------------------------------------------------------------------------


def test_fixed_offsets_are_named_by_their_offset() -> None:
    assert repr(rk.cycles.daily(tz=dt.UTC)) == "cycles.daily(tz='UTC')"
    assert (
        repr(rk.cycles.daily(tz=dt.timezone(dt.timedelta(hours=1), "CET")))
        == "cycles.daily(tz='UTC+01:00')"
    )
    assert (
        repr(rk.cycles.daily(tz=TouchyStr("Europe/Zurich"))) == "cycles.daily(tz='Europe/Zurich')"
    )


@pytest.mark.parametrize(
    "door",
    [
        lambda tz: rk.cycles.daily(tz=tz),
        lambda tz: rk.bill([], tz=tz),
        lambda tz: rk.Rater(
            rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]),
            [VM_HOURS],
            start="2026-03-01T00:00:00Z",
            tz=tz,
        ),
    ],
    ids=["cycle", "bill", "rater"],
)
def test_every_timezone_door_refuses_alike(door: object) -> None:
    assert callable(door)
    with pytest.raises(rk.BadCalendarError, match="is a tzinfo ratekit cannot trust"):
        door(HandTz())
    with pytest.raises(
        rk.BadCalendarError, match="'Mars/Olympus' is not a known IANA timezone name"
    ):
        door("Mars/Olympus")
    with pytest.raises(rk.BadCalendarError, match="is not a known IANA timezone name"):
        door("../../etc/passwd")
    with pytest.raises(rk.RatekitTypeError, match="must be a timezone, not bytes"):
        door(b"UTC")
    with pytest.raises(rk.BadCalendarError) as error:
        door("A" * 1_000_000)
    assert len(str(error.value)) < 400


# --- Limits on work -------------------------------------------------------------------------


def test_a_hundred_thousand_boundaries_is_the_most_a_call_computes() -> None:
    assert (
        len(
            rk.cycles.daily(tz="UTC").spans(rk.Span("2000-01-01T00:00:00Z", "2200-01-01T00:00:00Z"))
        )
        == 73049
    )
    with pytest.raises(
        rk.BadSpanError, match="would need about 3,650,968 boundaries, more than the 100,000"
    ):
        rk.cycles.daily(tz="UTC").spans(rk.Span("0002-01-01T00:00:00Z", "9998-01-01T00:00:00Z"))


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_descriptions_nest_32_levels_and_no_more() -> None:
    taken = rk.Event(
        "a", "r", AT, {"k": _nested(31)}, id="e1"
    )  # the list holding 1 is the 32nd level
    assert taken.attributes["k"] == _nested(31)
    for deep in (_nested(33), _nested(100_000)):
        with pytest.raises(
            rk.BadRecordError,
            match=r"event 'e1' attribute 'k\[0\]\[0\].* nests deeper than 32 levels",
        ):
            rk.Event("a", "r", AT, {"k": deep}, id="e1")
    itself: dict[str, object] = {}
    itself["x"] = itself
    with pytest.raises(
        rk.BadRecordError, match="nests deeper than 32 levels \\(or contains itself\\)"
    ):
        rk.Event("a", "r", AT, {"k": itself}, id="e1")


def test_a_description_mapping_holds_at_most_a_hundred_thousand_items() -> None:
    rk.Event("a", "r", AT, {f"k{number}": number for number in range(100_000)}, id="e1")
    with pytest.raises(rk.BadRecordError, match="holds more than 100,000 items"):
        rk.Event("a", "r", AT, {f"k{number}": number for number in range(100_001)}, id="e1")
    with pytest.raises(
        rk.BadRecordError, match="holds more than 100,000 items \\(or never ends\\)"
    ):
        rk.Event("a", "r", AT, Endless(), id="e1")


@pytest.mark.parametrize(
    ("mapping", "says"),
    [
        (ClosedCursor(), "raised KeyError"),
        (Growing(), "raised RuntimeError: dictionary changed size"),
    ],
)
def test_a_mapping_whose_reading_raises_is_refused_naming_the_record(
    mapping: object, says: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.Event("a", "r", AT, mapping, id="e1")  # type: ignore[arg-type]
    assert str(error.value).startswith("event 'e1' attributes could not be read: its mapping (")
    assert says in str(error.value)
    with pytest.raises(rk.RatekitTypeError, match=r"^events\[0\]: attributes could not be read"):
        rk.RecordBatch.from_tuples(events=[("a", "r", AT_US, "start", mapping)])


@pytest.mark.parametrize(
    ("value", "path", "says"),
    [
        ({1, 2}, "k", "not set"),
        (b"x", "k", "not bytes"),
        (np.int64(3), "k", "not int64"),
        (np.bool_(True), "k", "not numpy bool"),
        (dt.datetime(2026, 1, 1), "k", "not datetime"),  # noqa: DTZ001
        ({"x": [{"y": bytearray(b"z")}]}, "k.x[0].y", "not bytearray"),
    ],
)
def test_an_attribute_of_the_wrong_type_is_named_by_its_path(
    value: object, path: str, says: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.Event("a", "r", AT, {"k": value}, id="e1")
    assert str(error.value).startswith(
        f"event 'e1' attribute '{path}' must be a str, int, Decimal, float, bool"
    )
    assert says in str(error.value)


def test_a_million_item_value_of_the_wrong_type_is_refused_with_a_short_message() -> None:
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.Event("a", "r", AT, {"k": [set(range(1_000_000))]}, id="e1")
    assert "not set: {0, 1, 2, 3, 4, 5, ...}" in str(error.value)
    assert len(str(error.value)) < 300


def test_attributes_are_copied_at_the_door_and_take_str_and_int_subclasses_plainly() -> None:
    given: dict[str, object] = {
        "flavor": TouchyStr("small"),
        "size": TouchyInt(3),
        "tags": [1, {"a": (2, 3)}],
    }
    event = rk.Event("a", "r", AT, given, id="e1")
    given["flavor"] = "large"
    assert event.attributes == {"flavor": "small", "size": 3, "tags": [1, {"a": [2, 3]}]}
    assert type(event.attributes["flavor"]) is str
    assert type(event.attributes["size"]) is int


# --- Records in any order -------------------------------------------------------------------


def test_two_versions_of_one_sample_keep_the_earlier_in_any_order() -> None:
    early = rk.Sample("acme", "ip-1", "egress", "2026-03-02T08:00:00Z", 5, id="x")
    late = rk.Sample("acme", "ip-1", "egress", "2026-03-02T09:00:00Z", 7, id="x")
    for records in ([early, late], [late, early]):
        with pytest.raises(rk.ConflictingRecordError):
            rk.meter(records, [EGRESS], span=MARCH, cycle=None, as_of=MARCH.end)
        usage = rk.meter(
            records, [EGRESS], span=MARCH, cycle=None, as_of=MARCH.end, conflicts="anomaly"
        )
        # Of two samples, the earlier (08:00, 5 GB) stands.
        assert usage.total() == Decimal(5)
        assert [(anomaly.kind, anomaly.record_ids) for anomaly in usage.anomalies] == [
            ("conflict", ("x",))
        ]


# --- Result values built by hand ------------------------------------------------------------


def _charge(**fields: object) -> rk.Charge:
    values: dict[str, object] = {
        "account": "acme",
        "meter": "vm.hours",
        "resource": "vm-1",
        "span": MARCH,
        "cycle": MARCH,
        "quantity": 1,
        "unit": "hour",
        "amount": 1,
        "currency": "EUR",
        "plan": "p",
        "entry": "vm",
        "unit_price": None,
    }
    values.update(fields)
    return rk.Charge(*values.values())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        (
            {"amount": "1E+30"},
            rk.BadQuantityError,
            "Charge amount Decimal('1E+30') lies outside the numbers",
        ),
        ({"amount": Decimal("sNaN")}, rk.BadQuantityError, "Charge amount must be a finite number"),
        ({"amount": True}, rk.RatekitTypeError, "Charge amount"),
        ({"quantity": "1E+60"}, rk.BadQuantityError, "up to but excluding 1E+60"),
        ({"currency": "eur"}, rk.BadPriceError, "Charge currency 'eur' is not a currency code"),
        (
            {"span": None},
            rk.RatekitTypeError,
            "Charge span must be a Span (rk.Span(start, end)), not NoneType: None.",
        ),
        ({"account": b"acme"}, rk.RatekitTypeError, "Charge account"),
    ],
)
def test_a_charge_built_by_hand_is_checked(
    fields: dict[str, object], error: type, message: str
) -> None:
    with pytest.raises(error) as raised:
        _charge(**fields)
    assert message in str(raised.value)


def test_a_charge_quantity_of_usage_reaches_below_1e60() -> None:
    assert _charge(quantity="9E+59").quantity == Decimal("9E+59")


# --- Policies, plans and entries check what they are asked ----------------------------------


def test_the_public_protocol_methods_check_their_arguments() -> None:
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.Max().aggregate(None, 0, 3_600_000_000, None)  # type: ignore[arg-type]
    assert str(error.value) == (
        "Max.aggregate readings must be a list of Samples in (at, seq) order, not NoneType: None."
    )
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("e", "vm.hours", rk.PerUnit("0.5"))])
    with pytest.raises(
        rk.RatekitTypeError, match=r"plan 'p' cuts_us end_us must be an int .* not bool: True"
    ):
        plan.cuts_us("vm.hours", 0, True)  # type: ignore[arg-type]
    with pytest.raises(rk.BadTimeError):
        plan.cuts_us("vm.hours", 0, LAST_US + 1)
    assert plan.cuts_us("vm.hours", TouchyInt(0), TouchyInt(10**12)) == []
    with pytest.raises(
        rk.RatekitTypeError, match="price entry 'e' matches description must be a mapping"
    ):
        plan.entries_of("vm.hours")[0].matches(5)  # type: ignore[arg-type]


# --- Values show themselves -----------------------------------------------------------------


def test_values_and_messages_do_not_follow_the_hosts_capitals() -> None:
    with decimal.localcontext(capitals=0):
        assert (
            repr(rk.Sample("a", "r", "m", AT, "1E+3"))
            == "Sample('a', 'r', 'm', '2026-03-02T08:00:00Z', '1E+3')"
        )
        assert repr(rk.PerUnit("1E+3")) == "PerUnit('1E+3')"
        with pytest.raises(rk.BadQuantityError, match="excluding 1E\\+30"):
            rk.Sample("a", "r", "m", AT, "1E+30")


# --- Records: strings, kinds, seq -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        (
            {"resource": True},
            rk.RatekitTypeError,
            "event 'e9' resource must be a non-empty string, not True.",
        ),
        (
            {"resource": b"vm"},
            rk.RatekitTypeError,
            "event 'e9' resource must be a non-empty string, not b'vm'.",
        ),
        (
            {"resource": ""},
            rk.RatekitTypeError,
            "event 'e9' resource must be a non-empty string, not ''.",
        ),
        (
            {"kind": "START"},
            rk.BadRecordError,
            "event 'e9' kind 'START' is not one of 'start', 'update', 'stop', 'delete'.",
        ),
        ({"kind": TouchyInt(5)}, rk.BadRecordError, "event 'e9' kind 5 is not one of"),
        ({"seq": True}, rk.RatekitTypeError, "event 'e9' seq must be an int or None, not True."),
        ({"seq": np.int64(3)}, rk.RatekitTypeError, "event 'e9' seq must be an int or None"),
        ({"seq": 2**63}, rk.BadRecordError, "event 'e9' seq 9223372036854775808 is out of range"),
        (
            {"seq": -(2**63) - 1},
            rk.BadRecordError,
            "event 'e9' seq -9223372036854775809 is out of range",
        ),
    ],
)
def test_an_event_field_is_refused_naming_the_record(
    fields: dict[str, object], error: type, message: str
) -> None:
    values: dict[str, object] = {
        "account": "acme",
        "resource": "vm-1",
        "at": AT,
        "kind": "start",
        "id": "e9",
    }
    values.update(fields)
    with pytest.raises(error) as raised:
        rk.Event(**values)  # type: ignore[arg-type]
    assert str(raised.value).startswith(message)


def test_str_subclasses_and_long_text_are_kept_as_plain_strings() -> None:
    long = "x" * 1_000_000
    event = rk.Event(
        TouchyStr("acme"), np.str_("vm-1"), AT, kind=TouchyStr("start"), id=long, seq=TouchyInt(4)
    )
    assert (event.account, event.resource, event.kind, event.id, event.seq) == (
        "acme",
        "vm-1",
        "start",
        long,
        4,
    )
    assert [
        type(value) for value in (event.account, event.resource, event.kind, event.id, event.seq)
    ] == [
        str,
        str,
        str,
        str,
        int,
    ]


def test_a_sample_kind_since_and_counter_are_checked() -> None:
    with pytest.raises(rk.BadRecordError, match="since 2026-03-02T09:00:00Z comes after its at"):
        rk.Sample("a", "r", "m", AT, 1, since="2026-03-02T09:00:00Z", id="s")
    with pytest.raises(
        rk.BadRecordError, match="has since='2026-03-02T07:00:00Z' but kind 'gauge'"
    ):
        rk.Sample("a", "r", "m", AT, 1, kind="gauge", since="2026-03-02T07:00:00Z", id="s")
    with pytest.raises(
        rk.BadRecordError, match="sample 's' value -1 is a negative counter reading"
    ):
        rk.Sample("a", "r", "m", AT, -1, kind="counter", id="s")
    assert rk.Sample("a", "r", "m", AT, Decimal("-0"), kind="counter").value == 0


# --- Text read as something else, and iterables that fail midway ----------------------------


@pytest.mark.parametrize("start", ["\uff12\uff12:00", "\u0662\u0662:00", "24:00", b"22:00"])
def test_a_time_of_day_is_plain_ascii_digits(start: object) -> None:
    with pytest.raises(rk.BadCalendarError) as error:
        rk.windows.daily(start, "23:00", tz="UTC")  # type: ignore[arg-type]
    assert str(error.value).startswith(f"daily window start {start!r} is not a time of day")
    assert "in plain ASCII digits between '00:00' and '23:59:59'" in str(error.value)


def test_a_tier_range_is_plain_ascii_digits() -> None:
    assert rk.Graduated.from_ranges(
        [(TouchyStr("1-5"), "1"), ("6+", "2")]
    ) == rk.Graduated.from_ranges([("1-5", "1"), ("6+", "2")])
    with pytest.raises(
        rk.BadPriceError, match=r"ranges\[0\] range '\uff11-5' is not an inclusive integer range"
    ):
        rk.Graduated.from_ranges([("\uff11-5", "1"), ("6+", "2")])


def _fails_after(first: object) -> Iterator[object]:
    yield first
    raise OSError("connection reset")


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda: rk.Graduated(_fails_after(rk.Tier(5, "1"))), "tiers could not be read"),
        (
            lambda: rk.Graduated.from_ranges(_fails_after(("1-5", "1"))),
            "Graduated.from_ranges ranges could not be read",
        ),
        (lambda: rk.OneOf(_fails_after("a")), "OneOf values could not be read"),
        (
            lambda: rk.Plan(
                "p", "EUR", MONTHLY, _fails_after(rk.PriceEntry("a", "m", rk.PerUnit(1)))
            ),
            "Plan entries could not be read",
        ),
        (
            lambda: rk.Inventory(AT, _fails_after(("a", "r"))),
            "Inventory resources could not be read",
        ),
        (
            lambda: rk.Inventory(AT, [], accounts=_fails_after("a")),
            "inventory accounts could not be read",
        ),
        (lambda: rk.SpanSet.from_us(_fails_after((0, 1))), "SpanSet.from_us could not be read"),
        (
            lambda: rk.to_rows(_fails_after(rk.Event("a", "r", AT))),
            "to_rows values could not be read",
        ),
        (
            lambda: rk.RecordBatch.from_tuples(events=_fails_after(("a", "r", AT_US))),
            "RecordBatch events[1] could not be read",
        ),
        (
            lambda: rk.rate(
                _fails_after(rk.Event("a", "r", AT)), MONTHLY_PLAN, span=MARCH, meters=[VM_HOURS]
            ),
            "rate records could not be read",
        ),
        (
            lambda: rk.meter(
                _fails_after(rk.Event("a", "r", AT)),
                [VM_HOURS],
                span=MARCH,
                cycle=MONTHLY,
                as_of=MARCH.end,
            ),
            "meter() records could not be read",
        ),
        (lambda: rk.bill(_fails_after(None)), "bill"),
    ],
)
def test_an_iterable_that_raises_midway_is_refused_naming_it(
    call: Callable[[], object], says: str
) -> None:
    with pytest.raises(rk.RatekitError) as error:
        call()
    assert says in str(error.value)
    if "could not be read" in says:
        assert "raised OSError: connection reset" in str(error.value)


MONTHLY_PLAN = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"))])
