"""A maps gateway's per-minute counts streamed into `rk.Rater` (docs/streaming.md).

Redeliveries, batches out of order, a record late for a kept closed cycle and one too
late, a restore from a JSON snapshot before every statement, refunds, a key moved to a
customer who joins mid-month, plan changes at a Los Angeles midnight (and one mid-day,
refused). At every closing the stream's invoice is batch `rk.rate()` + `rk.bill()` of
the records taken so far, to the last digit (checked inside `streamed`).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from tests._maps_api import REQUESTS, plan, premium_key, rated, req, streamed

import ratekit as rk

OCT_1 = "2026-10-01T07:00:00Z"  # 1 October 00:00 PDT


def test_two_months_of_a_messy_stream_close_as_batch_rates_them() -> None:
    enterprise = plan("enterprise", minimum=100)
    maps = plan("maps")
    assigned = [
        rk.Assignment("c1", enterprise),
        rk.Assignment("c2", maps, start="2026-11-16T08:00:00Z"),  # 16 Nov 00:00 PST
    ]
    a = req("c1", "k1", "2026-11-01T07:00:00Z", 500, "a")  # 1 Nov 00:00 PDT
    steps = [
        ([req("c1", "k2", "2026-10-31T23:00:00Z", 700, "o")], "2026-10-31T23:30:00Z"),
        ([a], "2026-11-01T14:00:00Z"),  # October closes (6 h horizon)
        (
            [
                req("c1", "k1", "2026-11-02T08:00:00Z", 1200, "c"),  # 2 Nov 00:00 PST
                a,  # redelivered
                req("c1", "k2", "2026-11-02T07:59:59Z", 500, "b"),  # 1 Nov 23:59:59 PST
                req("c1", "k2", "2026-10-31T20:00:00Z", 50, "late"),  # October, kept
                req("c1", "k2", "2026-09-30T20:00:00Z", 5, "gone"),  # before the kept cycles
            ],
            "2026-11-02T09:00:00Z",
        ),
        ([req("c1", "k1", "2026-11-02T10:00:00Z", -300, "r")], "2026-11-10T00:00:00Z"),
        ([req("c2", "k2", "2026-11-16T20:00:00Z", 1500, "m")], "2026-11-20T00:00:00Z"),
        ([req("c1", "k1", "2026-11-30T07:59:00Z", 20000, "big")], "2026-12-01T09:00:00Z"),
        ([], "2026-12-01T14:00:00Z"),  # November closes
    ]
    closing, taken, too_late = streamed(assigned, steps, start=OCT_1)
    assert too_late == {"gone"}
    assert "late" in {record.id for record in taken}
    totals = {
        (account, start.month): invoice.total for (account, start), invoice in closing.items()
    }
    # October, c1: 700 free of the 31st's day; fee 31.00; top-up 100.00: 131.00 (the late
    # 50 came after the closing: a correction of 0.00 for the next invoice).
    # November, c1: 1 Nov (25 hours) 500 + 500, the day's 1,000; 2 Nov 1,200 (1,000 and
    # 200 of the month), then -300, last in first out: the month's 200 and 100 of the
    # day's; 29 Nov 20,000: 1,000 of the day, the month's 10,000, 9,000 billed x 0.005 =
    # 45.00; fee 31.00; top-up 100.00 - 45.00 = 55.00: 131.00.
    # November, c2 (from 16 Nov by days, 15/30): fee 15.50; 1,500 on the 16th: 1,000 of
    # the day and 500 of the month's 5,000: 0.00.
    assert totals == {
        ("c1", 10): Decimal("131.00"),
        ("c1", 11): Decimal("131.00"),
        ("c2", 11): Decimal("15.50"),
    }
    november = closing[("c1", dt.datetime(2026, 11, 1, 7, tzinfo=dt.UTC))]
    assert [(line.kind, line.quantity, line.amount) for line in november.lines] == [
        ("usage", Decimal(21900), Decimal("45.00")),
        ("fee", Decimal(1), Decimal("31.00")),
        ("minimum", Decimal(1), Decimal("55.00")),
    ]


def test_the_dst_days_stream_as_batch_rates_them() -> None:
    # March: 1,000 at 7 Mar 23:59:59 PST (the 7th's, free); 1,000 at 8 Mar 00:00 PST and
    # 500 at 23:59:59 PDT (the 23-hour 8th: 500 billed, 2.50); 1,000 at 9 Mar 00:00 PDT.
    # No monthly quota, fee 31: 33.50. The rater is restored mid-day on the 8th.
    steps = [
        ([req("c1", "k1", "2026-03-08T07:59:59Z", 1000, "a")], "2026-03-08T08:00:00Z"),
        ([req("c1", "k1", "2026-03-08T08:00:00Z", 1000, "b")], "2026-03-08T20:00:00Z"),
        (
            [
                req("c1", "k1", "2026-03-09T07:00:00Z", 1000, "d"),
                req("c1", "k1", "2026-03-09T06:59:59Z", 500, "c"),
            ],
            "2026-03-09T07:00:01Z",
        ),
        ([], "2026-04-01T13:00:00Z"),
    ]
    closing, _, _ = streamed(
        [rk.Assignment("c1", plan(monthly=0))], steps, start="2026-03-01T08:00:00Z"
    )
    assert [invoice.total for invoice in closing.values()] == [Decimal("33.50")]


def test_a_plan_change_at_a_local_midnight_streams_as_batch_rates_it() -> None:
    # Plan a to 11 Nov 00:00 PST, plan b (premium routing at 0.02) after, each by days:
    # fees 31 x 10/30 and 31 x 20/30, together 31.00. Premium key:
    # 1,500 on the 10th under a (500 x 0.01 = 5.00), 1,500 on the 11th under b (500 x
    # 0.02 = 10.00); monthly quotas of 0. 46.00.
    a, b = plan("a", monthly=0), plan("b", monthly=0, premium="0.02")
    rater = rk.Rater([rk.Assignment("c1", a)], [REQUESTS], start="2026-11-01T07:00:00Z")
    rater.feed([premium_key("c1", "kp", "2026-11-01T07:00:00Z", "u")])
    rater.statement("2026-11-10T12:00:00Z")
    assigned = rater.assign(rk.Assignment("c1", b, start="2026-11-11T08:00:00Z"))
    steps = [
        (
            [
                premium_key("c1", "kp", "2026-11-01T07:00:00Z", "u"),
                req("c1", "kp", "2026-11-10T20:00:00Z", 1500, "x"),
                req("c1", "kp", "2026-11-11T20:00:00Z", 1500, "y"),
            ],
            "2026-11-12T00:00:00Z",
        ),
        ([], "2026-12-01T14:00:00Z"),
    ]
    closing, _, _ = streamed(assigned, steps, start="2026-11-01T07:00:00Z")
    [invoice] = closing.values()
    assert invoice.total == Decimal("46.00")
    # One line per entry across the two plans: 5.00 + 10.00; the fee's exact shares
    # 31 x 10/30 + 31 x 20/30 add up to 31.00 before the line is rounded.
    assert [(line.kind, line.entry, line.amount) for line in invoice.lines] == [
        ("usage", "premium", Decimal("15.00")),
        ("fee", "platform", Decimal("31.00")),
    ]


def test_a_plan_change_mid_day_is_refused_naming_the_days_period() -> None:
    # The daily quota is prorated by the plan's share of its day: a change at 12:00 PST,
    # after a statement inside that day, would change what was stated.
    a, b = plan("a", monthly=0, fee=0), plan("b", monthly=0, fee=0)
    rater = rk.Rater([rk.Assignment("c1", a)], [REQUESTS], start="2026-11-01T07:00:00Z")
    rater.feed([req("c1", "k1", "2026-11-10T09:00:00Z", 600, "a")])
    rater.statement("2026-11-10T19:00:00Z")
    with pytest.raises(rk.BadTimeError, match=r"2026-11-10T08:00:00Z\.\.2026-11-11T08:00:00Z"):
        rater.assign(rk.Assignment("c1", b, start="2026-11-10T20:00:00Z"))
    assert rater.assign(rk.Assignment("c1", b, start="2026-11-11T08:00:00Z"))[
        -1
    ].start == dt.datetime(2026, 11, 11, 8, tzinfo=dt.UTC)


def test_a_month_that_overflows_is_refused_at_the_feed_whole() -> None:
    rater = rk.Rater([rk.Assignment("c1", plan())], [REQUESTS], start="2026-11-01T07:00:00Z")
    huge = [
        req("c1", "k1", "2026-11-10T20:00:00Z", "9e29", "a"),
        req("c1", "k2", "2026-11-11T20:00:00Z", "9e29", "b"),
    ]
    with pytest.raises(rk.BadQuantityError, match="The batch is refused whole"):
        rater.feed(huge)
    assert rater.feed(huge[:1]).accepted == ("a",)


def test_the_stream_of_two_racing_keys_closes_as_batch_rates_it() -> None:
    # Two keys at one instant, 800 each, one premium: whatever batch makes of the tie,
    # the stream's closing invoice is the same (checked in `streamed`).
    steps = [
        (
            [
                premium_key("c1", "kp", "2026-11-01T07:00:00Z", "u"),
                req("c1", "kp", "2026-11-10T08:00:00Z", 800, "p"),
                req("c1", "k1", "2026-11-10T08:00:00Z", 800, "q"),
            ],
            "2026-11-10T09:00:00Z",
        ),
        ([], "2026-12-01T14:00:00Z"),
    ]
    assigned = [rk.Assignment("c1", plan(monthly=0, fee=0))]
    closing, taken, _ = streamed(assigned, steps, start="2026-11-01T07:00:00Z")
    _, [batch] = rated(taken, assigned, "2026-11-15T00:00:00Z", "2026-12-01T14:00:00Z")
    assert [invoice.total for invoice in closing.values()] == [batch.total]


def test_refunds_beyond_the_horizon_are_said_with_the_part_not_applied() -> None:
    # October closed at 1 Nov 13:00Z and was compacted when November closed. A count of
    # 20 October is too late whole (700 not applied). A refund of -700 over 31 Oct 18:00Z
    # .. 2 Dec 18:00Z (32 days, 2,764,800 s, apportioned linearly) is too late for its
    # part before 1 Nov 07:00Z, 13 h = 46,800 s: -700 x 46,800 / 2,764,800 =
    # -11.8489583... (said to 24 decimal places); the rest is late for November.
    rater = rk.Rater(
        [rk.Assignment("c1", plan(fee=0, monthly=0))],
        [REQUESTS],
        start=OCT_1,
        horizon=dt.timedelta(hours=6),
    )
    rater.statement("2026-12-01T15:00:00Z")
    feed = rater.feed(
        [
            req("c1", "k1", "2026-10-20T18:00:00Z", 700, "old"),
            req("c1", "k1", "2026-12-02T18:00:00Z", -700, "ref", since="2026-10-31T18:00:00Z"),
        ]
    )
    assert (feed.too_late, feed.late) == (("old", "ref"), ("ref",))
    assert [(a.kind, a.quantity) for a in feed.anomalies] == [
        ("too_late", Decimal(700)),
        ("too_late", Decimal("-11.848958333333333333333333")),
    ]
    rater.statement("2026-12-03T00:00:00Z")
    assert rater.statement("2026-12-03T00:00:00Z").lines == ()
    with pytest.raises(rk.BadTimeError, match="watermarks only move forward"):
        rater.statement("2026-12-02T00:00:00Z")


def test_a_key_upgraded_to_premium_at_noon_splits_the_days_quota_at_noon() -> None:
    # 700 plain at 10:00 PST (free), premium from 12:00 PST, 700 at 13:00 PST: the day's
    # last 300 free, 400 x 0.01 = 4.00.
    records = [
        req("c1", "k1", "2026-11-10T18:00:00Z", 700, "a"),
        premium_key("c1", "k1", "2026-11-10T20:00:00Z", "u"),
        req("c1", "k1", "2026-11-10T21:00:00Z", 700, "b"),
    ]
    assigned = [rk.Assignment("c1", plan(fee=0, monthly=0))]
    rating, [invoice] = rated(records, assigned, "2026-11-15T00:00:00Z", "2026-12-01T08:00:00Z")
    assert [(c.entry, c.free, c.amount) for c in rating.charges] == [
        ("api", Decimal(700), Decimal("0.000")),
        ("premium", Decimal(300), Decimal(4)),
    ]
    assert invoice.total == Decimal("4.00")


def test_late_correction_lines_export_to_json_and_back() -> None:
    # Enterprise from 16 Nov 10:00 PST (15 of 30 days): 12,345 on the 17th, 1,000 of the
    # day and the month's 5,000 free, 6,345 x 0.005 = 31.725; commitment 50: top-up
    # 18.275. After the closing, 1,100 more on 30 Nov (late): 1,000 of that day's quota,
    # 100 billed: 6,445 x 0.005 = 32.225, and the top-up 17.775: two reversal +
    # correction pairs, each back from JSON as it was.
    assigned = [rk.Assignment("c1", plan("enterprise", minimum=100), start="2026-11-16T18:00:00Z")]
    rater = rk.Rater(assigned, [REQUESTS], start=OCT_1, horizon=dt.timedelta(hours=6))
    rater.feed([req("c1", "k1", "2026-11-17T19:00:00Z", 12345, "b")])
    [invoice] = rater.statement("2026-12-01T14:00:00Z").invoices
    assert [line.amount for line in invoice.lines] == [
        Decimal("31.72"),
        Decimal("15.50"),
        Decimal("18.28"),
    ]
    assert rater.feed([req("c1", "k1", "2026-11-30T19:00:00Z", 1100, "late")]).late == ("late",)
    lines = rater.statement("2026-12-02T00:00:00Z").lines
    assert [(line.role, line.late, line.kind, line.amount) for line in lines] == [
        ("reversal", True, "minimum", Decimal("-18.275")),
        ("correction", True, "minimum", Decimal("17.775")),
        ("reversal", True, "usage", Decimal("-31.725")),
        ("correction", True, "usage", Decimal("32.225")),
    ]
    for line in lines:
        assert rk.from_row(type(line), json.loads(json.dumps(rk.to_row(line)))) == line


def test_a_customer_joins_mid_day_in_the_stream_but_leaves_only_at_a_midnight() -> None:
    # c2 joins 10 Nov 10:00 PST: by days, 10..30 Nov, 21 of 30: fee 31 x 0.7 = 21.70,
    # the month's 1,000 x 0.7 = 700 free; its 1,500 at 11:00 PST take the day's 1,000
    # (the joining day is whole) and 500 of the month's: 0.00. Its leaving at 13:00 PST
    # the same day would change the share of a day already stated: refused.
    maps = plan("maps", monthly=1000)
    rater = rk.Rater(
        [rk.Assignment("c1", maps)],
        [REQUESTS],
        start="2026-11-01T07:00:00Z",
        tz="America/Los_Angeles",
    )
    rater.statement("2026-11-10T17:00:00Z")
    assigned = rater.assign(rk.Assignment("c2", maps, start="2026-11-10T18:00:00Z"))
    rater.feed([req("c2", "k1", "2026-11-10T19:00:00Z", 1500, "a")])
    rater.statement("2026-11-10T20:00:00Z")
    with pytest.raises(
        rk.BadTimeError, match=r"period 2026-11-10T08:00:00Z\.\.2026-11-11T08:00:00Z"
    ):
        rater.assign(
            rk.Assignment("c2", maps, start="2026-11-10T18:00:00Z", end="2026-11-10T21:00:00Z")
        )
    closing = rater.statement("2026-12-01T08:00:00Z").invoices
    _, batch = rated(
        [req("c2", "k1", "2026-11-10T19:00:00Z", 1500, "a")],
        assigned,
        "2026-11-15T00:00:00Z",
        "2026-12-01T08:00:00Z",
    )
    assert [str(i) for i in closing] == [str(i) for i in batch]
    assert [(i.account, i.total) for i in closing] == [
        ("c1", Decimal("31.00")),
        ("c2", Decimal("21.70")),
    ]
