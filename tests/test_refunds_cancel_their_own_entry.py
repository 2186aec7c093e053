"""A refund cancels the units its own price entry used, and the allowance covers the net.

docs/pricing.md (The order they are taken in): a correction takes back first the units
its own entry billed (the entry that prices its row), the latest first, across a change
of plan; an allowance covers the first units of the cycle's net usage, as if the units
a correction cancels had never been used (the usage of one instant sharing the free
units in proportion); what a correction cancels beyond its entry's units takes back the
account's other units, the latest first, each at the price it was billed at (see also
`tests/test_refunds_at_their_billed_price.py`). Messages are billed
per segment by country (one entry a country), as in `tests/test_sms_newcomer.py`. Every
amount is worked by hand; the law is checked against an oracle in Fractions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests.test_sms_newcomer import MARCH, MONTHS, NUMBERS, SEGMENTS, month_total, route, sent

import ratekit as rk

THREE = {"US": "0.0079", "DE": "0.0750", "FR": "0.0500"}


def plan(
    prices: dict[str, str] = THREE, free: int = 1000, cycle: rk.cycles.Cycle[object] | None = None
) -> rk.Plan:
    entries = [
        rk.PriceEntry(c.lower(), "sms.segments", rk.PerUnit(p), where={"country": c})
        for c, p in prices.items()
    ]
    return rk.Plan(
        "sms", "USD", MONTHS, entries, allowances=[rk.Allowance("sms.segments", free, cycle=cycle)]
    )


def charges(records: list[rk.Event | rk.Sample], plans: rk.Plan) -> list[tuple[str, int, Decimal]]:
    rating = rk.rate(records, plans, span=MARCH, meters=[SEGMENTS])
    return [(c.resource or "", int(c.quantity), c.amount) for c in rating.charges]


def test_three_countries_with_refunds_interleaved_bill_the_net_past_the_free_segments() -> None:
    def month(us: str, de: str, fr: str) -> list[rk.Event | rk.Sample]:
        return [
            route(us, "US"),
            route(de, "DE"),
            route(fr, "FR"),
            sent(us, "05T10:00:00", 500, "m1"),
            sent(de, "06T10:00:00", 400, "m2"),
            sent(us, "07T10:00:00", -100, "f1"),  # cancels 100 of the US 500, not DE's
            sent(fr, "08T10:00:00", 400, "m3"),
            sent(de, "09T10:00:00", -150, "f2"),  # cancels 150 of the DE 400, not FR's
            sent(fr, "10T10:00:00", 200, "m4"),
        ]

    # Net: US 400 (5th), DE 250 (6th), FR 400 (8th): 650 before FR's, which takes the
    # last 350 free and bills 50; FR's 200 on the 10th are billed: 250 * 0.05 = 12.50.
    # (Taken back last in, first out across countries: US's refund took back 100 of DE's
    # free units and DE's 150 of FR's: 8.75.)
    records = month("us", "de", "fr")
    assert month_total(records, plan()) == Decimal("12.50")
    assert [amount for resource, _, amount in charges(records, plan()) if resource == "fr"] == [
        Decimal("2.5"),
        Decimal("10.0000"),
    ]
    # renamed so that each refund's route sorts first or last: the same month
    assert month_total(month("z-us", "a-de", "m-fr"), plan()) == Decimal("12.50")
    assert month_total(month("a-us", "z-de", "m-fr"), plan()) == Decimal("12.50")


def test_two_routes_of_one_country_refund_each_others_segments() -> None:
    # One entry prices both US routes: a refund on one cancels the latest US segments,
    # whichever route sent them. 700 on us-1, 200 DE, 500 on us-2, then -300 on us-1:
    # net US 700 + 200 = 900 and DE 200, in time order: us-1's 700 free, DE's 200 free,
    # us-2's net 200 take the last 100 free and bill 100 * 0.0079 = 0.79.
    records = [
        route("us-1", "US"),
        route("us-2", "US"),
        route("de", "DE"),
        sent("us-1", "05T10:00:00", 700, "m1"),
        sent("de", "06T10:00:00", 200, "m2"),
        sent("us-2", "07T10:00:00", 500, "m3"),
        sent("us-1", "08T10:00:00", -300, "f1"),
    ]
    assert month_total(records, plan()) == Decimal("0.79")


def test_a_refund_larger_than_its_countrys_segments_takes_back_the_latest_others() -> None:
    # 300 US, then 1,200 DE (700 free before the US refund is known: the net decides),
    # then -400 US: it cancels the 300 US segments, and its 100 more than US sent take
    # back the latest of the others' units, at the DE price they were billed at. Net run:
    # US 0, DE 1,200 - 100 = 1,100: the 1,000 free, 100 billed: 100 * 0.075 = 7.50. Its
    # line of DE units names DE's entry: 15.00 - 7.50 = 7.50 (at its own price, -100 *
    # 0.0079 = -0.79, the refund took back 6.71 less than was billed for them: 14.21).
    records = [
        route("us", "US"),
        route("de", "DE"),
        sent("us", "05T10:00:00", 300, "m1"),
        sent("de", "06T10:00:00", 1200, "m2"),
        sent("us", "07T10:00:00", -400, "f1"),
    ]
    assert charges(records, plan()) == [
        ("de", 1200, Decimal(15)),
        ("us", 300, Decimal(0)),
        ("us", -100, Decimal("-7.5000")),
        ("us", -300, Decimal(0)),
    ]
    rating = rk.rate(records, plan(), span=MARCH, meters=[SEGMENTS])
    assert [c.entry for c in rating.charges] == ["de", "us", "de", "us"]
    assert month_total(records, plan()) == Decimal("7.50")
    # with DE's 900 only, the 100 take back free units: 800 net, all free
    fewer = [*records[:3], sent("de", "06T10:00:00", 900, "m2"), records[4]]
    assert month_total(fewer, plan()) == Decimal("0.00")


@pytest.mark.parametrize(
    ("model", "amounts", "total"),
    [
        # Graduated: the burst's billed 150 US + 300 DE (DE's cancelled 200 among them,
        # billed at the instant and refunded) climb together from 0 to 450: 100 * 0.01 +
        # 350 * 0.005 = 2.75, US 1/3 and DE 2/3 of it; the refund comes down from 450 to
        # 250 at 0.005: -1.00. DE 1.8333... - 1.00 -> 0.83, US 0.9166... -> 0.92: 1.75,
        # the price of the 250 net billed (1,250 net less 1,000 free): 1.00 + 0.75.
        (
            rk.Graduated,
            [Decimal("0.91666666666666666666666666666666666666666666666666666666667"),
             Decimal("1.83333333333333333333333333333333333333333333333333333333333"),
             Decimal("-1.000")],
            Decimal("1.75"),
        ),
        # Volume: 450 at 0.005 = 2.25, US 0.75 and DE 1.50; the refund from 450 to 250
        # (250 * 0.005 = 1.25): -1.00. 0.75 + 0.50 = 1.25, the price of the 250 net billed.
        (rk.Volume, [Decimal("0.75"), Decimal("1.5"), Decimal(-1)], Decimal("1.25")),
    ],
)  # fmt: skip
def test_a_refund_under_prices_by_the_total_comes_back_down_from_where_the_total_stands(
    model: type[rk.Graduated] | type[rk.Volume], amounts: list[Decimal], total: Decimal
) -> None:
    tiers = [rk.Tier(100, "0.01"), rk.Tier(None, "0.005")]
    tiered = rk.Plan(
        "t",
        "USD",
        MONTHS,
        [
            rk.PriceEntry(c.lower(), "sms.segments", model(tiers), where={"country": c})
            for c in ("US", "DE")
        ],
        allowances=[rk.Allowance("sms.segments", 1000)],
    )
    # 750 US + 700 DE at one instant, -200 DE the next day: net 750 + 500 = 1,250, the
    # 1,000 free shared in proportion (4/5): US 600 free, DE 400 of its net 500.
    records = [
        route("a", "US"),
        route("b", "DE"),
        sent("a", "05T10:00:00", 750, "m1"),
        sent("b", "05T10:00:00", 700, "m2"),
        sent("b", "06T10:00:00", -200, "f1"),
    ]
    rating = rk.rate(records, tiered, span=MARCH, meters=[SEGMENTS])
    assert [(c.quantity, c.free) for c in rating.charges] == [
        (750, 600),
        (700, 400),
        (-200, 0),
    ]
    assert [c.amount for c in rating.charges] == amounts
    assert month_total(records, tiered) == total


def test_a_refund_the_next_day_frees_what_another_country_was_billed_under_a_daily_allowance() -> (
    None
):
    # 100 free segments a day, US 0.01, DE 0.10. 5 March: 80 US (free), 60 DE (20 free,
    # 40 billed). 6 March: -30 US cancel 30 of the 5th's US: the 5th's net is 50 US + 60
    # DE, so DE's 60 take 50 free and bill 10 * 0.10 = 1.00; 50 DE on the 6th take the
    # 6th's free. 1.00 in all (taken back last in, first out: 40 DE billed, less 30 at
    # US's price: 3.70).
    daily = plan({"US": "0.01", "DE": "0.10"}, free=100, cycle=rk.cycles.daily(tz="UTC"))
    records = [
        route("a", "US"),
        route("b", "DE"),
        sent("a", "05T10:00:00", 80, "m1"),
        sent("b", "05T12:00:00", 60, "m2"),
        sent("a", "06T09:00:00", -30, "f1"),
        sent("b", "06T10:00:00", 50, "m3"),
    ]
    assert month_total(records, daily) == Decimal("1.00")


def test_the_stream_bills_a_refund_after_a_burst_as_batch_rating_does() -> None:
    records: list[rk.Event | rk.Sample] = [
        route("a", "US"),
        route("b", "DE"),
        sent("a", "05T10:00:00", 600, "m1"),
        sent("b", "05T10:00:00", 600, "m2"),
    ]
    refund = sent("b", "06T10:00:00", -200, "f1")
    rater = rk.Rater(
        plan(), [SEGMENTS, NUMBERS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=40)
    )
    rater.feed(records)
    rater.statement("2026-03-05T12:00:00Z")  # (the free segments prorated to the 5th)
    rater.feed([refund])
    rater.statement("2026-03-07T00:00:00Z")
    (invoice,) = rater.statement("2026-05-15T00:00:00Z").invoices
    assert invoice.total == month_total([*records, refund], plan()) == Decimal("0.00")


# -- the law: an oracle of the rule -----------------------------------------------------------

EVENTS = st.lists(
    st.tuples(st.integers(0, 3), st.integers(1, 8), st.integers(-600, 900).filter(bool)),
    min_size=1,
    max_size=8,
)
COUNTRIES = ("US", "DE", "FR", "US")  # two routes of one country


def _records(events: list[tuple[int, int, int]], names: list[str]) -> list[rk.Event | rk.Sample]:
    """The routes and messages; a refund at most what its country sent before it."""
    records: list[rk.Event | rk.Sample] = [route(names[i], COUNTRIES[i]) for i in range(4)]
    used: dict[str, int] = {}
    ordered = sorted(enumerate(events), key=lambda e: (e[1][1], e[1][2] < 0))
    for k, (i, day, drawn) in ordered:
        country = COUNTRIES[i]
        quantity = drawn if drawn > 0 else -min(-drawn, used.get(country, 0))
        if not quantity:
            continue
        used[country] = used.get(country, 0) + quantity
        records.append(sent(names[i], f"{day:02d}T10:00:00", quantity, f"m{k}"))
    return records


def _oracle(records: list[rk.Event | rk.Sample], free: int) -> Decimal:
    """The rule in Fractions: cancel each country's latest, then free the net in order."""
    country = {r.resource: r.attributes["country"] for r in records if isinstance(r, rk.Event)}
    instants = sorted({r.at_us for r in records if isinstance(r, rk.Sample)})
    net: dict[tuple[object, str], Fraction] = {}
    stacks: dict[str, list[object]] = {}
    for at in instants:
        here = [r for r in records if isinstance(r, rk.Sample) and r.at_us == at]
        for r in sorted(here, key=lambda r: r.value < 0):  # the instant's usage first
            c = country[r.resource]
            if r.value > 0:
                net[at, c] = net.get((at, c), Fraction(0)) + Fraction(r.value)
                stacks.setdefault(c, []).append(at)
                continue
            wanted = -Fraction(r.value)
            while wanted:  # (never more than the country sent: see `_records`)
                top = stacks[c][-1]
                part = min(wanted, net[top, c])
                net[top, c] -= part
                wanted -= part
                if not net[top, c]:
                    stacks[c].pop()
    left = Fraction(free)
    billed: dict[str, Fraction] = {}
    for at in instants:
        used = {c: q for (t, c), q in net.items() if t == at and q}
        total = sum(used.values(), Fraction(0))
        share = min(left / total, Fraction(1)) if total else Fraction(0)
        left -= total * share
        for c, q in used.items():
            billed[c] = billed.get(c, Fraction(0)) + q * (1 - share)
    return sum(
        (
            Decimal(round(q * Fraction(Decimal(THREE[c])) * 100)).scaleb(-2)
            for c, q in billed.items()
        ),
        Decimal(0),
    )


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    events=EVENTS,
    names=st.permutations(["r-0", "r-1", "z-9", "+4930123"]),
    free=st.sampled_from([0, 300, 1000]),
)
def test_renaming_routes_never_changes_a_month_with_refunds(
    events: list[tuple[int, int, int]], names: list[str], free: int
) -> None:
    plain = _records(events, ["r-a", "r-b", "r-c", "r-d"])
    renamed = _records(events, names)
    expected = _oracle(plain, free)
    for records in (plain, renamed):
        rating = rk.rate(records, plan(free=free), span=MARCH, meters=[SEGMENTS])
        assert sum((invoice.total for invoice in rk.bill(rating)), Decimal(0)) == expected
