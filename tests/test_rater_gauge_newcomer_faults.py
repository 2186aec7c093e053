"""What a newcomer's gauge and counter streams found, with their concrete input.

A fault not fixed yet is a strict expected failure: it passes once the fault is fixed,
and the suite then says so. Fixed: a record without an id named without its resource's
account (the first two tests); an allowance's residue below the range priced at an
amount no charge carries (the third).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
METERS = [
    rk.Meter("peak", "user", rk.Max()),
    rk.Meter("eg", "B", rk.Counter()),
    rk.Meter("calls", "call", rk.Discrete()),
]
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry(m.name, m.name, rk.PerUnit(1)) for m in METERS])


@pytest.mark.parametrize(
    "sample",
    [
        rk.Sample("beta", "app-2", "peak", "2026-03-01T12:00:00Z", 7, kind="gauge"),
        rk.Sample("beta", "app-2", "calls", "2026-03-01T12:00:00Z", 3),
        rk.Sample("beta", "app-2", "eg", "2026-03-01T12:00:00Z", 150, kind="counter"),
        rk.Sample("beta", "app-2", "eg", "2026-03-02T18:00:00Z", 400, kind="counter"),
    ],
    ids=["gauge-placed", "delta", "counter-placed", "counter-reaching-back"],
)
def test_a_too_late_sample_without_an_id_is_named_by_its_resource_and_account(
    sample: rk.Sample,
) -> None:
    # A counter read 100 at 1 March 06:00 ('c0'); no horizon: the statement at 3 March
    # closes 1 and 2 March and compacts 1 March. Then one sample without an id: of 1
    # March 12:00, too late (a peak placed in the compacted state; 3 calls not applied;
    # a counter reading of 150 placed after the 100, its 50 B on 1 March not applied), or
    # a reading of 400 at 2 March 18:00, late, counting from the 100 (300 B over 36 hours,
    # the 18 hours on 1 March, 150 B, too late). Each anomaly carries the resource and the
    # account as fields, and its message names both (it once named neither).
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(
        [rk.Sample("beta", "app-2", "eg", "2026-03-01T06:00:00Z", 100, kind="counter", id="c0")]
    )
    rater.statement("2026-03-03T00:00:00Z")
    feed = rater.feed([sample])
    assert feed.counts["too_late"] == 1
    [anomaly] = [a for a in feed.anomalies if a.kind == "too_late"]
    assert (anomaly.account, anomaly.resource, anomaly.record_ids) == ("beta", "app-2", ())
    assert "'app-2'" in anomaly.message
    assert "'beta'" in anomaly.message


def test_a_sample_without_an_id_after_a_delete_is_named_by_its_account() -> None:
    # Accounts a and b each run an 'r1'; b's is deleted at 06:00, and a peak of 7 is read
    # on it at 12:00, without an id: an after_delete anomaly (counted, with no
    # description: 7 users at 1 EUR). Its message names 'r1', which both accounts have.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([
        rk.Event("a", "r1", "2026-03-01T00:00:00Z", kind="start", id="a-on"),
        rk.Event("b", "r1", "2026-03-01T00:00:00Z", kind="start", id="b-on"),
        rk.Event("b", "r1", "2026-03-01T06:00:00Z", kind="delete", id="b-off"),
        rk.Sample("b", "r1", "peak", "2026-03-01T12:00:00Z", 7, kind="gauge"),
    ])  # fmt: skip
    statement = rater.statement("2026-03-02T00:00:00Z")
    assert statement.total() == 7
    [anomaly] = statement.anomalies
    assert (anomaly.kind, anomaly.account, anomaly.resource) == ("after_delete", "b", "r1")
    assert "'b'" in anomaly.message


MEAN = rk.Meter("mean", "user", rk.TimeWeightedMean())
#: 0.29 EUR a user, 0.31 from 2 March 13:15; 20 users free a week (from Monday 2 March).
WEEKLY_FREE = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [
        rk.PriceEntry("mean", "mean", rk.PerUnit("0.29")),
        rk.PriceEntry(
            "mean2", "mean", rk.PerUnit("0.31"), start="2026-03-02T13:15:00Z", priority=1
        ),
    ],
    allowances=[rk.Allowance("mean", 20, cycle=rk.cycles.weekly(tz="UTC", weekday="monday"))],
)
USERS = [
    rk.Sample("a", "r1", "mean", "2026-03-02T00:00:00Z", 16, kind="gauge", id="k1"),
    rk.Sample("a", "r1", "mean", "2026-03-02T18:30:00Z", -1, kind="gauge", id="k2"),
    rk.Sample("a", "r1", "mean", "2026-03-03T11:30:00Z", 0, kind="gauge", id="k3"),
    rk.Sample("a", "r2", "mean", "2026-03-03T00:00:00Z", 6, kind="gauge", id="k28"),
    rk.Event("a", "r2", "2026-03-04T09:30:00Z", {"tier": "gold"}, kind="start", id="k18"),
]


@pytest.mark.parametrize("how", ["batch", "stream"])
def test_an_allowance_that_frees_a_mean_exactly_leaves_nothing_to_price(how: str) -> None:
    # Means of a day (1 EUR = 0.29 until 2 March 13:15, 0.31 after; 20 users free from
    # Monday 2 March): r1 is (16 x 18.5 - 1 x 5.5) / 24 = 290.5/24 = 12.1041666... on 2
    # March and -1 x 11.5 / 24 = -0.4791666... on 3 March (0 after); r2 is 6 on 3 March
    # and on 4 March, cut at 09:30 by a START: 6 x 9.5/24 = 2.375 and 6 x 14.5/24 =
    # 3.625. The week's 20 free users: 12.1041666... - 0.4791666... + 6 = 17.625, then
    # 2.375 of 4 March: the first piece exactly. Left to pay: r2's 3.625 x 0.31 = 1.12375.
    # The 60-digit means leave 2.375 less 2.37499...997 (3E-59 users) of that piece to
    # pay: a residue below the range, handed to the price as its nearest number, 0 (it
    # was priced at 1.023E-59 EUR, which no charge carries: batch and every statement
    # raised BadPriceError, the stream stuck).
    span = rk.Span("2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z")
    if how == "batch":
        rating = rk.rate(USERS, WEEKLY_FREE, span=span, meters=[MEAN], as_of=span.end)
        assert rating.total() == Decimal("1.12375")
        return
    rater = rk.Rater(WEEKLY_FREE, [MEAN], start=span.start)
    rater.feed(USERS)
    assert rater.statement(span.end).total() == Decimal("1.12375")
