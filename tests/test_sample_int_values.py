"""A sample given an int keeps it, and reads as the exact Decimal it equals.

`rk.Sample(..., 500)` and a `RecordBatch` column of ints keep the caller's ints (no
Decimal made per record: 104 bytes each); `Sample.value` gives the Decimal the int
equals, exponent 0, as `Decimal(500)` does. Nothing a caller sees may differ from a
sample given the same number as a Decimal or a string: value, equality, hash, repr,
rows, pickles, snapshots, metering's sums and a rating's charges.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

AT = 1772323200000000  # 1 March 2026 00:00 UTC, in microseconds
HOUR = 3_600_000_000
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
EGRESS = rk.Meter("egress", "B", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("egress", "egress", rk.PerUnit("0.001"))],
)


def _at(hours: int) -> str:
    return (dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=hours)).isoformat()


# (and around where an int's hash wraps, 2**61 - 1, and -1, whose hash is -2: a sample's
# hash reads the int as kept, and must be the one of the Decimal it equals)
@pytest.mark.parametrize(
    "given_as", [500, -500, 0, 10**29, -(10**29) + 1, -1, -2, 2**61 - 2, 2**61 - 1, -(2**61)]
)
def test_an_int_reads_as_the_decimal_it_equals(given_as: int) -> None:
    friendly = rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", given_as)
    (lean,) = rk.RecordBatch.from_tuples(samples=[("a", "r", "egress", AT, given_as)])
    as_text = rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", str(given_as))
    for sample in (friendly, lean):
        assert type(sample.value) is Decimal
        assert sample.value == given_as
        assert sample.value.as_tuple().exponent == 0  # as Decimal(500): no '500.0'
        assert str(sample.value) == str(given_as)
        assert sample == as_text
        assert hash(sample) == hash(as_text)
        assert repr(sample) == repr(as_text)
        assert rk.to_row(sample) == rk.to_row(as_text)
        assert rk.from_row(rk.Sample, rk.to_row(sample)) == sample
        assert pickle.loads(pickle.dumps(sample)) == sample


def test_a_sample_equals_one_of_the_same_number_written_otherwise() -> None:
    # equal numbers, equal samples (as before): 5 == Decimal('5.0'), their hashes too
    five = rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", 5)
    for other in (Decimal(5), Decimal("5.0"), "5", "5.00"):
        same = rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", other)
        assert five == same
        assert hash(five) == hash(same)
    assert five != rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", 6)


def test_a_bool_or_an_int_subclass_goes_through_the_door_as_before() -> None:
    with pytest.raises(rk.RatekitError, match="value"):
        rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", True)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"^samples\[1\]: value is bool False"):
        rk.RecordBatch.from_tuples(
            samples=[("a", "r", "egress", AT, 1), ("a", "r", "egress", AT, False)]
        )


def test_an_int_beyond_the_range_is_refused_as_before() -> None:
    # ratekit's numbers lie below 1E+30 in magnitude: an int column is checked by its
    # minimum and maximum, the sample door by its range, each naming the value.
    with pytest.raises(rk.BadQuantityError, match="value"):
        rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", 10**30)
    with pytest.raises(rk.BadQuantityError, match=r"samples\[1\]"):
        rk.RecordBatch.from_tuples(
            samples=[("a", "r", "egress", AT, 1), ("a", "r", "egress", AT + 1, -(10**30))]
        )


def test_a_snapshot_of_int_samples_is_the_snapshot_of_their_decimals() -> None:
    # The packed value column writes an int as the Decimal it equals (coefficient, sign,
    # exponent 0): byte for byte what a rater fed Decimals writes, negative ones too.
    values = [1500, -20, 0, 7, 10**29 - 1, -(10**20)]
    raters = []
    for number in (int, Decimal):
        rater = rk.Rater(PLAN, [EGRESS], start=MARCH.start, horizon=dt.timedelta(days=2))
        rater.feed(
            [
                rk.Sample("a", "ip", "egress", _at(hours), number(value), id=f"s{hours}")
                for hours, value in enumerate(values)
            ]
        )
        raters.append(rater)
    as_ints, as_decimals = (json.dumps(rater.snapshot(), sort_keys=True) for rater in raters)
    assert as_ints == as_decimals
    restored = rk.Rater.restore(json.loads(as_ints), PLAN, [EGRESS])
    # 1500 - 20 + 0 + 7 + (1E29 - 1) - 1E20 bytes at 0.001 EUR (exactly: a shift of
    # three places, no context's rounding), all on 1 March
    expected = Decimal(f"{1487 + 10**29 - 1 - 10**20}e-3")
    assert restored.statement(_at(30)).total() == expected


@st.composite
def _mixed(draw: st.DrawFn) -> list[tuple[int, int | Decimal]]:
    """(hour, value) deltas, each value an int or a Decimal (some with decimal places)."""
    cases = st.one_of(
        st.integers(-(10**12), 10**12),
        st.decimals(-(10**6), 10**6, places=3, allow_nan=False, allow_infinity=False),
    )
    return draw(st.lists(st.tuples(st.integers(0, 71), cases), max_size=30))


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(_mixed())
def test_law_ints_kept_meter_and_rate_as_their_decimals(deltas: list[tuple[int, object]]) -> None:
    # ratekit fed the same numbers as ints (kept) and as Decimals gives one rating; the
    # oracle, each day's deltas summed as Fractions, is its quantity and amount on every
    # day with no correction (a correction's rule is the pricing page's, not this law's).
    samples = {
        number: [
            rk.Sample(
                "a",
                "ip",
                "egress",
                _at(hours),
                number(value) if isinstance(value, int) else value,
                id=f"s{index}",  # (samples alike without ids are replays of one)
            )
            for index, (hours, value) in enumerate(deltas)
        ]
        for number in (int, Decimal)
    }
    ratings = {
        number: rk.rate(records, PLAN, span=MARCH, meters=[EGRESS])
        for number, records in samples.items()
    }
    assert ratings[int] == ratings[Decimal]
    days: dict[int, Fraction] = {}
    for hours, value in deltas:
        days[hours // 24] = days.get(hours // 24, Fraction(0)) + Fraction(value)  # type: ignore[arg-type]
    corrected = {hours // 24 for hours, value in deltas if value < 0}  # type: ignore[operator]
    billed: dict[int, tuple[Fraction, Fraction]] = {}
    for charge in ratings[int].charges:
        day = (charge.cycle.start_us - AT) // (24 * HOUR)
        quantity, amount = billed.get(day, (Fraction(0), Fraction(0)))
        billed[day] = (quantity + Fraction(charge.quantity), amount + Fraction(charge.amount))
    for day, total in days.items():
        if day not in corrected:
            assert billed.get(day, (Fraction(0), Fraction(0))) == (total, total / 1000)
