"""The feed refuses a sample whose amount would lie below 1E-30, as it refuses one of 1E+30.

A charge ratekit carries is zero or of a magnitude from 1E-30 (docs/streaming.md). A
batch whose samples, priced in proportion at the least price per unit, may make an
amount below that is metered and rated before it is taken: refused whole, naming a tiny
sample, if rating refuses it; taken if every amount it makes is zero or carried. Either
way no statement fails later.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

START = "2026-03-01T00:00:00Z"
MARCH = rk.Span(START, "2026-04-01T00:00:00Z")
METERS = [rk.Meter("egress", "GB", rk.Discrete()), rk.Meter("gbs", "GB*s", rk.Discrete())]


def _plan(rate: str) -> rk.Plan:
    # egress per unit at ``rate``; GB-s 10 free, then 0.0000166667 each.
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("e", "egress", rk.PerUnit(rate)),
            rk.PriceEntry(
                "g", "gbs", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.0000166667")])
            ),
        ],
    )


def _sample(meter: str, value: str, rid: str, hour: int = 1, resource: str = "fn") -> rk.Sample:
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC) + dt.timedelta(hours=hour)
    return rk.Sample("a", resource, meter, at, value, kind="delta", id=rid)


def test_a_tiny_sample_is_refused_naming_it_and_nothing_is_taken() -> None:
    # 5 GB of fn (0.40 EUR at 0.08) and 1E-30 GB of fn2 (8E-32 EUR, below 1E-30; fn's
    # 5 GB and 1E-30 would be one row, 0.40000000000000000000000000000008, carried):
    # refused whole, naming records[1], the tiny one; the rater then states nothing.
    rater = rk.Rater(_plan("0.08"), METERS, start=START)
    with pytest.raises(rk.BadQuantityError) as refused:
        rater.feed(
            [_sample("egress", "5", "big"), _sample("egress", "1E-30", "tiny", resource="fn2")]
        )
    assert str(refused.value).startswith(
        "Rater.feed: records[1]: the samples of account 'a' (the batch's first: sample "
        "'tiny' of meter 'egress' stamped 2026-03-02T01:00:00Z) would make every statement "
        "fail to price them: price entry 'e' of plan 'p' prices 1E-30 GB of meter 'egress'"
    )
    assert rater.statement("2026-03-03T00:00:00Z").lines == ()


def test_a_large_sample_whose_last_digit_is_tiny_is_refused() -> None:
    # 10.00000000000000000000000001 GB-s: 10 free, then 1E-26 at 0.0000166667 =
    # 1.66667E-31, below 1E-30, though the value itself is of the order of 10.
    rater = rk.Rater(_plan("0.08"), METERS, start=START)
    with pytest.raises(rk.BadQuantityError, match=r"records\[0\]: .*'fine'.* at 1\.66667E-31"):
        rater.feed([_sample("gbs", "10.00000000000000000000000001", "fine")])
    assert rater.statement("2026-03-03T00:00:00Z").lines == ()


def test_a_small_sample_priced_high_enough_is_taken_without_rating() -> None:
    # 1E-29 GB at 0.08 = 8E-31: below 1E-30, refused; at 3 EUR, 3E-29: carried, taken.
    rater = rk.Rater(_plan("3"), METERS, start=START)
    assert rater.feed([_sample("egress", "1E-29", "s")]).accepted == ("s",)
    (line,) = rater.statement("2026-03-03T00:00:00Z").lines
    assert line.amount == Decimal("3E-29")


_VALUES = st.sampled_from(
    [
        "1E-30",
        "1E-26",
        "-1E-30",
        "-1E-26",
        "5",
        "0.5",
        "10",
        "1E-10",
        "10.00000000000000000000000001",
    ]
)
_BATCHES = st.lists(
    st.lists(
        st.tuples(st.sampled_from(["egress", "gbs"]), _VALUES, st.sampled_from(["fn", "fn2"])),
        min_size=1,
        max_size=4,
    ),
    min_size=1,
    max_size=3,
)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(st.sampled_from(["0.08", "1E-5", "3"]), _BATCHES)
def test_what_the_feed_takes_every_statement_prices(
    rate: str, batches: list[list[tuple[str, str, str]]]
) -> None:
    # The oracle: batch rate() of the records taken. A batch is refused whole or taken;
    # the closing statement never fails and bills what batch bills for what was taken.
    plan = _plan(rate)
    rater = rk.Rater(plan, METERS, start=START)
    taken: list[rk.Sample] = []
    for number, batch in enumerate(batches):
        records = [
            _sample(meter, value, f"r{number}-{n}", hour=number, resource=resource)
            for n, (meter, value, resource) in enumerate(batch)
        ]
        refusal = ""
        try:
            fed = rater.feed(records)
        except rk.BadQuantityError as error:
            refusal = str(error)
        if refusal:
            assert "outside the amounts ratekit carries exactly" in refusal
            continue
        assert fed.counts["accepted"] == len(records)
        taken += records
    statement = rater.statement("2026-04-02T00:00:00Z")
    if not taken:
        assert statement.lines == ()
        return
    batch = rk.rate(taken, plan, span=MARCH, meters=METERS)
    # (summed as Fractions: exactly, whatever the context)
    assert sum(Fraction(line.amount) for line in statement.lines) == Fraction(batch.total())
