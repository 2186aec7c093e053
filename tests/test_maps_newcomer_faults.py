"""Faults a maps platform's billing meets in ratekit, pinned on their smallest input.

Each is a strict xfail whose reason says what is expected and what happens today, or,
once fixed, a test of what holds.
"""

from __future__ import annotations

from decimal import Decimal

from tests._maps_api import DAYS, MONTHS, plan, premium_key, rated, req

import ratekit as rk

NOV = "2026-11-15T00:00:00Z"
NOV_END = "2026-12-01T08:00:00Z"


def _day_20(records: list[rk.Sample]) -> tuple[Decimal, Decimal]:
    assigned = [rk.Assignment("c1", plan(fee=0, daily=10, monthly=10))]
    rating, _ = rated(records, assigned, NOV, NOV_END)
    [last] = [c for c in rating.charges if c.span.start.day == 20]
    return last.free, last.amount


def test_rating_the_net_of_a_day_frees_what_its_refunded_rows_free() -> None:
    # What holds: 15 on the 10th (10 of the day, 5 of the month), 5 on the 11th (the
    # day's), 20 on the 20th: 10 of the day and the month's last 5, 5 billed x 0.005.
    net = [
        req("c1", "k1", "2026-11-10T20:00:00Z", 15, "a"),
        req("c1", "k1", "2026-11-11T20:00:00Z", 5, "b"),
        req("c1", "k1", "2026-11-20T20:00:00Z", 20, "z"),
    ]
    assert _day_20(net) == (Decimal(15), Decimal("0.025"))


def test_a_refund_gives_back_to_the_month_only_what_its_units_took_from_it() -> None:
    # 10 a day on 10 a month: 15 on the 10th (the day's 10, the month's 5), 8 on the 11th
    # (the 11th's 8), a refund of -3 an hour later: the latest units, the 11th's, go back
    # to the 11th (net 5, all the day's), the month keeps the 5 the 10th left it. The 20th's
    # 20: the day's 10, the month's 5, 5 billed x 0.005 = 0.025, as the net 5 rates.
    refunded = [
        req("c1", "k1", "2026-11-10T20:00:00Z", 15, "a"),
        req("c1", "k1", "2026-11-11T20:00:00Z", 8, "b"),
        req("c1", "k1", "2026-11-11T21:00:00Z", -3, "r"),
        req("c1", "k1", "2026-11-20T20:00:00Z", 20, "z"),
    ]
    assert _day_20(refunded) == (Decimal(15), Decimal("0.025"))


def _racing(premium: str, plain: str) -> Decimal:
    # Two keys of one customer, 800 requests each at the same instant (10 Nov 00:00
    # PST), one of them premium routing (0.01), the other plain (0.005); 1,000 free a
    # day, no monthly quota, fee 31.
    records = [
        premium_key("c1", premium, "2026-11-01T07:00:00Z", "u"),
        req("c1", premium, "2026-11-10T08:00:00Z", 800, "p"),
        req("c1", plain, "2026-11-10T08:00:00Z", 800, "q"),
    ]
    _, [invoice] = rated(records, [rk.Assignment("c1", plan(monthly=0))], NOV, NOV_END)
    return invoice.total


def test_racing_keys_priced_alike_bill_the_same_whatever_their_names() -> None:
    # Both plain: 1,600 at one instant, 600 billed x 0.005 = 3.00, + 31.00.
    records = [
        req("c1", "b", "2026-11-10T08:00:00Z", 800, "p"),
        req("c1", "a", "2026-11-10T08:00:00Z", 800, "q"),
    ]
    renamed = [
        req("c1", "z", "2026-11-10T08:00:00Z", 800, "p"),
        req("c1", "a", "2026-11-10T08:00:00Z", 800, "q"),
    ]
    totals = [
        rated(r, [rk.Assignment("c1", plan(monthly=0))], NOV, NOV_END)[1][0].total
        for r in (records, renamed)
    ]
    assert totals == [Decimal("34.00"), Decimal("34.00")]


def test_racing_keys_priced_apart_bill_the_same_whatever_their_names() -> None:
    # The requests of one instant take the day's 1,000 together, in proportion to what
    # each uses: 500 each. 300 x 0.01 + 300 x 0.005 = 4.50, + 31.00: 35.50, whichever key
    # sorts first.
    assert _racing("a", "b") == _racing("b", "a") == Decimal("35.50")


def _refunded_next_day(
    allowances: list[rk.Allowance], refund_at: str
) -> tuple[Decimal, Decimal, Decimal]:
    # 1 a request; 15 requests on 17 Nov (11:00 PST), a refund of -3 at ``refund_at``.
    per_request = rk.Plan(
        "p", "USD", MONTHS, [rk.PriceEntry("api", "requests", rk.PerUnit(1))], allowances=allowances
    )
    records = [
        req("c1", "k1", "2026-11-17T19:00:00Z", 15, "b"),
        req("c1", "k1", refund_at, -3, "r"),
    ]
    rating, [invoice] = rated(records, [rk.Assignment("c1", per_request)], NOV, NOV_END)
    [refund] = [c for c in rating.charges if c.quantity < 0]
    return refund.free, refund.amount, invoice.total


def test_a_refund_takes_back_billed_units_under_one_quota_or_on_the_same_day() -> None:
    # 15 requests, 5 free (a monthly 5, a daily 5, or 2 a day + 3 a month), 10 billed;
    # the refund of 3 takes back 3 billed units (-3.00): 7.00.
    after = "2026-11-18T20:00:00Z"
    assert _refunded_next_day([rk.Allowance("requests", 5)], after) == (0, -3, Decimal("7.00"))
    assert _refunded_next_day([rk.Allowance("requests", 5, cycle=DAYS)], after) == (
        0,
        -3,
        Decimal("7.00"),
    )
    stacked = [rk.Allowance("requests", 2, cycle=DAYS), rk.Allowance("requests", 3)]
    assert _refunded_next_day(stacked, "2026-11-17T20:00:00Z") == (0, -3, Decimal("7.00"))


def test_a_refund_on_a_later_day_takes_back_billed_units_under_stacked_quotas() -> None:
    # 2 free a day on 3 a month, 1 a request: 15 on 17 Nov (2 + 3 free, 10 billed, 10.00); a
    # refund of -3 on 18 Nov takes back the latest units, 3 billed (free 0, -3.00): 7.00, as
    # under either quota alone or with the refund on the 17th.
    stacked = [rk.Allowance("requests", 2, cycle=DAYS), rk.Allowance("requests", 3)]
    assert _refunded_next_day(stacked, "2026-11-18T20:00:00Z") == (0, -3, Decimal("7.00"))


def _two_days(premium: str, plain: str) -> Decimal:
    # Each key described when its use starts (docs/pricing.md's way out of the order of
    # resource ids): the plain key at 10 Nov 01:00 PST, the premium key at 07:00 PST.
    # Each day: 800 plain requests at 01:00 PST, 800 premium at 23:00 PST; 1,000 free a
    # day, no monthly quota, no fee.
    records = [
        rk.Event("c1", plain, "2026-11-10T09:00:00Z", {"api": "plain"}, kind="update", id="v"),
        premium_key("c1", premium, "2026-11-10T15:00:00Z", "u"),
        req("c1", plain, "2026-11-10T09:00:00Z", 800, "q10"),
        req("c1", premium, "2026-11-11T07:00:00Z", 800, "p10"),
        req("c1", plain, "2026-11-11T09:00:00Z", 800, "q11"),
        req("c1", premium, "2026-11-12T07:00:00Z", 800, "p11"),
    ]
    _, [invoice] = rated(records, [rk.Assignment("c1", plan(monthly=0, fee=0))], NOV, NOV_END)
    return invoice.total


def test_the_days_quota_goes_in_time_order_when_the_premium_key_sorts_last() -> None:
    # Each day the plain 800 at 01:00 come first: free; the premium 800 at 23:00 take the
    # day's last 200: 600 x 0.01 = 6.00 a day, 12.00.
    assert _two_days("b", "a") == Decimal("12.00")


def test_the_days_quota_goes_in_time_order_whatever_the_keys_are_called() -> None:
    # Each day the plain 800 at 01:00 come first (free), the premium 800 at 23:00 take
    # the day's last 200: 600 x 0.01 = 6.00 a day, 12.00, with the premium key called 'a'.
    assert _two_days("a", "b") == Decimal("12.00")


def test_a_refund_and_requests_of_two_keys_at_one_instant_bill_alike_whatever_the_names() -> None:
    # The premium key's 1,500 at 02:00 PST: 1,000 free, 500 x 0.01 = 5.00. At 04:00 PST the
    # plain key's 600 (billed, 600 x 0.005 = 3.00) and the premium key's refund of -500,
    # which takes back its own 500 billed (-5.00): 3.00, whichever key sorts first.
    def total(premium: str, plain: str) -> Decimal:
        records = [
            premium_key("c1", premium, "2026-11-01T08:00:00Z", "u"),
            req("c1", premium, "2026-11-10T10:00:00Z", 1500, "p"),
            req("c1", plain, "2026-11-10T12:00:00Z", 600, "q"),
            req("c1", premium, "2026-11-10T12:00:00Z", -500, "r"),
        ]
        _, [invoice] = rated(records, [rk.Assignment("c1", plan(fee=0, monthly=0))], NOV, NOV_END)
        return invoice.total

    assert (total("a", "b"), total("b", "a")) == (Decimal("3.00"), Decimal("3.00"))
