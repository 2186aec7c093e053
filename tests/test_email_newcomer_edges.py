"""An e-mail service's edge cases, each worked by hand: tiers, anniversaries, DST, credits.

Messages are a `Discrete` meter priced by graduated or volume tiers (1,000 at 0.001, then
0.0005); templates and logs a gauge of GB billed per GB-month
(`TimeWeightedMean(over="period")`); a dedicated IP a monthly fee prorated by days, with
a committed minimum (docs/pricing.md "Graduated and volume", "Plans"; docs/calendars.md
"Anniversary days", "Local midnight and DST", "Proration"; docs/invoices.md "Credits";
docs/streaming.md "New customers and plan changes", "Credits on closing invoices").
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

SENT = rk.Meter("sent", "message", rk.Discrete())
STORAGE = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))
TIERS = [rk.Tier(1000, "0.001"), rk.Tier(None, "0.0005")]
KOLKATA, CHATHAM, ST_JOHNS = "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns"


def plan(name: str, cycle: rk.cycles.Cycle, tz: str, model: object, minimum: int = 0) -> rk.Plan:
    return rk.Plan(
        name,
        "USD",
        cycle,
        [
            rk.PriceEntry("messages", "sent", model),
            rk.PriceEntry("storage", "storage", rk.PerUnit("0.25")),
        ],
        fees=[rk.Fee("dedicated-ip", 30)],
        minimums=[rk.Minimum(minimum)] if minimum else [],
        proration="days",
        tz=tz,
    )


def sent(at: object, n: object, ident: str, account: str = "acme") -> rk.Sample:
    return rk.Sample(account, "smtp", "sent", at, n, id=ident)


def lines(statement: rk.Statement) -> list[tuple[str, str, Decimal, Decimal]]:
    return [(line.role, line.plan, line.quantity, line.amount) for line in statement.lines]


# -- anniversaries ----------------------------------------------------------------------


def test_signup_on_the_31st_in_kolkata_clamps_to_the_29th_of_february_and_comes_back() -> None:
    cycle = rk.cycles.monthly(tz=KOLKATA, day=31)
    year = rk.Span("2027-12-31T00:00:00+05:30", "2028-05-01T00:00:00+05:30")
    local = [
        (
            s.start.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30))).date().isoformat(),
            s.duration.days,
        )
        for s in cycle.spans(year)
    ]
    # 31 Dec (31 days), 31 Jan -> 29 Feb (29 days, 2028 is leap), 29 Feb -> 31 Mar (31),
    # 31 Mar -> 30 Apr (30), 30 Apr -> 31 May (31).
    assert local == [
        ("2027-12-31", 31),
        ("2028-01-31", 29),
        ("2028-02-29", 31),
        ("2028-03-31", 30),
        ("2028-04-30", 31),
    ]


def test_signup_on_the_29th_of_february_in_chatham_bills_on_the_28th_in_common_years() -> None:
    cycle = rk.cycles.monthly(tz=CHATHAM, day=29)
    # Chatham is +13:45 in its summer: local midnight of 28 Feb 2027 is 10:15Z on the 27th.
    assert cycle.containing("2027-02-20T00:00:00Z") == rk.Span(
        "2027-01-28T10:15:00Z", "2027-02-27T10:15:00Z"
    )
    # ... and comes back to the 29th in March (still +13:45 there).
    assert cycle.containing("2027-04-10T00:00:00Z").start == dt.datetime(
        2027, 3, 28, 10, 15, tzinfo=dt.UTC
    )
    # 2028 is leap: the cycle starts on the 29th itself.
    assert cycle.containing("2028-03-10T00:00:00Z").start == dt.datetime(
        2028, 2, 28, 10, 15, tzinfo=dt.UTC
    )


# -- DST inside a cycle -----------------------------------------------------------------


def test_st_johns_cycle_over_the_spring_change_prorates_fee_minimum_and_gb_month() -> None:
    tz = ST_JOHNS
    cycle = rk.cycles.monthly(tz=tz, day=8)
    march = cycle.containing("2026-03-20T00:00:00Z")
    # 8 Mar 00:00 -03:30 to 8 Apr 00:00 -02:30: the clocks go forward on 8 March, 743 h.
    assert march == rk.Span("2026-03-08T03:30:00Z", "2026-04-08T02:30:00Z")
    assert march.duration == dt.timedelta(hours=743)
    chosen = plan("ip", cycle, tz, rk.PerUnit("0.001"), minimum=12)
    assigned = [rk.Assignment("acme", chosen, start="2026-03-20T10:00:00-02:30")]
    recs = [
        rk.Sample(
            "acme", "logs", "storage", "2026-03-20T10:00:00-02:30", 31, kind="gauge", id="g1"
        ),
        sent("2026-03-21T10:00:00-02:30", 2000, "m1"),
    ]
    batch = rk.bill(rk.rate(recs, assigned, span=march, meters=[SENT, STORAGE]), tz=tz)
    # Days: the signup enters 20 March partway, so it counts; 20..31 March and 1..7 April
    # are 12 + 7 = 19 of the cycle's 31 local days.
    # fee 30 x 19/31 = 18.387... -> 18.39; commitment 12 x 19/31 = 7.354... -> 7.35.
    # storage: 31 GB held from 12:30Z on 20 March to 02:30Z on 8 April, 446 of 743 h:
    # 31 x 446/743 = 18.608... GB-month x 0.25 = 4.652... -> 4.65.
    # messages 2000 x 0.001 = 2.00; spent 2.00 + 4.65 = 6.65, top-up 7.35 - 6.65 = 0.70.
    (invoice,) = batch
    by_kind = {(line.kind, line.entry): line for line in invoice.lines}
    storage = by_kind[("usage", "storage")]
    assert Fraction(storage.quantity) == Fraction(31 * 446, 743) or abs(
        Fraction(storage.quantity) - Fraction(31 * 446, 743)
    ) < Fraction(1, 10**55)
    assert [line.amount for line in invoice.lines] == [
        Decimal("2.00"),
        Decimal("4.65"),
        Decimal("18.39"),
        Decimal("0.70"),
    ]
    assert invoice.total == Decimal("25.74")
    # The stream, restored from JSON between feed and closing, bills the same.
    rater = rk.Rater(assigned, [SENT, STORAGE], start=march.start, tz=tz)
    rater.feed(recs)
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, [SENT, STORAGE])
    (closing,) = rater.statement(march.end).invoices
    assert str(closing) == str(invoice)
    assert closing.precise_total == invoice.precise_total


def test_chatham_cycle_over_the_autumn_change_lasts_an_hour_more() -> None:
    cycle = rk.cycles.monthly(tz=CHATHAM, day=5)
    april = cycle.containing("2026-04-10T00:00:00Z")
    # 5 Apr 00:00 +13:45 (10:15Z on the 4th) to 5 May 00:00 +12:45 (11:15Z on the 4th).
    assert april == rk.Span("2026-04-04T10:15:00Z", "2026-05-04T11:15:00Z")
    assert april.duration == dt.timedelta(days=30, hours=1)
    # A GB held the whole cycle is one GB-month, whatever the cycle's hours.
    chosen = plan("ip", cycle, CHATHAM, rk.PerUnit("0.001"))
    recs = [rk.Sample("acme", "logs", "storage", april.start, 4, kind="gauge", id="g")]
    (invoice,) = rk.bill(rk.rate(recs, chosen, span=april, meters=[STORAGE]), tz=CHATHAM)
    # 4 GB-month x 0.25 = 1.00; fee 30 (a whole cycle).
    assert [(line.quantity, line.amount) for line in invoice.lines] == [
        (Decimal(4), Decimal("1.00")),
        (Decimal(1), Decimal("30.00")),
    ]


# -- tiers ------------------------------------------------------------------------------


def test_a_batch_that_crosses_the_tier_bound_is_priced_on_from_where_the_cycle_stood() -> None:
    cycle = rk.cycles.monthly(tz=KOLKATA, day=31)
    feb = cycle.containing("2028-02-10T00:00:00Z")
    hour = dt.timedelta(hours=1)
    got = {}
    for name, model in (("grad", rk.Graduated(TIERS)), ("vol", rk.Volume(TIERS))):
        rater = rk.Rater(plan(name, cycle, KOLKATA, model), [SENT], start=feb.start)
        rater.feed([sent(feb.start + hour, 900, "a")])
        first = lines(rater.statement(feb.start + 2 * hour))
        rater.feed([sent(feb.start + 3 * hour, 100, "b"), sent(feb.start + 3 * hour, 1, "c")])
        second = lines(rater.statement(feb.start + 4 * hour))
        got[name] = (first, second)
    # 900 x 0.001 = 0.900 either way (fee lines set aside below).
    # Graduated: 1000 x 0.001 + 1 x 0.0005 = 1.0005, so the batch of 101 adds 0.1005.
    # Volume: 1001 are all at 0.0005 = 0.5005, so the batch of 101 adds -0.3995.
    usage = {
        name: [
            [x for x in part if x[1] == name and x[3] != Decimal(0) and x[2] != Decimal("0.000")]
            for part in parts
        ]
        for name, parts in got.items()
    }
    assert ("charge", "grad", Decimal(900), Decimal("0.900")) in usage["grad"][0]
    assert ("increment", "grad", Decimal(101), Decimal("0.1005")) in usage["grad"][1]
    assert ("charge", "vol", Decimal(900), Decimal("0.900")) in usage["vol"][0]
    assert ("increment", "vol", Decimal(101), Decimal("-0.3995")) in usage["vol"][1]


def test_a_plan_switch_exactly_on_the_tier_bound_starts_the_new_plan_from_zero() -> None:
    cycle = rk.cycles.monthly(tz=KOLKATA, day=31)
    feb = cycle.containing("2028-02-10T00:00:00Z")
    grad = plan("grad", cycle, KOLKATA, rk.Graduated(TIERS))
    vol = plan("vol", cycle, KOLKATA, rk.Volume(TIERS))
    switch = feb.start + dt.timedelta(days=10)
    recs = [
        sent(feb.start + dt.timedelta(days=1), 600, "a"),
        sent(switch - dt.timedelta(microseconds=1), 400, "b"),  # grad reaches 1000 exactly
        sent(switch, 700, "c"),  # at the switch itself: vol's
        sent(switch + dt.timedelta(days=1), 500, "d"),
    ]
    assigned = [rk.Assignment("acme", grad, end=switch), rk.Assignment("acme", vol, start=switch)]
    (invoice,) = rk.bill(rk.rate(recs, assigned, span=feb, meters=[SENT]), tz=KOLKATA)
    # grad: 1000 on the bound, all in tiers[0]: 1.00; vol climbs its own tiers from zero:
    # 1200 > 1000, all at 0.0005 = 0.60. Fee: 30 x 10/29 + 30 x 19/29 = 30.
    # Total 1.00 + 0.60 + 30.00 = 31.60.
    messages = invoice.lines[0]
    assert (messages.quantity, messages.amount) == (Decimal(2200), Decimal("1.60"))
    text = str(invoice)
    assert "grad · tiers[0] (0, 1000]: 1000 * 0.001 = 1.00" in text
    assert "vol · tiers[1] (1000, ∞): 1200 * 0.0005 = 0.60" in text
    assert invoice.total == Decimal("31.60")
    # The stream: grad from the start, vol assigned at the switch's watermark.
    rater = rk.Rater([rk.Assignment("acme", grad)], [SENT], start=feb.start, tz=KOLKATA)
    rater.feed(recs[:2])
    assert ("charge", "grad", Decimal(1000), Decimal("1.000")) in lines(rater.statement(switch))
    held = rater.assign(rk.Assignment("acme", vol, start=switch))
    assert held == tuple(assigned)
    rater.feed(recs[2:])
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), held, [SENT])
    (closing,) = rater.statement(feb.end).invoices
    assert str(closing) == str(invoice)
    assert closing.precise_total == invoice.precise_total


def test_a_correction_after_the_switch_goes_back_to_the_plan_that_billed_the_units() -> None:
    cycle = rk.cycles.monthly(tz=CHATHAM, day=29)
    c1 = cycle.containing("2028-02-10T00:00:00Z")
    grad = plan("grad", cycle, CHATHAM, rk.Graduated(TIERS), minimum=5)
    vol = plan("vol", cycle, CHATHAM, rk.Volume(TIERS), minimum=5)
    switch = c1.start + dt.timedelta(days=10)
    recs = [
        sent(c1.start + dt.timedelta(days=1), 600, "a"),
        sent(switch - dt.timedelta(hours=1), 400, "b"),
        sent(switch, 100, "c"),
        sent(switch + dt.timedelta(days=1), -300, "d"),  # 300 bounced: refunded
    ]
    assigned = (rk.Assignment("acme", grad, end=switch), rk.Assignment("acme", vol, start=switch))
    (invoice,) = rk.bill(rk.rate(recs, list(assigned), span=c1, meters=[SENT]), tz=CHATHAM)
    # Last in, first out: the 300 take back vol's 100, then 200 of grad's 1000.
    # grad 800 x 0.001 = 0.80; vol 0. Commitments: 5 x 10/31 = 1.6129 -> 1.61, less 0.80
    # = 0.81; 5 x 21/31 = 3.387 -> 3.39, less 0 = 3.39; top-up 4.20. Fee 30.
    # 0.80 + 30.00 + 4.20 = 35.00.
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("0.80")),
        ("fee", Decimal("30.00")),
        ("minimum", Decimal("4.20")),
    ]
    rater = rk.Rater([rk.Assignment("acme", grad)], [SENT], start=c1.start, tz=CHATHAM)
    rater.feed(recs[:2])
    rater.statement(switch)
    assert rater.assign(assigned[1]) == assigned
    rater.feed(recs[2:])
    (closing,) = rater.statement(c1.end).invoices
    assert str(closing) == str(invoice)


# -- credits ----------------------------------------------------------------------------


def test_a_credit_larger_than_the_invoices_pays_them_to_zero_and_carries_on() -> None:
    cycle = rk.cycles.monthly(tz=CHATHAM, day=29)
    c1 = cycle.containing("2028-02-10T00:00:00Z")
    chosen = plan("grad", cycle, CHATHAM, rk.Graduated(TIERS), minimum=5)
    recs = [
        sent(c1.start + dt.timedelta(days=1), 800, "a"),
        sent(c1.end + dt.timedelta(days=3), 2000, "b"),
    ]
    grants = [
        rk.Credit(
            "welcome", "acme", 100, "USD", start=c1.start, expires=c1.start + dt.timedelta(days=45)
        ),
        rk.Credit("monthly", "acme", 10, "USD", start=c1.start, renews=True, priority=1),
    ]
    rater = rk.Rater(chosen, [SENT], start=c1.start, horizon=dt.timedelta(days=1), tz=CHATHAM)
    rater.feed(recs)
    held, streamed = list(grants), []
    for as_of in (c1.end + dt.timedelta(days=2), c1.end + dt.timedelta(days=40)):
        closed = rk.apply_credits(rater.statement(as_of).invoices, held)
        held = list(rk.credits_left(held, closed))
        streamed.extend(closed)
    whole = rk.Span(c1.start, streamed[-1].cycle.end)
    batch = rk.bill(rk.rate(recs, chosen, span=whole, meters=[SENT]), tz=CHATHAM, credits=grants)
    assert [str(b) for b in batch] == [str(s) for s in streamed]
    # Cycle 1: 800 x 0.001 = 0.80 + fee 30 + top-up 5 - 0.80 = 4.20: 35.00; monthly pays
    # 10, welcome 25 (75 left). Cycle 2 (welcome expires inside it, so still pays it):
    # graduated, 1000 x 0.001 + 1000 x 0.0005 = 1.50,
    # fee 30, top-up 3.50: 35.00; monthly 10, welcome 25 (50 left, lapsing at expiry).
    assert [(i.subtotal, i.total) for i in streamed] == [
        (Decimal("35.00"), Decimal("0.00")),
        (Decimal("35.00"), Decimal("0.00")),
    ]
    assert [(c.credit, c.applied, c.left) for c in streamed[1].credits] == [
        ("monthly", Decimal("10.00"), Decimal("0.00")),
        ("welcome", Decimal("25.00"), Decimal("50.00")),
    ]


def test_a_credit_never_pays_a_negative_invoice_and_keeps_its_balance() -> None:
    cycle = rk.cycles.monthly(tz=KOLKATA, day=31)
    c1 = cycle.containing("2028-02-10T00:00:00Z")
    c2 = cycle.containing(c1.end)
    chosen = rk.Plan(
        "p",
        "USD",
        cycle,
        [rk.PriceEntry("messages", "sent", rk.PerUnit("0.001"))],
        fees=[rk.Fee("ip", 30)],
        proration="days",
        tz=KOLKATA,
    )
    recs = [
        sent(c1.start + dt.timedelta(days=1), 10, "a"),
        sent(c1.start + dt.timedelta(days=2), -50000, "b"),
    ]
    rating = rk.rate(recs, chosen, span=rk.Span(c1.start, c2.end), meters=[SENT])
    first, second = rk.bill(rating, credits=[rk.Credit("w", "acme", 100, "USD", start=c1.start)])
    # Cycle 1: -49990 x 0.001 = -49.99 + 30 = -19.99, left to the account; cycle 2: 30.00
    # paid by the credit, 70.00 left.
    assert (first.total, [(c.applied, c.left) for c in first.credits]) == (
        Decimal("-19.99"),
        [(Decimal("0.00"), Decimal("100.00"))],
    )
    assert (second.total, [(c.applied, c.left) for c in second.credits]) == (
        Decimal("0.00"),
        [(Decimal("30.00"), Decimal("70.00"))],
    )


# -- the caller's decimal context -------------------------------------------------------


def test_the_callers_decimal_context_changes_nothing() -> None:
    cycle = rk.cycles.monthly(tz=ST_JOHNS, day=8)
    march = cycle.containing("2026-03-20T00:00:00Z")
    chosen = plan("ip", cycle, ST_JOHNS, rk.Graduated(TIERS), minimum=12)
    recs = [
        rk.Sample(
            "acme", "logs", "storage", "2026-03-20T10:00:00-02:30", "31.7", kind="gauge", id="g1"
        ),
        sent("2026-03-21T10:00:00-02:30", 1234, "m1"),
    ]
    plain = rk.bill(rk.rate(recs, chosen, span=march, meters=[SENT, STORAGE]), tz=ST_JOHNS)
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = decimal.ROUND_FLOOR
        ctx.traps[decimal.Inexact] = True
        ctx.traps[decimal.Rounded] = True
        rater = rk.Rater(chosen, [SENT, STORAGE], start=march.start, tz=ST_JOHNS)
        rater.feed(recs)
        rater.statement(march.start + dt.timedelta(days=20))
        streamed = rater.statement(march.end).invoices
        batch = rk.bill(rk.rate(recs, chosen, span=march, meters=[SENT, STORAGE]), tz=ST_JOHNS)
    assert [str(i) for i in streamed] == [str(i) for i in batch] == [str(i) for i in plain]


def test_a_late_record_that_crosses_the_tier_bound_after_closing_bills_as_batch() -> None:
    cycle = rk.cycles.monthly(tz=KOLKATA, day=31)
    feb = cycle.containing("2028-02-10T00:00:00Z")
    chosen = plan("grad", cycle, KOLKATA, rk.Graduated(TIERS), minimum=5)
    rater = rk.Rater(chosen, [SENT], start=feb.start, horizon=dt.timedelta(days=2), tz=KOLKATA)
    first = sent(feb.start + dt.timedelta(days=1), 900, "a")
    rater.feed([first])
    closing = rater.statement(feb.end + dt.timedelta(days=2))
    # 900 x 0.001 = 0.90, fee 30, top-up 5 - 0.90 = 4.10: 35.00.
    assert closing.invoices[0].total == Decimal("35.00")
    standing = {line.key: line for line in closing.lines}
    late = sent(feb.end - dt.timedelta(hours=1), 200, "late")
    assert rater.feed([late]).late == ("late",)
    fixed = rater.statement(feb.end + dt.timedelta(days=2, hours=1))
    # 1100 now: 1000 x 0.001 + 100 x 0.0005 = 1.05; the top-up 5 - 1.05 = 3.95.
    assert [(x.role, x.late, x.kind, x.quantity, x.amount) for x in fixed.lines] == [
        ("reversal", True, "minimum", Decimal(-1), Decimal("-4.100")),
        ("correction", True, "minimum", Decimal(1), Decimal("3.9500")),
        ("reversal", True, "usage", Decimal(-900), Decimal("-0.900")),
        ("correction", True, "usage", Decimal(1100), Decimal("1.0500")),
    ]
    standing.update({x.key: x for x in fixed.lines if x.role != "reversal"})
    now = rk.bill([c for x in standing.values() if x.cycle == feb for c in x.charges], tz=KOLKATA)
    batch = rk.bill(rk.rate([first, late], chosen, span=feb, meters=[SENT]), tz=KOLKATA)
    assert [str(i) for i in now] == [str(i) for i in batch]
