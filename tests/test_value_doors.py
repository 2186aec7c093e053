"""The doors of the result values, of the policies' protocol methods and of the last
functions the fuzzer found taking anything: each refusal names the class (or function),
the field (or argument) and what is accepted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import attrs
import pytest

import ratekit as rk
from ratekit import units

# The private routes, read from the modules ratekit itself uses (doctest collection may
# import a module of the package anew, with classes of its own).
_new_charge = rk.Rating.total.__globals__["_new_charge"]
_new_line = rk.bill.__wrapped__.__globals__["_new_line"]  # type: ignore[attr-defined]

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("r", "runtime", rk.PerUnit("0.1"))]
)
RANGE = (
    "a finite number with at most 300 significant digits and, unless zero, a magnitude from "
    "1E-160 up to but excluding 1E+100"
)


def _report(kind: object, message: object, samples: object) -> None:
    raise AssertionError("not reported")


def _gauge(at: str) -> rk.Sample:
    return rk.Sample("a", "r", "m", at, 1, kind="gauge")


def _charge(**changes: object) -> rk.Charge:
    fields: dict[str, object] = {
        "account": "acme",
        "meter": "m",
        "resource": "r",
        "span": MARCH,
        "cycle": MARCH,
        "quantity": 1,
        "unit": "hour",
        "amount": 1,
        "currency": "EUR",
        "plan": "p",
        "entry": "e",
        "unit_price": None,
    }
    return rk.Charge(**{**fields, **changes})  # type: ignore[arg-type]


def _line(**changes: object) -> rk.InvoiceLine:
    fields: dict[str, object] = {
        "kind": "usage",
        "meter": "m",
        "entry": "e",
        "resource": None,
        "quantity": 1,
        "free": 0,
        "unit": "hour",
        "unit_price": None,
        "precise": 0,
        "amount": 0,
        "charges": (),
    }
    return rk.InvoiceLine(**{**fields, **changes})  # type: ignore[arg-type]


VALUES: list[tuple[str, Callable[[], object], type[rk.RatekitError], str]] = [
    (
        "Charge(span=None)",
        lambda: _charge(span=None),
        rk.RatekitTypeError,
        "Charge span must be a Span (rk.Span(start, end)), not NoneType: None.",
    ),
    (
        "Charge(quantity=1E+999999)",
        lambda: _charge(quantity=Decimal("1E+999999")),
        rk.BadQuantityError,
        # was: the range of results (300 digits, 1E±100), which from_row refused
        (
            "Charge quantity Decimal('1E+999999') lies outside the numbers ratekit represents "
            "exactly: give at most 60 significant digits and, unless zero, a magnitude from "
            "1E-100 up to but excluding 1E+60."
        ),
    ),
    (
        "Charge(kind='tax')",
        lambda: _charge(kind="tax"),
        rk.RatekitTypeError,
        (
            "Charge kind must be one of 'usage', 'fee', 'minimum', 'reversal', 'correction', "
            "not str: 'tax'."
        ),
    ),
    (
        "Charge(quantum=0)",
        lambda: _charge(quantum=0),
        rk.BadQuantityError,
        "Charge quantum must be a number greater than 0, not Decimal('0').",
    ),
    (
        "Charge(opens=1)",
        lambda: _charge(opens=1),
        rk.RatekitTypeError,
        "Charge opens must be True or False, not int: 1.",
    ),
    (
        "Anomaly('duplicate', None)",
        lambda: rk.Anomaly("duplicate", None),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "Anomaly message must be a string, not NoneType: None.",
    ),
    (
        "Anomaly(record_ids=[1])",
        lambda: rk.Anomaly("duplicate", "seen twice", [1]),  # type: ignore[list-item]
        rk.RatekitTypeError,
        "Anomaly record_ids must be a list of record ids (strings), but its item [0] is int: 1.",
    ),
    (
        "Invoice(lines=None)",
        lambda: rk.Invoice("acme", MARCH, "EUR", None, 0, 0),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "Invoice lines must be a list of InvoiceLines, not NoneType: None.",
    ),
    (
        "Invoice(tz='Mars/Olympus')",
        lambda: rk.Invoice("acme", MARCH, "EUR", (), 0, 0, tz="Mars/Olympus"),
        rk.BadCalendarError,
        (
            "Invoice tz 'Mars/Olympus' is not a known IANA timezone name; give an IANA name such as "
            "'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45'."
        ),
    ),
    (
        "InvoiceLine(quantity=None)",
        lambda: _line(quantity=None),
        rk.RatekitTypeError,
        "InvoiceLine quantity must be a number (Decimal, int or str), not NoneType: None.",
    ),
    (
        # was: a ZeroDivisionError from its label (its repr)
        "InvoiceLine(shares=0)",
        lambda: _line(kind="shared", share=1, shares=0),
        rk.BadQuantityError,
        "InvoiceLine shares must be a number greater than 0, not Decimal('0').",
    ),
    (
        "Rating([], None)",
        lambda: rk.Rating([], None),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "Rating anomalies must be a list of Anomaly values, not NoneType: None.",
    ),
    (
        "TierLine(label=True)",
        lambda: rk.TierLine(
            label=True,  # type: ignore[arg-type]
            lower=None,
            upper=None,
            quantity=1,  # type: ignore[arg-type]
            unit=1,  # type: ignore[arg-type]
            amount=1,  # type: ignore[arg-type]
        ),
        rk.RatekitTypeError,
        "TierLine label must be a non-empty string, not bool: True.",
    ),
    (
        "TierLine(quantity=nan)",
        lambda: rk.TierLine(
            label="x",
            lower=None,
            upper=None,
            quantity=float("nan"),  # type: ignore[arg-type]
            unit=1,  # type: ignore[arg-type]
            amount=1,  # type: ignore[arg-type]
        ),
        rk.BadQuantityError,
        f"TierLine quantity must be {RANGE}, not Decimal('NaN').",
    ),
    (
        "TransactionLine(bound='max')",
        lambda: rk.TransactionLine(
            index=0,
            transaction=1,  # type: ignore[arg-type]
            billable=1,  # type: ignore[arg-type]
            percent=1,  # type: ignore[arg-type]
            percentage=1,  # type: ignore[arg-type]
            fee=0,  # type: ignore[arg-type]
            bound="max",
            amount=1,  # type: ignore[arg-type]
        ),
        rk.RatekitTypeError,
        "TransactionLine bound must be one of 'minimum', 'maximum' or None, not str: 'max'.",
    ),
    (
        "Usage(None, (), ())",
        lambda: rk.Usage(None, (), ()),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "Usage rows must be a list of UsageRows, not NoneType: None.",
    ),
    (
        "ComparisonRow(cycle=<a cycle, not a span>)",
        lambda: rk.ComparisonRow(
            "acme",
            rk.cycles.monthly(tz="UTC"),  # type: ignore[arg-type]
            "EUR",
            "pro",
            None,
            None,
            None,
            None,
            "same",
        ),
        rk.RatekitTypeError,
        (
            "ComparisonRow cycle must be a Span (rk.Span(start, end)), not Monthly: "
            "cycles.monthly(tz='UTC', day=1)."
        ),
    ),
    (
        "Comparison(rows=None)",
        lambda: rk.Comparison(("a",), None, {}),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "Comparison rows must be a list of ComparisonRows, not NoneType: None.",
    ),
    (
        "CreditLine(available=None)",
        lambda: rk.CreditLine("w", None, 0, 0, None),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "CreditLine available must be a number (Decimal, int or str), not NoneType: None.",
    ),
    (
        "Feed(anomalies=None)",
        lambda: rk.Feed(anomalies=None),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "Feed anomalies must be a list of Anomaly values, not NoneType: None.",
    ),
    (
        "Feed(counts={'accepted': -1})",
        lambda: rk.Feed(counts={"accepted": -1}),
        rk.RatekitTypeError,
        (
            "Feed counts must be a mapping of outcome names to counts (ints of at least 0), "
            "not dict: {'accepted': -1}."
        ),
    ),
    (
        "Statement(None)",
        lambda: rk.Statement(None),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        (
            "Statement as_of must be an aware datetime or an ISO-8601 string with an offset, "
            "not NoneType: None."
        ),
    ),
    (
        "Statement(<a naive datetime>)",
        lambda: rk.Statement(dt.datetime(2000, 1, 1)),  # noqa: DTZ001 - naive on purpose
        rk.BadTimeError,
        (
            "Statement as_of '2000-01-01T00:00:00' is a naive datetime; ratekit compares "
            "instants, so give it a timezone, e.g. datetime(..., tzinfo=datetime.UTC) or "
            "pendulum.datetime(..., tz='Europe/Zurich')."
        ),
    ),
    (
        "StatementLine(amount=None)",
        lambda: rk.StatementLine(
            "acme",
            MARCH,
            "usage",
            "p",
            "m",
            "e",
            "r",
            "hour",
            "EUR",
            1,
            None,  # type: ignore[arg-type]
        ),
        rk.RatekitTypeError,
        "StatementLine amount must be a number (Decimal, int or str), not NoneType: None.",
    ),
    (
        "StatementLine(amount=NaN)",
        lambda: rk.StatementLine(
            "acme", MARCH, "usage", "p", "m", "e", "r", "hour", "EUR", 1, Decimal("NaN")
        ),
        rk.BadQuantityError,
        f"StatementLine amount must be {RANGE}, not Decimal('NaN').",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "message"), [case[1:] for case in VALUES], ids=[case[0] for case in VALUES]
)
def test_a_result_value_built_by_hand_is_checked_at_its_door(
    call: Callable[[], object], error: type[rk.RatekitError], message: str
) -> None:
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, 1, "hour", {}, ["e1", 2]),
            (
                "UsageRow record_ids must be a list of record ids (strings), but its item [1] "
                "is int: 2."
            ),
        ),
        (
            lambda: rk.UsageRow(
                "acme", "vm", "vm-1", MARCH, MARCH, 1, "hour", {}, iter(["e1", None])
            ),
            (
                "UsageRow record_ids must be a list of record ids (strings), but its item [1] "
                "is NoneType: None."
            ),
        ),
        (
            lambda: rk.Anomaly("duplicate", "seen twice", ("e1", "e2", b"e3")),
            (
                "Anomaly record_ids must be a list of record ids (strings), but its item [2] "
                "is bytes: b'e3'."
            ),
        ),
    ],
)
def test_a_list_with_one_wrong_item_names_the_item_and_its_index(
    call: Callable[[], object], message: str
) -> None:
    # the list as given, not the tuple it becomes: the wrong item and where it is
    with pytest.raises(rk.RatekitTypeError) as caught:
        call()
    assert str(caught.value) == message


def test_a_result_value_built_by_hand_converts_friendly_forms_and_shows():
    charge = _charge(quantity="1.5", amount=3, unit_price=2.0)
    # 1.5 hour at 2 = 3 EUR: the friendly forms become exact Decimals
    assert (charge.quantity, charge.amount, charge.unit_price) == (
        Decimal("1.5"),
        Decimal(3),
        Decimal("2.0"),
    )
    assert repr(charge) == (
        "Charge('acme', 'm', 'r', '2026-03-01T00:00:00Z'..'2026-04-01T00:00:00Z', 1.5 hour, "
        "3 EUR, entry='e')"
    )
    statement = rk.Statement("2026-03-05T00:00:00+01:00", lines=[], closed=[MARCH])
    assert statement.as_of == dt.datetime(2026, 3, 4, 23, tzinfo=dt.UTC)
    assert statement.closed == (MARCH,)
    assert repr(statement) == "Statement('2026-03-04T23:00:00Z', 0 lines, 0 invoices, 0 anomalies)"


def test_ratings_private_route_builds_the_same_charge_as_the_door():
    # rating builds a charge per piece without the validators; the value is the same
    fields = ("acme", "m", "r", MARCH, MARCH, Decimal(1), "hour", Decimal(1), "EUR", "p", "e", None)
    fast = _new_charge(*fields, kind="fee", quantum=Decimal("0.05"))
    checked = rk.Charge(*fields, kind="fee", quantum=Decimal("0.05"))
    assert fast == checked
    assert (fast.kind, fast.quantum, fast.rounding, fast.free) == (
        "fee",
        Decimal("0.05"),
        "ROUND_HALF_EVEN",
        Decimal(0),
    )
    assert repr(fast) == repr(checked)


def test_the_charges_rate_builds_pass_their_own_door():
    rows = [rk.UsageRow("acme", "runtime", "vm-1", MARCH, MARCH, 5, "hour", {}, ("e1",))]
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("r", "runtime", rk.PerUnit("0.1"))],
        fees=[rk.Fee("base", 3)],
    )
    rating = rk.rate(rows, plan, span=MARCH)
    assert len(rating.charges) == 2  # 5 h * 0.1 = 0.5, and the fee of 3
    for charge in rating.charges:
        fields = {field.name: getattr(charge, field.name) for field in attrs.fields(rk.Charge)}
        assert rk.Charge(**fields) == charge


# -- the policies' protocol methods: public, checked at the door -------------------------

POLICIES: list[tuple[str, Callable[[], object], str]] = [
    (
        "Continuous('m').level(None)",
        lambda: rk.Continuous("m").level(None),  # type: ignore[arg-type]
        (
            "Continuous.level description must be a mapping of attribute names to values, "
            "not NoneType: None."
        ),
    ),
    (
        "OnOff().level(True)",
        lambda: rk.OnOff().level(True),  # type: ignore[arg-type]
        "OnOff.level description must be a mapping of attribute names to values, not bool: True.",
    ),
    (
        "Count().aggregate(5, 0, 1, None)",
        lambda: rk.Count().aggregate(5, 0, 1, None),  # type: ignore[arg-type]
        "Count.aggregate readings must be a list of Samples in (at, seq) order, not int: 5.",
    ),
    (
        "Max().aggregate([], 0, True, None)",
        lambda: rk.Max().aggregate([], 0, True, None),
        "Max.aggregate end_us must be an int of epoch microseconds (64 bits), not bool: True.",
    ),
    (
        "Min().aggregate(<readings out of order>, ...)",
        lambda: rk.Min().aggregate(
            [_gauge("2026-03-02T00:00:00Z"), _gauge("2026-03-01T00:00:00Z")], 0, 2**62, None
        ),
        (
            "Min.aggregate readings must be in (at, seq) order, but sample (gauge of 'm' of 'r' of "
            "'a' at 2026-03-01T00:00:00Z, no id) at 2026-03-01T00:00:00Z comes after a reading at "
            "2026-03-02T00:00:00Z."
        ),
    ),
    (
        "Latest().aggregate([], 5, 1, None)",
        lambda: rk.Latest().aggregate([], 5, 1, None),
        "Latest.aggregate piece [5, 1) ends before it starts; give start_us <= end_us.",
    ),
    (
        "Latest().aggregate(frozenset(), 0, 1, None)",
        lambda: rk.Latest().aggregate(frozenset(), 0, 1, None),  # type: ignore[arg-type]
        (
            "Latest.aggregate readings must be a list of Samples in (at, seq) order, "
            "not frozenset: frozenset()."
        ),
    ),
    (
        "Percentile(1).aggregate(['x'], 0, 1, None)",
        lambda: rk.Percentile(1).aggregate(["x"], 0, 1, None),  # type: ignore[list-item]
        (
            "Percentile.aggregate readings must be a list of Samples in (at, seq) order, "
            "not list: ['x']."
        ),
    ),
    (
        "TimeWeightedMean().aggregate([], 0, 1, 'x')",
        lambda: rk.TimeWeightedMean().aggregate([], 0, 1, "x"),  # type: ignore[arg-type]
        "TimeWeightedMean.aggregate before must be a Sample or None, not str: 'x'.",
    ),
    (
        "UniqueCount().aggregate(None, 0, 1, None)",
        lambda: rk.UniqueCount().aggregate(None, 0, 1, None),  # type: ignore[arg-type]
        (
            "UniqueCount.aggregate readings must be a list of Samples in (at, seq) order, "
            "not NoneType: None."
        ),
    ),
    (
        # checked when called, not when the first increment is asked for
        "Counter().increments(None, None, report)",
        lambda: rk.Counter().increments(None, None, _report),  # type: ignore[arg-type]
        (
            "Counter.increments readings must be a list of Samples in (at, seq) order, "
            "not NoneType: None."
        ),
    ),
    (
        "Counter().increments([], None, None)",
        lambda: rk.Counter().increments([], None, None),  # type: ignore[arg-type]
        (
            "Counter.increments report must be a function report(kind, message, samples), "
            "not NoneType: None."
        ),
    ),
    (
        "Discrete().increments(['x'], None, report)",
        lambda: rk.Discrete().increments(["x"], None, _report),  # type: ignore[list-item]
        (
            "Discrete.increments readings must be a list of Samples in (at, seq) order, "
            "not list: ['x']."
        ),
    ),
    (
        "Counter().baseline(None, 0)",
        lambda: rk.Counter().baseline(None, 0),  # type: ignore[arg-type]
        "Counter.baseline first must be a Sample, not NoneType: None.",
    ),
]


@pytest.mark.parametrize(
    ("call", "message"), [case[1:] for case in POLICIES], ids=[case[0] for case in POLICIES]
)
def test_a_policys_protocol_method_checks_its_arguments(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        call()
    assert str(caught.value) == message


def test_the_checked_protocol_methods_still_compute():
    readings = [_gauge("2026-03-01T01:00:00Z"), _gauge("2026-03-01T03:00:00Z")]
    assert rk.Count().aggregate(readings, 0, 2**62, None) == 2
    deltas = [rk.Sample("a", "r", "m", "2026-03-01T01:00:00Z", 5, id="s1")]
    at = deltas[0].at_us
    assert list(rk.Discrete().increments(deltas, None, _report)) == [(at, at, Decimal(5), ("s1",))]


# -- functions that took anything ----------------------------------------------------------

FUNCTIONS: list[tuple[str, Callable[[], object], type[rk.RatekitError], str]] = [
    (
        "Graduated.from_ranges(5)",
        lambda: rk.Graduated.from_ranges(5),  # type: ignore[arg-type]
        rk.BadPriceError,
        (
            "Graduated.from_ranges ranges must be a list of (range, unit) pairs, e.g. "
            "[('1-5', '0.10'), ('6+', '0.08')], not int: 5."
        ),
    ),
    (
        "Volume.from_ranges([5])",
        lambda: rk.Volume.from_ranges([5]),  # type: ignore[list-item]
        rk.BadPriceError,
        (
            "Volume.from_ranges ranges[0] must be (range, unit) or (range, unit, flat), "
            "e.g. ('1-5', '0.10'), not 5."
        ),
    ),
    (
        "Percentage(0).amount_of(time())",
        lambda: rk.Percentage(0).amount_of(dt.time()),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        (
            "Percentage transactions must be a list of transaction amounts (['100.00', '20.00']), "
            "not time: datetime.time(0, 0)."
        ),
    ),
    (
        "Percentage(0).explain_of(None)",
        lambda: rk.Percentage(0).explain_of(None),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        (
            "Percentage transactions must be a list of transaction amounts (['100.00', '20.00']), "
            "not NoneType: None."
        ),
    ),
    (
        "rate(None, plan)",
        lambda: rk.rate(None, PLAN, span=MARCH),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "rate usage must be an iterable (a list or tuple), not NoneType: None.",
    ),
    (
        "rate(rows, plan, meters=[1])",
        lambda: rk.rate([], PLAN, span=MARCH, meters=[1]),  # type: ignore[list-item]
        rk.RatekitTypeError,
        "rate meters must be Meter values, not int: 1.",
    ),
    (
        "rate(rows, plan, meters=<a datetime>)",
        lambda: rk.rate([], PLAN, span=MARCH, meters=dt.datetime(2026, 1, 1)),  # type: ignore[arg-type]  # noqa: DTZ001 - hostile
        rk.RatekitTypeError,
        (
            "rate meters must be an iterable (a list or tuple), not datetime: "
            "datetime.datetime(2026, 1, 1, 0, 0)."
        ),
    ),
    (
        "rate(rows, plan, meters=<two named alike>)",
        lambda: rk.rate(
            [],
            PLAN,
            span=MARCH,
            meters=[rk.Meter("m", "hour", rk.OnOff()), rk.Meter("m", "GB", rk.Discrete())],
        ),
        rk.RatekitTypeError,
        "two meters are named 'm'; meter names are unique.",
    ),
    (
        "bill(None)",
        lambda: rk.bill(None),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        (
            "bill charges must be a list of Charge values ([] for none), not NoneType: None; "
            "wrap a single Charge in a list."
        ),
    ),
    (
        "units.microseconds_per([])",
        lambda: units.microseconds_per([]),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "A unit must be a string such as 'GiB*hour' or a Unit, not list: [].",
    ),
    (
        "units.from_microseconds(5, {})",
        lambda: units.from_microseconds(5, {}),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "A unit must be a string such as 'GiB*hour' or a Unit, not dict: {}.",
    ),
    (
        "UsageRow(record_ids=None)",
        lambda: rk.UsageRow("a", "m", "r", MARCH, MARCH, 1, "hour", {}, None),  # type: ignore[arg-type]
        rk.RatekitTypeError,
        "UsageRow record_ids must be a list of record ids (strings), not NoneType: None.",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [case[1:] for case in FUNCTIONS],
    ids=[case[0] for case in FUNCTIONS],
)
def test_a_function_that_took_anything_refuses_it_by_name(
    call: Callable[[], object], error: type[rk.RatekitError], message: str
) -> None:
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value) == message


def test_billings_private_route_builds_the_same_line_as_the_door():
    fields = ("usage", "m", "e", None, Decimal(3), Decimal(0), "hour", None, Decimal("0.015"))
    fast = _new_line(*fields, Decimal("0.02"), (), spent=Decimal(1))
    checked = rk.InvoiceLine(*fields, Decimal("0.02"), (), spent=Decimal(1))
    assert fast == checked
    assert (fast.commitment, fast.spent, fast.whole) == (None, Decimal(1), None)
    assert (
        repr(fast) == repr(checked) == ("InvoiceLine('m · e', 3 hour, precise=0.015, amount=0.02)")
    )
    invoice = rk.Invoice("acme", MARCH, "EUR", (fast,), Decimal("0.02"), Decimal("0.015"))
    assert invoice.subtotal == Decimal("0.02")  # a default computed from another field


def test_the_policies_module_keeps_every_name_after_its_split():
    from ratekit import policies

    assert sorted(policies.__all__) == [
        "Continuous",
        "Count",
        "Counter",
        "DeltaPolicy",
        "Discrete",
        "Increment",
        "Latest",
        "Max",
        "Meter",
        "Min",
        "OnOff",
        "Percentile",
        "SamplePolicy",
        "TimePolicy",
        "TimeWeightedMean",
        "UniqueCount",
    ]
    for name in policies.__all__:
        if name != "Increment":
            assert getattr(policies, name) is getattr(rk, name)
            assert getattr(rk, name).__module__ == "ratekit"
    # the policies and their door still meet in meter()
    usage = rk.meter(
        [rk.Sample("a", "r", "peak", "2026-03-01T01:00:00Z", 7, kind="gauge", id="s1")],
        [rk.Meter("peak", "user", policies.Max())],
        span=MARCH,
        cycle=None,
        as_of=MARCH.end,
    )
    assert usage.total("peak") == 7


def test_an_amount_too_long_for_its_quantum_is_refused_by_bill():
    # 9E+29 hours at 9E+29 EUR each: 8.1E+59 EUR. Rating refuses such an amount (it is
    # outside the numbers ratekit carries exactly); a charge made by hand reaches bill,
    # which refuses it: 62 digits on the cent (60 fit); was: decimal.InvalidOperation
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("r", "m", rk.PerUnit("9E+29"))]
    )
    row = rk.UsageRow("acme", "m", "r", MARCH, MARCH, Decimal("9E+29"), "hour", {}, ())
    with pytest.raises(rk.BadPriceError, match=r"prices 9E\+29 hour .* at 8.1E\+59, outside"):
        rk.rate([row], plan, span=MARCH)
    # A charge made by hand holds no more: its door has rating's range (was: accepted,
    # then bill refused its 62 digits on the cent).
    with pytest.raises(rk.BadQuantityError) as caught:
        _charge(entry="r", quantity=Decimal("9E+29"), amount=Decimal("8.1E+59"))
    assert str(caught.value) == (
        "Charge amount Decimal('8.1E+59') lies outside the numbers ratekit represents exactly: "
        "give at most 60 significant digits and, unless zero, a magnitude from 1E-100 up to but "
        "excluding 1E+30."
    )
    # Two charges in range add up past it: 9E+29 + 9E+29 = 1.8E+30 EUR is 61 digits on a
    # quantum of 1E-30 (31 before the point, 30 after); bill refuses it.
    big = [
        _charge(entry="r", resource=r, amount=Decimal("9E+29"), quantum=Decimal("1E-30"))
        for r in ("r1", "r2")
    ]
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.bill(big)
    assert str(caught.value) == (
        "the charges of account 'acme' for plan 'p', entry 'r' add up to "
        "1800000000000000000000000000000 EUR, which has 61 digits on the quantum 1E-30; "
        "ratekit rounds an amount of at most 60 digits on it (less than 1E+30 EUR)."
    )
    # one of them, 9E+29 EUR, is 60 digits on 1E-30 (30 + 30): billed
    # (was: 1E+57 EUR on the cent, which the Charge door now refuses)
    assert rk.bill(big[:1])[0].total == Decimal("9E+29")
