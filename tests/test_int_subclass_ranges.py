"""An int subclass is judged by its exact int value wherever an int is range-checked.

An ``int`` subclass is an int at ratekit's doors (a numpy-free feed may hand over an
``IntEnum``, a library's own int type), and the door keeps its exact int value. A
subclass may also define its own comparisons: a range check that asks the given object
``value < low`` takes its answer, not the number's. ``Lying`` below answers every range
check "inside", so each door must make the exact int first and check that.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
import ratekit.strategies as rs
from ratekit.scaleout import bill_by_account, partition_of, rate_by_account

AT = "2026-03-01T00:00:00Z"
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
DAY_US = 86_400_000_000
MAX_US = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z


class Lying(int):
    """An int whose comparisons say it lies inside any range."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return False

    def __le__(self, other: object) -> bool:
        return True

    def __ge__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


DOORS: dict[str, Callable[[int], object]] = {
    "Event seq": lambda n: rk.Event("a", "r", AT, seq=n).seq,
    "Sample seq": lambda n: rk.Sample("a", "r", "m", AT, 1, seq=n).seq,
    "RecordBatch seq": lambda n: (
        rk.RecordBatch.from_tuples([("a", "r", 0, "start", None, None, n)])[0].seq
    ),
    "PriceEntry priority": lambda n: rk.PriceEntry("p", "m", rk.PerUnit(1), priority=n).priority,
    "Credit priority": lambda n: rk.Credit("c", "a", 1, "EUR", start=AT, priority=n).priority,
    "monthly day": lambda n: rk.cycles.monthly(tz="UTC", day=n),
    "yearly month": lambda n: rk.cycles.yearly(tz="UTC", month=n),
    "weekly weekday": lambda n: rk.cycles.weekly(tz="UTC", weekday=n),
    "partition_of": lambda n: partition_of("acme", n),
    # ratekit.strategies hands the counts to hypothesis: the strategy is made or refused
    "strategies timelines max_size": lambda n: (
        type(rs.timelines(st.integers(), max_size=n)).__name__
    ),
    "strategies tiers max_size": lambda n: type(rs.tiers(max_size=n)).__name__,
    "strategies usage_rows places": lambda n: type(rs.usage_rows(places=n)).__name__,
    # the epoch-microsecond doors: an accepted instant is kept as its exact int
    "Span.from_us end_us": lambda n: _exact(rk.Span.from_us(0, n).end_us),
    "SpanSet.from_us": lambda n: [
        _exact(b) for p in rk.SpanSet.from_us([(0, n)]).pairs_us() for b in p
    ],
    "Timeline.set_us": lambda n: _set(n),  # noqa: PLW0108 - _set is defined below
    "hourly containing_us": lambda n: [_exact(b) for b in rk.cycles.hourly().containing_us(n)],
    "monthly boundaries_us": lambda n: [
        _exact(b) for b in rk.cycles.monthly(tz="UTC").boundaries_us(n, n + 40 * DAY_US)
    ],
    "daily window within_us": lambda n: [
        _exact(b)
        for pair in rk.windows.daily("01:00", "02:00", tz="UTC").within_us(n, n + DAY_US)
        for b in pair
    ],
    "meter cuts": lambda n: [_exact(b) for b in _cut(n)],
    "Percentage free_transactions": lambda n: _exact(
        rk.Percentage(1, free_transactions=n).free_transactions
    ),
    "Graduated.from_ranges first": lambda n: [
        tier.up_to for tier in rk.Graduated.from_ranges([((n, n + 5), "1")]).tiers
    ],
}


def _exact(value: int) -> tuple[int, str]:
    return value, type(value).__name__


def _set(n: int) -> list[tuple[int, str]]:
    line = rk.Timeline[str]()
    line.set_us(n, MAX_US, "a")
    return [_exact(start) for start, _, _ in line.items_us()]


HOURS = rk.Meter("hours", "hour", rk.OnOff())


def _cut(n: int) -> tuple[int, ...]:
    usage = rk.meter([], [HOURS], span=MARCH, cycle=None, as_of=AT, cuts={"hours": [n]})
    return usage.cuts["hours"]


def _outcome(door: str, value: int) -> tuple[str, object]:
    try:
        made = DOORS[door](value)
    except rk.RatekitError as error:
        return type(error).__name__, str(error).replace("Lying", "int")
    return "made", made


def test_a_seq_of_2_80_is_out_of_range_whatever_its_comparisons_say() -> None:
    # 2**80 = 1,208,925,819,614,629,174,706,176 > 2**63 - 1 = 9,223,372,036,854,775,807.
    # Before, the check asked Lying(2**80) whether it lay below -2**63 or above 2**63-1;
    # it said no, and the event kept a seq that its rater's snapshot could not restore.
    message = (
        "1208925819614629174706176 is out of range; give an int from "
        "-9223372036854775808 to 9223372036854775807."
    )
    with pytest.raises(rk.BadRecordError, match="seq " + message):
        rk.Event("a", "r", AT, seq=Lying(2**80))
    with pytest.raises(rk.BadRecordError, match="seq " + message):
        rk.Sample("a", "r", "m", AT, 1, seq=Lying(2**80))
    with pytest.raises(rk.BadQuantityError, match="priority " + message):
        rk.PriceEntry("p", "m", rk.PerUnit(1), priority=Lying(2**80))
    with pytest.raises(rk.BadCalendarError, match="monthly day 0 is not a day of the month"):
        rk.cycles.monthly(tz="UTC", day=Lying(0))


class Mark(enum.IntEnum):
    OPEN = 0
    HOUR = 3_600_000_000


def test_the_epoch_microsecond_doors_take_an_int_subclass_by_its_value() -> None:
    # Before, Span.from_us(Mark.OPEN, Mark.HOUR) was refused ("must be an int of
    # microseconds since the epoch, not Mark: 0") where Event(seq=Mark.HOUR) was taken:
    # now 0 .. 3,600,000,000 µs is the first hour of 1970, kept as exact ints.
    span = rk.Span.from_us(Mark.OPEN, Mark.HOUR)
    assert span == rk.Span("1970-01-01T00:00:00Z", "1970-01-01T01:00:00Z")
    assert (type(span.start_us), type(span.end_us)) == (int, int)
    assert repr(span) == "Span('1970-01-01T00:00:00Z', '1970-01-01T01:00:00Z')"
    assert rk.cycles.hourly().containing_us(Mark.HOUR) == (3_600_000_000, 7_200_000_000)
    # bool is still no int of microseconds
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^Span.from_us start_us must be an int of microseconds since the epoch, not "
        r"bool: True\.$",
    ):
        rk.Span.from_us(True, 5)


def test_a_cut_of_2_80_is_refused_whatever_its_comparisons_say() -> None:
    # 2**80 µs lies past 9999-12-31 (253,402,300,799,999,999 µs). Before, meter() asked
    # Lying(2**80) whether it lay in range, kept it, and Usage.cuts held it.
    with pytest.raises(rk.BadTimeError) as raised:
        _cut(Lying(2**80))
    assert str(raised.value).startswith(
        "cuts['hours'] instant 1208925819614629174706176 µs lies outside the instants "
        "ratekit represents"
    )
    assert [type(t) for t in _cut(Lying(DAY_US))] == [int]


def test_a_negative_count_or_range_is_refused_whatever_its_comparisons_say() -> None:
    # Before, Percentage(free_transactions=Lying(-1)) passed "count < 0" (Lying says no)
    # and kept Lying(-1); Graduated.from_ranges([((Lying(-3), Lying(5)), "1")]) passed
    # "first >= 0" and made a tier up to 5 from a range starting at -3.
    with pytest.raises(
        rk.BadPriceError,
        match=r"^Percentage free_transactions must be a whole number 0 or more, not -1\.$",
    ):
        rk.Percentage(1, free_transactions=Lying(-1))
    with pytest.raises(rk.BadPriceError) as raised:
        rk.Graduated.from_ranges([((Lying(-3), Lying(5)), "1")])
    assert str(raised.value) == (
        "Graduated.from_ranges ranges[0] range (-3, 5) must be a string like '1-5' or '11+', "
        "or a tuple of integers (first, last or None)."
    )
    assert type(rk.Percentage(1, free_transactions=Lying(2)).free_transactions) is int


def test_a_part_count_of_0_is_refused_not_a_rating_with_no_records() -> None:
    dask = pytest.importorskip("dask")
    bags = pytest.importorskip("dask.bag")

    # Two accounts, each VM running from 1 March 00:00 to its stop on 2 March 00:00:
    # 24 h x 0.10 = 2.40 EUR each. Before, partitions=Lying(0) passed the check
    # (1 <= 0 <= 4096 answered "yes"), every record went to a part that was never made,
    # and the rating came back empty; partitions=Lying(-1) likewise.
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    )
    meters = [rk.Meter("vm.hours", "hour", rk.OnOff())]
    records = [
        rk.Event("acme", "vm-1", AT, {"size": 1}, kind="start"),
        rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="stop"),
        rk.Event("wayne", "vm-2", AT, {"size": 1}, kind="start"),
        rk.Event("wayne", "vm-2", "2026-03-02T00:00:00Z", kind="stop"),
    ]
    with pytest.raises(
        rk.RatekitTypeError, match=r"partition_of partitions must be an int from 1 to 4,096"
    ):
        partition_of("acme", Lying(0))
    # A count of 5,001 digits was written out whole into the message, which Python
    # refuses past 4,300 digits: a bare ValueError escaped. It is shown by its length.
    with pytest.raises(rk.RatekitTypeError, match=r"not <an integer of 5001 digits>\.$"):
        partition_of("acme", 10**5000)
    with dask.config.set(scheduler="synchronous"):
        for function in (rate_by_account, bill_by_account):
            for count in (0, -1, 5000):
                bag = bags.from_sequence(records, npartitions=2)
                with pytest.raises(
                    rk.RatekitTypeError,
                    match=f"{function.__name__} partitions must be an int from 1",
                ):
                    function(bag, plan, span=MARCH, meters=meters, partitions=Lying(count))
        rating, invoices = rate_by_account(
            bags.from_sequence(records, npartitions=2),
            plan,
            span=MARCH,
            meters=meters,
            partitions=Lying(2),
        )
    assert [str(invoice.total) for invoice in invoices] == ["2.40", "2.40"]
    assert [charge.account for charge in rating.charges] == ["acme", "wayne"]


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    door=st.sampled_from(sorted(DOORS)),
    value=st.one_of(
        st.integers(-40, 5000),
        st.integers(-(2**70), 2**70),
        st.integers(-(2**58), 2**58),  # the instants ratekit represents, and either side
        st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, MAX_US, MAX_US + 1]),
    ),
)
def test_law_an_int_door_treats_a_subclass_as_its_int_value(door: str, value: int) -> None:
    # Oracle: the same door given the plain int. Accepted or refused alike (the same
    # error and message), and an accepted value is the same exact int.
    assert _outcome(door, Lying(value)) == _outcome(door, value)
