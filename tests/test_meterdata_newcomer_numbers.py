"""A metering pipeline's numbers of every shape, checked against the promises of the docs.

Usage arrives as ints from a JSON feed (byte counters near 1E+29, negative corrections),
Decimals from a SQL NUMERIC column, text from a CSV, floats from a careless producer,
numpy and pandas values from a DataFrame, bools and IntEnum members by mistake. The docs
promise (docs/guarantees.md, "Numbers" and "Decimal context"; docs/usage.md, "Many
records at once") that each number is read once, exactly, into a Decimal; that the same
number given as an int, a Decimal or its text makes the same record, the same rows, the
same snapshot and the same charges, in batch and in the stream; that the caller's decimal
context changes nothing; and that a bad number is refused with a RatekitError naming the
record and the field.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import pickle
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import ratekit as rk

T0_US = 1772409600000000  # 2026-03-02T00:00:00Z: 20514 days after the epoch
MINUTE_US = 60_000_000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
EGRESS = rk.Meter("egress", "B", rk.Discrete())
# 1E-27 EUR a byte: a byte counter near 1E+29 costs about 100 EUR.
PER_BYTE = rk.Plan("bytes", "EUR", MONTHLY, [rk.PriceEntry("eg", "egress", rk.PerUnit("1E-27"))])
# The first 1E+20 B free, then 1E-7 EUR a byte, priced on the cycle's whole quantity.
TIERED = rk.Plan(
    "tiered",
    "EUR",
    MONTHLY,
    [rk.PriceEntry("eg", "egress", rk.Graduated([rk.Tier(10**20, "0"), rk.Tier(None, "1E-7")]))],
)

# 30 counters of about 2.5E+27 bytes and one correction of -1.2E+28, 29 digits each.
BIG = [99999999999999999999999999999 // 40 + i for i in range(30)]
BIG.append(-12345678901234567890123456789)

SHAPES: dict[str, Callable[[int], object]] = {"int": int, "Decimal": Decimal, "str": str}


class Unit(enum.IntEnum):
    SEVEN = 7
    KILO_AND_HALF = 1500


def at(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def samples_of(values: Sequence[object]) -> list[rk.Sample]:
    return [
        rk.Sample("acme", "ip-1", "egress", at(T0_US + i * MINUTE_US), value, id=f"s{i}")
        for i, value in enumerate(values)
    ]


def tuples_of(values: Sequence[object]) -> rk.RecordBatch:
    return rk.RecordBatch.from_tuples(
        samples=[
            ("acme", "ip-1", "egress", T0_US + i * MINUTE_US, value, "delta", f"s{i}")
            for i, value in enumerate(values)
        ]
    )


def columns_of(values: Sequence[object]) -> rk.RecordBatch:
    n = len(values)
    return rk.RecordBatch.from_columns(
        samples={
            "account": ["acme"] * n,
            "resource": ["ip-1"] * n,
            "meter": ["egress"] * n,
            "at_us": [T0_US + i * MINUTE_US for i in range(n)],
            "value": list(values),
            "id": [f"s{i}" for i in range(n)],
        }
    )


def one(value: object) -> rk.Sample:
    return rk.Sample("acme", "ip-1", "egress", "2026-03-02T00:00:00Z", value, id="s1")


def streamed(
    records: Sequence[rk.Sample], plan: rk.Plan, cut: int
) -> tuple[str, str, rk.Statement]:
    """Feed `records[:cut]`, restore from JSON, feed the rest as a batch, restore from a
    pickle, state at the end of March: the two snapshots' JSON text and the statement."""
    rater = rk.Rater(plan, [EGRESS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=40))
    rater.feed(list(records[:cut]))
    first = json.dumps(rater.snapshot())
    rater = rk.Rater.restore(json.loads(first), plan, [EGRESS])
    rater.feed(list(records[cut:]))
    rater = pickle.loads(pickle.dumps(rater))
    statement = rater.statement("2026-04-01T00:00:00Z")
    return first, json.dumps(rater.snapshot()), statement


# --- one sample, three shapes ------------------------------------------------------------


@pytest.mark.parametrize("value", [1500, Decimal(1500), "1500", Unit.KILO_AND_HALF])
def test_an_int_a_decimal_and_text_make_one_sample(value: object) -> None:
    sample = one(value)
    reference = one(Decimal(1500))
    assert type(sample.value) is Decimal
    assert sample.value == Decimal(1500)
    assert str(sample.value) == "1500"
    assert sample == reference
    assert hash(sample) == hash(reference)
    assert repr(sample) == repr(reference)
    assert json.dumps(rk.to_row(sample)) == json.dumps(rk.to_row(reference))
    assert rk.from_row(rk.Sample, json.loads(json.dumps(rk.to_row(sample)))) == reference
    assert pickle.loads(pickle.dumps(sample)) == reference


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (99999999999999999999999999999, "99999999999999999999999999999"),  # 29 nines
        (-999999999999999999999999999999, "-999999999999999999999999999999"),  # 30 nines
        (-3, "-3"),
        ("1.50", "1.50"),  # text keeps its digits, as Decimal("1.50") does
        ("1e3", "1E+3"),
        (0.1, "0.1"),  # a float through its shortest repr
        (np.float64(1.5), "1.5"),  # numpy's float64 is a float
        (np.str_("12"), "12"),  # a str subclass is text
        (Unit.SEVEN, "7"),  # an int subclass by its exact value
        (Decimal("1E-30"), "1E-30"),  # the smallest magnitude accepted
    ],
)
def test_every_accepted_number_is_an_exact_decimal(value: object, text: str) -> None:
    sample = one(value)
    assert type(sample.value) is Decimal
    assert str(sample.value) == text


def test_a_big_counter_given_three_ways_is_one_sample_in_batches_too() -> None:
    reference = samples_of([Decimal(v) for v in BIG])
    for shape in SHAPES.values():
        values = [shape(v) for v in BIG]
        for records in (samples_of(values), list(tuples_of(values)), list(columns_of(values))):
            assert records == reference
            assert [repr(r) for r in records] == [repr(r) for r in reference]
            assert [hash(r) for r in records] == [hash(r) for r in reference]
            assert [rk.to_row(r) for r in records] == [rk.to_row(r) for r in reference]
            assert all(type(r.value) is Decimal for r in records)


# --- charges, invoices and snapshots -------------------------------------------------------


def test_a_month_of_big_counters_rates_the_same_from_ints_decimals_and_text() -> None:
    # sum(BIG) = 30 * 2499999999999999999999999999 + (0 + 1 + ... + 29)
    #            - 12345678901234567890123456789
    #          = 74999999999999999999999999970 + 435 - 12345678901234567890123456789
    #          = 62654321098765432109876543616 B; at 1E-27 EUR a byte,
    #          62.654321098765432109876543616 EUR, billed 62.65.
    exact = sum(Fraction(v) for v in BIG)
    assert exact == 62654321098765432109876543616
    seen = set()
    for shape in SHAPES.values():
        values = [shape(v) for v in BIG]
        batch = tuples_of(values)
        rating = rk.rate(batch, PER_BYTE, span=MARCH, meters=[EGRESS])
        assert Fraction(rating.total()) == exact * Fraction(1, 10**27)
        assert rating.total() == Decimal("62.654321098765432109876543616")
        (invoice,) = rk.bill(rating)
        assert invoice.total == Decimal("62.65")
        first, last, statement = streamed(samples_of(values), PER_BYTE, cut=10)
        assert statement.total() == rating.total()  # the stream agrees to the last digit
        seen.add(
            (
                json.dumps([rk.to_row(c) for c in rating.charges]),
                str(invoice),
                json.dumps(rk.to_row(invoice)),
                json.dumps(rk.focus_rows(rating.charges, provider="X")),
                first,
                last,
                json.dumps([rk.to_row(i) for i in statement.invoices]),
            )
        )
    assert len(seen) == 1  # byte for byte, whatever shape the numbers came in


def test_a_cycle_past_1e30_is_refused_naming_the_account_in_batch_and_stream() -> None:
    # 12 * 9E+28 = 1.08E+30 B, past 1E+30: a Graduated price takes the cycle whole.
    for shape in SHAPES.values():
        records = samples_of([shape(9 * 10**28)] * 12)
        with pytest.raises(
            rk.BadQuantityError, match=r"account 'acme'.*1080000000000000000000000000000"
        ):
            rk.rate(records, TIERED, span=MARCH, meters=[EGRESS])
        rater = rk.Rater(
            TIERED, [EGRESS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=40)
        )
        before = rater.feed(records[:11])
        assert len(before.accepted) == 11
        snapshot = json.dumps(rater.snapshot())
        with pytest.raises(rk.BadQuantityError, match=r"Rater\.feed: records\[0\]: .*sample 's11'"):
            rater.feed(records[11:])
        assert json.dumps(rater.snapshot()) == snapshot  # a refused batch changes nothing
        # 11 * 9E+28 - 1E+20 free = 989999999900000000000000000000 B at 1E-7:
        # 98999999990000000000000 EUR.
        assert rater.statement("2026-03-05T00:00:00Z").total() == Decimal(98999999990000000000000)


def test_mixed_ints_and_long_decimals_add_up_exactly() -> None:
    values: list[object] = [10**28 + i for i in range(5)]
    values += [
        Decimal("0.123456789012345678901234567891"),  # 30 decimals
        Decimal("-0.000000000000000000000000000001"),  # a correction of -1E-30
        "12345.678901234567890123456789",
        -7 * 10**27,
    ]
    exact = sum(
        Fraction(Decimal(v)) if isinstance(v, (str, Decimal)) else Fraction(v) for v in values
    )
    # 5E+28 + 10 - 7E+27 + 12345.678901234567890123456789 + 0.123456789012345678901234567891
    #   - 1E-30 = 43000000000000000000000012355.802358023580235802358023567890
    assert exact == Fraction(
        Decimal("43000000000000000000000012355.802358023580235802358023567890")
    )
    rating = rk.rate(tuples_of(values), PER_BYTE, span=MARCH, meters=[EGRESS])
    assert sum(Fraction(c.quantity) for c in rating.charges) == exact
    assert Fraction(rating.total()) == exact / 10**27
    _, _, statement = streamed(samples_of(values), PER_BYTE, cut=4)
    assert statement.total() == rating.total()


def test_a_total_past_60_digits_is_exact_whatever_the_order() -> None:
    # (1E+29 - 1) + 1.5E-30 + 1.5E-30 - 2.5E-30 = 99999999999999999999999999999.0000000000000000000000000000005
    # (61 digits): totals add amounts exactly, never rounded, in batch and stream.
    values: list[object] = [10**29 - 1, "1.5E-30", Decimal("1.5E-30"), "-2.5E-30"]
    expected = Decimal("99999999999999999999999999999.0000000000000000000000000000005")
    plan = rk.Plan("one", "EUR", MONTHLY, [rk.PriceEntry("eg", "egress", rk.PerUnit(1))])
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]):
        records = samples_of([values[i] for i in order])
        rating = rk.rate(records, plan, span=MARCH, meters=[EGRESS])
        assert rating.total() == expected
        _, _, statement = streamed(records, plan, cut=2)
        assert statement.total() == expected


def test_a_replay_in_another_shape_is_a_duplicate() -> None:
    rater = rk.Rater(
        PER_BYTE, [EGRESS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=40)
    )
    assert rater.feed([one(Decimal("1500.00"))]).accepted == ("s1",)  # a NUMERIC(12, 2) column
    for replay in (1500, "1500", Decimal("1.5E+3")):
        assert rater.feed([one(replay)]).duplicates == ("s1",)


# --- the caller's decimal context -------------------------------------------------------------


def test_the_callers_decimal_context_changes_nothing() -> None:
    values: list[object] = [*BIG[:5], "0.123456789012345678901234567891", Decimal("-1E-30")]
    plain = rk.rate(tuples_of(values), PER_BYTE, span=MARCH, meters=[EGRESS])
    _, plain_snapshot, plain_statement = streamed(samples_of(values), PER_BYTE, cut=3)
    hostile = decimal.Context(
        prec=3,
        rounding=decimal.ROUND_DOWN,
        Emin=-10,
        Emax=10,
        capitals=0,
        traps=[decimal.Inexact, decimal.Rounded, decimal.Overflow, decimal.InvalidOperation],
    )
    with decimal.localcontext(hostile) as inside:
        rating = rk.rate(tuples_of(values), PER_BYTE, span=MARCH, meters=[EGRESS])
        _, snapshot, statement = streamed(samples_of(values), PER_BYTE, cut=3)
        sample = one("1e29")
        assert repr(sample).endswith("'1E+29', id='s1')")  # capitals=0 does not leak
        assert rk.to_row(sample)["value"] == "1E+29"
        with pytest.raises(rk.BadQuantityError, match=r"sample 's1' value '1e30'"):
            one("1e30")
        assert not any(inside.flags.values())
    assert rating.total() == plain.total()
    assert [rk.to_row(c) for c in rating.charges] == [rk.to_row(c) for c in plain.charges]
    assert snapshot == plain_snapshot
    assert statement.total() == plain_statement.total()


# --- refusals -------------------------------------------------------------------------------

REFUSED: list[tuple[str, object, type[rk.RatekitError], str]] = [
    ("spaces", " 7 ", rk.BadQuantityError, "not written plainly"),
    ("underscores", "1_000", rk.BadQuantityError, "not written plainly"),
    ("empty", "", rk.BadQuantityError, "not a decimal number"),
    ("text nan", "nan", rk.BadQuantityError, "finite number"),
    ("float nan", float("nan"), rk.BadQuantityError, "finite number"),
    ("Decimal sNaN", Decimal("sNaN"), rk.BadQuantityError, "finite number"),
    ("Decimal -inf", Decimal("-Infinity"), rk.BadQuantityError, "finite number"),
    ("1E+30", 10**30, rk.BadQuantityError, "up to but excluding 1E\\+30"),
    ("1E-31", "1e-31", rk.BadQuantityError, "from 1E-30"),
    ("61 digits", Decimal("1." + "1" * 60), rk.BadQuantityError, "at most 60 significant digits"),
    ("bool", True, rk.RatekitTypeError, "bool"),
    ("numpy bool", np.bool_(True), rk.RatekitTypeError, "numpy bool"),
    ("numpy int64", np.int64(5), rk.RatekitTypeError, "int64"),
    ("numpy float32", np.float32(0.5), rk.RatekitTypeError, "float32"),
    ("pd.NA", pd.NA, rk.RatekitTypeError, "NAType"),
    ("NaT", pd.NaT, rk.RatekitTypeError, "NaTType"),
    ("None", None, rk.RatekitTypeError, "NoneType"),
    ("bytes", b"12", rk.RatekitTypeError, "bytes"),
    ("Fraction", Fraction(1, 2), rk.RatekitTypeError, "Fraction"),
]


@pytest.mark.parametrize(("name", "value", "kind", "says"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_number_is_refused_naming_the_record_and_field(
    name: str, value: object, kind: type[rk.RatekitError], says: str
) -> None:
    with pytest.raises(kind, match=f"sample 's1' value.*{says}"):
        one(value)
    good_then_bad = [1, value]
    for build in (tuples_of, columns_of):
        with pytest.raises(kind, match=rf"samples\[1\] \(id 's1'\): value.*{says}"):
            build(good_then_bad)


def test_a_frame_with_decimals_gaps_and_numpy_ints_follows_the_recipe() -> None:
    frame = pd.DataFrame(
        {
            "account": ["acme", "acme", "acme"],
            "resource": ["ip-1", "ip-1", "ip-1"],
            "meter": ["egress", "egress", "egress"],
            "at_us": [T0_US, T0_US + MINUTE_US, T0_US + 2 * MINUTE_US],
            "value": [Decimal("1500.25"), pd.NA, Decimal("-0.25")],  # an object column
            "id": ["s0", "s1", "s2"],
        }
    )
    with pytest.raises(rk.RatekitTypeError, match=r"samples\[1\] \(id 's1'\).*dropna"):
        rk.RecordBatch.from_columns(samples=frame.to_dict("list"))
    with pytest.raises(rk.RatekitError):
        rk.RecordBatch.from_columns(samples=frame)  # type: ignore[arg-type]
    kept = frame.dropna(subset=["value"])
    batch = rk.RecordBatch.from_columns(samples=kept.to_dict("list"))
    # 1500.25 - 0.25 = 1500.00 B at 1E-27 EUR a byte
    assert rk.rate(batch, PER_BYTE, span=MARCH, meters=[EGRESS]).total() == Decimal("1.5E-24")
    ints = pd.Series([1500, 250], dtype="Int64")  # numpy ints, refused as rk.Sample refuses them
    with pytest.raises(rk.RatekitTypeError, match=r"samples\[0\].*array\.tolist\(\)"):
        columns_of(ints)  # type: ignore[arg-type]
    plain = pd.Series([1500, 250], dtype="int64")  # gives Python ints
    assert [s.value for s in columns_of(plain)] == [Decimal(1500), Decimal(250)]  # type: ignore[arg-type]


# --- counters, corrections under tiers, levels, scale-out ------------------------------------


def test_a_counter_near_1e30_reads_the_same_in_every_shape_and_across_restores() -> None:
    # Readings 1E+29 - 10, 5E+29, 1E+30 - 1, 17 (a reset: counts from zero), 1E+29:
    # (5E+29 - 1E+29 + 10) + (1E+30 - 1 - 5E+29) + 17 + (1E+29 - 17) = 1E+30 + 9 B,
    # at 1E-27 EUR a byte 1000.000000000000000000000000009 EUR.
    readings = [10**29 - 10, 5 * 10**29, 10**30 - 1, 17, 10**29]
    counter = rk.Meter("bytes", "B", rk.Counter())
    plan = rk.Plan("c", "EUR", MONTHLY, [rk.PriceEntry("b", "bytes", rk.PerUnit("1E-27"))])
    for shape in SHAPES.values():
        records = [
            rk.Sample(
                "acme",
                "nic",
                "bytes",
                f"2026-03-0{2 + i}T00:00:00Z",
                shape(v),
                kind="counter",
                id=f"c{i}",
            )
            for i, v in enumerate(readings)
        ]
        rating = rk.rate(records, plan, span=MARCH, meters=[counter])
        assert [a.kind for a in rating.anomalies] == ["counter_reset"]
        assert rating.total() == Decimal("1000.000000000000000000000000009")
        rater = rk.Rater(
            plan, [counter], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=40)
        )
        totals = []
        for k in (0, 2, 4):  # two readings a feed, a statement and a restore after each
            rater.feed(records[k : k + 2])
            totals.append(rater.statement(f"2026-03-0{3 + k}T00:00:00Z").total())
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [counter])
        totals.append(rater.statement("2026-04-01T00:00:00Z").total())
        assert sum(Fraction(t) for t in totals) == Fraction(rating.total())


def test_corrections_past_minus_1e30_under_tiers_are_priced_0_in_batch_and_stream() -> None:
    # -9E+29 twice, then +9E+29 three times: the cycle nets 9E+29 B (its running total
    # reaches -1.8E+30, a negative total a price by total prices 0); the first 1E+20 B
    # free, then (9E+29 - 1E+20) * 1E-7 = 9E+22 - 1E+13 = 89999999990000000000000 EUR.
    values: list[object] = [
        -9 * 10**29,
        "-9E+29",
        9 * 10**29,
        Decimal("9E+29"),
        "900000000000000000000000000000",
    ]
    records = samples_of(values)
    rating = rk.rate(records, TIERED, span=MARCH, meters=[EGRESS])
    assert Fraction(rating.total()) == (Fraction(9 * 10**29) - 10**20) / 10**7
    assert rating.total() == 89999999990000000000000
    _, _, statement = streamed(records, TIERED, cut=2)
    assert statement.total() == rating.total()


def test_a_level_given_as_int_decimal_or_text_meters_the_same_quantity() -> None:
    # 1536 MB for 1 h, then 1536 MB (an int) for 1 h 20 min: 1536 + 2048 = 3584 MB*hour,
    # 3.584 EUR at 0.001. Text is a number for a level; "1536" and 1536 are two
    # descriptions (the text one a piece of its own), the quantity one.
    memory = rk.Meter("mem", "MB*hour", rk.Continuous("size"))
    plan = rk.Plan("m", "EUR", MONTHLY, [rk.PriceEntry("m", "mem", rk.PerUnit("0.001"))])
    for level in (1536, Decimal(1536), "1536", 1536.0, Decimal("1.536E+3")):
        events = [
            rk.Event("acme", "vm", "2026-03-02T08:00:00Z", {"size": level}, kind="start", id="e1"),
            rk.Event("acme", "vm", "2026-03-02T09:00:00Z", {"size": 1536}, kind="update", id="e2"),
            rk.Event("acme", "vm", "2026-03-02T10:20:00Z", kind="stop", id="e3"),
        ]
        usage = rk.meter(events, [memory], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
        assert usage.total() == 3584
        assert rk.rate(events, plan, span=MARCH, meters=[memory]).total() == Decimal("3.584")
    with pytest.raises(rk.RatekitTypeError, match=r"event 'e1' attribute 'size'.*int64"):
        rk.Event(
            "acme", "vm", "2026-03-02T08:00:00Z", {"size": np.int64(1536)}, kind="start", id="e1"
        )


def test_rating_by_account_on_dask_agrees_with_one_process_in_every_shape() -> None:
    dask = pytest.importorskip("dask")
    bag = pytest.importorskip("dask.bag")
    from ratekit.scaleout import rate_by_account

    values: list[object] = [
        *BIG[:10],
        Decimal("0.123456789012345678901234567891"),
        "-12345.6789",
        -(10**28),
    ]
    # Per account: 10 * 2499999999999999999999999999 + (0 + 1 + ... + 9) - 1E+28
    #   - 12345.6789 + 0.123456789012345678901234567891
    #   = 14999999999999999999999987689.444556789012345678901234567891 B;
    # the first 1E+20 B free, the rest at 1E-27 EUR a byte, for each of three accounts.
    plan = rk.Plan(
        "t",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry(
                "eg", "egress", rk.Graduated([rk.Tier(10**20, "0"), rk.Tier(None, "1E-27")])
            )
        ],
    )
    per_account = (
        Fraction(Decimal("14999999999999999999999987689.444556789012345678901234567891")) - 10**20
    )
    for shape in (lambda v: v, lambda v: Decimal(v) if isinstance(v, int) else v, str):
        records = [
            pickle.loads(pickle.dumps(record))
            for account in ("acme", "beta", "gamma")
            for record in rk.RecordBatch.from_tuples(
                samples=[
                    (
                        account,
                        "ip",
                        "egress",
                        T0_US + i * MINUTE_US,
                        shape(v),
                        "delta",
                        f"{account}-{i}",
                    )
                    for i, v in enumerate(values)
                ]
            )
        ]
        alone = rk.rate(records, plan, span=MARCH, meters=[EGRESS])
        assert Fraction(alone.total()) == 3 * per_account / 10**27
        with (
            dask.config.set(scheduler="synchronous"),
            decimal.localcontext(prec=3, traps=[decimal.Inexact]),
        ):
            rating, invoices = rate_by_account(
                bag.from_sequence(records, npartitions=2), plan, span=MARCH, meters=[EGRESS]
            )
        assert rating.total() == alone.total()
        assert [rk.to_row(c) for c in rating.charges] == [rk.to_row(c) for c in alone.charges]
        assert [rk.to_row(i) for i in invoices] == [rk.to_row(i) for i in rk.bill(alone)]
