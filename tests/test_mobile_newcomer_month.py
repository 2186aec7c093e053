"""A mobile virtual network operator's month: SIMs as resources, sessions as counters.

Each SIM is activated (START), suspended (STOP) and reactivated (START); its data comes
from the network as a cumulative counter that starts again from zero at every reboot of
the SIM's session (`rk.Counter(from_zero=True)`); SMS are deltas, and dropped sessions
are refunded as negative deltas, at an instant or spread over the span they make good
(`since`). The plan has 5 GB free a cycle, graduated tiers beyond it and a price change
on the 15th; a customer moves to another plan on the 20th. The backend feeds a
`rk.Rater` out of order, restoring it from JSON after every call, and finance rates the
month again in batch: the two must agree to the cent. Every figure is worked by hand.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
DAYS = rk.cycles.daily(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MID = "2026-03-15T00:00:00Z"
DATA = rk.Meter("data", "GB", rk.Counter(from_zero=True))
SMS = rk.Meter("sms", "sms", rk.Discrete())
METERS = [DATA, SMS]


def start(sim: str, at: str, record_id: str) -> rk.Event:
    return rk.Event("acme", sim, at, kind="start", id=record_id)


def stop(sim: str, at: str, record_id: str) -> rk.Event:
    return rk.Event("acme", sim, at, kind="stop", id=record_id)


def reading(sim: str, at: str, gb: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", sim, "data", at, gb, kind="counter", id=record_id)


def sms(sim: str, at: str, n: int, record_id: str, since: str | None = None) -> rk.Sample:
    return rk.Sample("acme", sim, "sms", at, n, id=record_id, since=since)


def bundle(name: str, first: str, after_15th: str, free: int) -> rk.Plan:
    """Data: `free` GB a cycle, then 10 GB at `first` (`after_15th` from the 15th) and
    the rest at 0.50 (0.60); SMS: 20 at 0.10, the rest at 0.05; a line fee of 9.30."""
    return rk.Plan(
        name,
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(
                "data", "data", rk.Graduated([rk.Tier(10, first), rk.Tier(None, "0.50")]), end=MID
            ),
            rk.PriceEntry(
                "data-15",
                "data",
                rk.Graduated([rk.Tier(10, after_15th), rk.Tier(None, "0.60")]),
                start=MID,
            ),
            rk.PriceEntry("sms", "sms", rk.Graduated([rk.Tier(20, "0.10"), rk.Tier(None, "0.05")])),
        ],
        allowances=[rk.Allowance("data", free)],
        fees=[rk.Fee("line", "9.30")],
    )


BASIC = bundle("basic", "1.00", "1.20", 5)
PLUS = bundle("plus", "0.80", "0.90", 20)
MOVED = [
    rk.Assignment("acme", BASIC, end="2026-03-20T00:00:00Z"),
    rk.Assignment("acme", PLUS, start="2026-03-20T00:00:00Z"),
]

# sim-1 is activated on 1 March, suspended on the 4th and 12th, reactivated the next day;
# each reactivation reboots its session, whose counter starts from zero again.
REBOOTS = [
    start("sim-1", "2026-03-01T00:00:00Z", "a1"),
    reading("sim-1", "2026-03-03T00:00:00Z", 4, "c1"),
    stop("sim-1", "2026-03-04T00:00:00Z", "a2"),
    start("sim-1", "2026-03-05T00:00:00Z", "a3"),
    reading("sim-1", "2026-03-06T00:00:00Z", 3, "c2"),
    reading("sim-1", "2026-03-20T00:00:00Z", 10, "c3"),
]


def test_each_session_counts_from_zero_at_its_reboot_and_the_15th_splits_the_rise() -> None:
    # c1: 4 GB from zero at the activation; c2: 3 GB from zero at the reactivation of
    # the 5th (not a reset below 4); c3: 10 - 3 = 7 GB over the 14 days from the 6th to
    # the 20th, 9 days before the 15th (4.5 GB) and 5 after (2.5 GB).
    # Before the 15th: 4 + 3 + 4.5 = 11.5 GB, 5 free, 6.5 at 1.00 = 6.50;
    # from the 15th: 2.5 GB at 1.20 = 3.00; the fee 9.30: 18.80.
    rating = rk.rate(REBOOTS, BASIC, span=MARCH, meters=METERS, as_of=MARCH.end)
    assert rating.anomalies == ()
    [invoice] = rk.bill(rating)
    lines = {(line.kind, line.entry): line for line in invoice.lines}
    early, late = lines[("usage", "data")], lines[("usage", "data-15")]
    assert (early.quantity, early.free, early.amount) == (Decimal("11.5"), 5, Decimal("6.50"))
    assert (late.quantity, late.amount) == (Decimal("2.5"), Decimal("3.00"))
    assert [(tier.label, tier.quantity, tier.amount) for tier in early.tiers] == [
        ("tiers[0]", Decimal("6.5"), Decimal("6.5"))
    ]
    assert [(tier.label, tier.quantity, tier.amount) for tier in late.tiers] == [
        ("tiers[0]", Decimal("2.5"), Decimal(3))
    ]
    text = str(invoice)  # the breakdown as finance reads it, on the cent
    assert "tiers[0] (0, 10]: 6.5 * 1.00 = 6.50\n" in text
    assert "tiers[0] (0, 10]: 2.5 * 1.20 = 3.00\n" in text
    assert invoice.total == Decimal("18.80")


def test_without_from_zero_the_reactivated_session_reads_as_a_reset() -> None:
    # Counter(): c1 is the baseline (nothing before it); c2 = 3 below 4 is a reset,
    # counted from zero: 3 GB; c3 adds 7. 10 GB, and the reset is reported.
    plain = rk.Meter("data", "GB", rk.Counter())
    usage = rk.meter(REBOOTS, [plain], span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    assert usage.total() == 10
    [reset] = usage.anomalies
    assert (reset.kind, set(reset.record_ids)) == ("counter_reset", {"c1", "c2"})


def test_a_refund_over_the_price_change_takes_back_sms_at_the_price_they_were_billed() -> None:
    # Per unit, 0.05 to the 15th and 0.06 from it. 30 SMS on the 10th (1.50); a refund
    # of 4 over [10th, 20th), half on each side of the change, takes back 4 of the
    # 10th's units at 0.05 (-0.20): 1.30. Alone (nothing billed before it), it is
    # -2 x 0.05 - 2 x 0.06 = -0.22.
    changed = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("sms", "sms", rk.PerUnit("0.05"), end=MID),
            rk.PriceEntry("sms-15", "sms", rk.PerUnit("0.06"), start=MID),
        ],
    )
    refund = sms("sim-2", "2026-03-20T00:00:00Z", -4, "r", since="2026-03-10T00:00:00Z")
    used = sms("sim-1", "2026-03-10T00:00:00Z", 30, "u")
    both = rk.rate([refund, used], changed, span=MARCH, meters=[SMS])
    assert rk.bill(both)[0].total == Decimal("1.30")
    alone = rk.rate([refund], changed, span=MARCH, meters=[SMS])
    assert alone.total() == Decimal("-0.22")


@pytest.mark.parametrize(("used_on", "refunded_on"), [("sim-1", "sim-2"), ("sim-z", "sim-a")])
def test_sms_and_a_refund_of_two_sims_at_one_instant_net_whatever_their_names(
    used_on: str, refunded_on: str
) -> None:
    # 30 SMS and a refund of 25 on another SIM at one instant net to 5 (0.50); 10 more
    # the next day reach 15: 10 x 0.10 + 5 x 0.05 = 1.25, the tiers of the net.
    records = [
        sms(used_on, "2026-03-05T00:00:00Z", 30, "m1"),
        sms(refunded_on, "2026-03-05T00:00:00Z", -25, "m2"),
        sms(refunded_on, "2026-03-06T00:00:00Z", 10, "m3"),
    ]
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("sms", "sms", rk.Graduated([rk.Tier(10, "0.10"), rk.Tier(None, "0.05")]))],
    )
    [invoice] = rk.bill(rk.rate(records, plan, span=MARCH, meters=[SMS]))
    [line] = invoice.lines
    assert [str(tier) for tier in line.tiers] == [
        "tiers[0] (0, 10]: 10 * 0.10 = 1.00",
        "tiers[1] (10, ∞): 5 * 0.05 = 0.25",
    ]
    assert invoice.total == Decimal("1.25")


# The month finance rates: two SIMs, reboots, refunds at one instant and over a span,
# the price change on the 15th and the move from basic to plus on the 20th.
MONTH = [
    *REBOOTS[:5],
    stop("sim-1", "2026-03-12T00:00:00Z", "a4"),
    start("sim-1", "2026-03-13T00:00:00Z", "a5"),
    reading("sim-1", "2026-03-14T00:00:00Z", 2, "c3"),
    reading("sim-1", "2026-03-22T00:00:00Z", 30, "c4"),
    start("sim-2", "2026-03-02T00:00:00Z", "b1"),
    reading("sim-2", "2026-03-25T00:00:00Z", 12, "d1"),
    sms("sim-1", "2026-03-10T00:00:00Z", 30, "m1"),
    sms("sim-2", "2026-03-10T00:00:00Z", -10, "m2"),
    sms("sim-2", "2026-03-18T00:00:00Z", -4, "m3", since="2026-03-12T00:00:00Z"),
    sms("sim-1", "2026-03-22T00:00:00Z", 7, "m4"),
    sms("sim-2", "2026-03-22T00:00:00Z", -3, "m5"),
]


def test_the_sms_tier_lines_after_refunds_and_the_plan_change() -> None:
    # basic: 30 - 10 at the 10th (the instant's net, 20), -4 over [12th, 18th): 16 at
    # 0.10 = 1.60; the tier past 20 nets to 0 (10 climbed, 10 taken back). plus, from
    # the 20th: 7 - 3 on the 22nd: 4 at 0.10 = 0.40, its own tiers from zero.
    [invoice] = rk.bill(rk.rate(MONTH, MOVED, span=MARCH, meters=METERS, as_of=MARCH.end))
    [line] = [line for line in invoice.lines if line.meter == "sms"]
    assert (line.quantity, line.amount) == (20, Decimal("2.00"))
    assert [str(tier) for tier in line.tiers] == [
        "basic · tiers[0] (0, 20]: 16 * 0.10 = 1.60",
        "basic · tiers[1] (20, ∞): 0 * 0.05 = 0.00",
        "plus · tiers[0] (0, 20]: 4 * 0.10 = 0.40",
    ]
    # basic's fee for 19 of 31 days and plus's for 12: 9.30 in all.
    [fee] = [line for line in invoice.lines if line.kind == "fee"]
    assert fee.amount == Decimal("9.30")


def run_stream(
    schedule: Sequence[tuple[Sequence[rk.Event | rk.Sample | rk.Inventory], str]],
    plans: rk.Plan | Sequence[rk.Assignment],
    meters: Sequence[rk.Meter],
    horizon: dt.timedelta = dt.timedelta(0),
) -> tuple[dict[object, Fraction], list[rk.Invoice], list[rk.Feed]]:
    """Feed each batch, state at its watermark, snapshot to JSON and restore after each
    call; the exact sum of the lines per cycle start, the closing invoices, the feeds."""
    rater = rk.Rater(plans, meters, start="2026-03-01T00:00:00Z", horizon=horizon)
    sums: dict[object, Fraction] = defaultdict(Fraction)
    invoices: list[rk.Invoice] = []
    feeds = []
    for records, as_of in schedule:
        if records:
            feeds.append(rater.feed(records))
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, meters)
        statement = rater.statement(as_of)
        for line in statement.lines:
            sums[line.cycle.start] += Fraction(line.amount)
        invoices.extend(statement.invoices)
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, meters)
    return {cycle: total for cycle, total in sums.items() if total}, invoices, feeds


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_stream_out_of_order_and_restored_adds_up_to_batch_to_the_cent(seed: int) -> None:
    rng = random.Random(seed)
    order = MONTH[:]
    rng.shuffle(order)
    cuts = sorted(rng.sample(range(1, len(order)), 3))
    parts = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    watermarks = [f"2026-03-{day:02d}T00:00:00Z" for day in sorted(rng.sample(range(2, 31), 3))]
    schedule = list(zip(parts, [*watermarks, "2026-04-01T00:00:00Z"], strict=True))
    sums, invoices, feeds = run_stream(schedule, MOVED, METERS)
    [batch] = rk.bill(rk.rate(MONTH, MOVED, span=MARCH, meters=METERS, as_of=MARCH.end))
    assert all(not feed.too_late and not feed.conflicting for feed in feeds)
    assert sums == {MARCH.start: Fraction(batch.precise_total)}
    [closing] = invoices
    assert closing.total == batch.total
    assert str(closing) == str(batch)  # every line and tier line, as finance reads them


def test_replaying_the_month_after_a_restore_changes_nothing() -> None:
    rater = rk.Rater(MOVED, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(MONTH)
    first = Fraction(rater.statement("2026-03-21T00:00:00Z").total())
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), MOVED, METERS)
    replay = rater.feed(list(reversed(MONTH)))
    assert replay.accepted == ()
    assert len(replay.duplicates) == len(MONTH)
    rest = rater.statement("2026-04-01T00:00:00Z")
    [batch] = rk.bill(rk.rate(MONTH, MOVED, span=MARCH, meters=METERS, as_of=MARCH.end))
    assert first + Fraction(rest.total()) == Fraction(batch.precise_total)
    assert rest.invoices[0].total == batch.total


def test_the_callers_decimal_context_does_not_matter() -> None:
    expected = rk.bill(rk.rate(MONTH, MOVED, span=MARCH, meters=METERS, as_of=MARCH.end))
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_UP
        context.traps[decimal.Inexact] = True
        rating = rk.rate(MONTH, MOVED, span=MARCH, meters=METERS, as_of=MARCH.end)
        assert [str(invoice) for invoice in rk.bill(rating)] == [str(i) for i in expected]


DAILY = rk.Plan(
    "d",
    "EUR",
    DAYS,
    [rk.PriceEntry("data", "data", rk.PerUnit(1)), rk.PriceEntry("sms", "sms", rk.PerUnit("0.1"))],
)
FIVE_DAYS = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")


def per_day(records: Sequence[rk.Event | rk.Sample | rk.Inventory]) -> dict[object, Fraction]:
    rating = rk.rate(records, DAILY, span=FIVE_DAYS, meters=METERS, as_of=FIVE_DAYS.end)
    days: dict[object, Fraction] = defaultdict(Fraction)
    for invoice in rk.bill(rating):
        days[invoice.cycle.start] += Fraction(invoice.precise_total)
    return {day: total for day, total in days.items() if total}


def day(n: int) -> dt.datetime:
    return dt.datetime(2026, 3, n, tzinfo=dt.UTC)


def test_a_sim_reactivated_after_the_cycle_of_its_suspension_was_compacted() -> None:
    # 6 GB by 06:00 on 1 March, suspended at noon; 1 to 3 March compacted (daily cycles,
    # no horizon); reactivated on the 4th at 06:00 and 3 GB by noon: a new session from
    # zero, 3 GB on the 4th, in batch and streamed alike.
    records = [
        start("sim-1", "2026-03-01T00:00:00Z", "s1"),
        reading("sim-1", "2026-03-01T06:00:00Z", 6, "r1"),
        stop("sim-1", "2026-03-01T12:00:00Z", "p1"),
        start("sim-1", "2026-03-04T06:00:00Z", "s2"),
        reading("sim-1", "2026-03-04T12:00:00Z", 3, "r2"),
    ]
    assert per_day(records) == {day(1): 6, day(4): 3}
    schedule = [
        (records[:3], "2026-03-02T00:00:00Z"),
        ([], "2026-03-04T03:00:00Z"),
        (records[3:], "2026-03-06T00:00:00Z"),
    ]
    sums, _, feeds = run_stream(schedule, DAILY, METERS)
    assert sums == {day(1): 6, day(4): 3}
    assert all(not feed.too_late for feed in feeds)


def test_a_deleted_sim_listed_again_by_an_inventory_across_restores() -> None:
    # Deleted at noon on 1 March after 6 GB; an inventory of 3 March lists it again,
    # opening it running: its reading of 5 GB at noon counts from zero from the listing,
    # and 4 SMS at 0.1: 5.40 on the 3rd. Streamed with the inventory before or after
    # the readings, restored after every call.
    records = [
        start("sim-1", "2026-03-01T00:00:00Z", "s1"),
        reading("sim-1", "2026-03-01T06:00:00Z", 6, "r1"),
        rk.Event("acme", "sim-1", "2026-03-01T12:00:00Z", kind="delete", id="d1"),
        rk.Inventory("2026-03-03T00:00:00Z", [("acme", "sim-1")], id="i1"),
        reading("sim-1", "2026-03-03T12:00:00Z", 5, "r2"),
        sms("sim-1", "2026-03-03T12:00:00Z", 4, "m1"),
    ]
    expected = {day(1): 6, day(3): Fraction(54, 10)}
    assert per_day(records) == expected
    in_order = [
        (records[:3], "2026-03-02T00:00:00Z"),
        ([records[3]], "2026-03-03T06:00:00Z"),
        (records[4:], "2026-03-06T00:00:00Z"),
    ]
    listed_late = [
        (records[:3], "2026-03-02T00:00:00Z"),
        (records[4:], "2026-03-03T06:00:00Z"),
        ([records[3]], "2026-03-06T00:00:00Z"),
    ]
    assert run_stream(in_order, DAILY, METERS)[0] == expected
    assert run_stream(listed_late, DAILY, METERS, horizon=dt.timedelta(days=1))[0] == expected


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (
            lambda: reading("sim-1", "2026-03-01T00:00:00Z", -1, "neg"),
            rk.BadRecordError,
            ["'neg'", "negative counter reading", ">= 0"],
        ),
        (
            lambda: rk.Sample(
                "acme",
                "sim-1",
                "data",
                "2026-03-02T00:00:00Z",
                1,
                kind="counter",
                since="2026-03-01T00:00:00Z",
                id="spread",
            ),
            rk.BadRecordError,
            ["'spread'", "since", "only a delta covers a span"],
        ),
        (
            lambda: sms("sim-1", "2026-03-01T00:00:00Z", -1, "back", since="2026-03-02T00:00:00Z"),
            rk.BadRecordError,
            ["'back'", "comes after its at", "[since, at)"],
        ),
        (
            lambda: rk.Event("acme", "sim-1", "2026-03-01T00:00:00Z", kind="suspend", id="s"),
            rk.BadRecordError,
            ["'s'", "'suspend'", "'start', 'update', 'stop', 'delete'"],
        ),
    ],
)
def test_bad_records_are_refused_naming_the_record_and_what_is_accepted(
    make: object, error: type[rk.RatekitError], words: list[str]
) -> None:
    with pytest.raises(error) as raised:
        make()  # type: ignore[operator]
    assert all(word in str(raised.value) for word in words)


def test_a_refund_on_the_data_counter_is_refused_at_the_feed_naming_the_meter() -> None:
    rater = rk.Rater(DAILY, METERS, start="2026-03-01T00:00:00Z")
    refund = rk.Sample("acme", "sim-1", "data", "2026-03-01T00:00:00Z", -1, id="refund")
    with pytest.raises(rk.BadRecordError) as raised:
        rater.feed([refund])
    assert "'refund'" in str(raised.value)
    assert "whose policy takes 'counter'" in str(raised.value)


def cents(amount: Fraction) -> Decimal:
    """An exact amount rounded once, half-even, to the cent."""
    return (Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(Decimal("0.01"))


def test_the_data_lines_of_the_month_with_the_plan_change_worked_by_hand() -> None:
    # sim-1 before the 15th: 4 (c1) + 3 (c2, from zero on the 5th) + 2 (c3, from zero on
    # the 13th) + 3.5 (c4's 28 GB over the 8 days from the 14th: 1 day before the 15th);
    # then 17.5 GB to the 20th under basic and 7 GB under plus. sim-2 reads 12 GB from
    # zero over the 23 days from the 2nd: 12/23 GB a day, 13 days before the 15th, 5 to
    # the 20th, 5 under plus. basic's 5 GB free for 19 of 31 days (95/31) go first.
    daily = Fraction(12, 23)
    basic_early = Fraction(25, 2) + 13 * daily - Fraction(95, 31)
    early = 10 * Fraction(1) + (basic_early - 10) * Fraction(1, 2)  # tiers[0] full, then 0.50
    basic_late = (Fraction(35, 2) + 5 * daily) * Fraction(6, 10)  # tiers run on: 0.60
    # plus: its own tiers from zero, 20 GB free for 12 of 31 days (240/31).
    plus_late = (7 + 5 * daily - Fraction(240, 31)) * Fraction(9, 10)
    [invoice] = rk.bill(rk.rate(MONTH, MOVED, span=MARCH, meters=METERS, as_of=MARCH.end))
    lines = {line.entry: line for line in invoice.lines if line.meter == "data"}
    assert lines["data"].amount == cents(early) == Decimal("13.11")
    assert lines["data-15"].amount == cents(basic_late + plus_late) == Decimal("13.75")
    assert invoice.total == Decimal("13.11") + Decimal("13.75") + Decimal("2.00") + Decimal("9.30")


def test_the_detailed_invoice_shares_each_tier_among_the_sims() -> None:
    # By SIM, each line's tier lines add up per tier to the account's: sms tiers[0] under
    # basic are sim-1's 20 and sim-2's -4 (16), tiers[1] sim-1's 10 and sim-2's -10 (0).
    rating = rk.rate(MONTH, MOVED, span=MARCH, meters=METERS, as_of=MARCH.end)
    [summary] = rk.bill(rating)
    [detail] = rk.bill(rating, by_resource=True)

    def per_tier(lines: Sequence[rk.InvoiceLine]) -> dict[tuple[str, str | None], Fraction]:
        tiers: dict[tuple[str, str | None], Fraction] = defaultdict(Fraction)
        for line in lines:
            for tier in line.tiers:
                tiers[(tier.label, line.entry)] += Fraction(tier.quantity)
        return dict(tiers)

    assert per_tier(detail.lines) == per_tier(summary.lines)
    assert sum(line.amount for line in detail.lines) == summary.total
    [sim1, sim2] = [line for line in detail.lines if line.meter == "sms"]
    assert (sim1.resource, sim1.amount, sim2.resource, sim2.amount) == (
        "sim-1",
        Decimal("3.20"),
        "sim-2",
        Decimal("-1.20"),
    )


def test_a_session_over_the_dst_change_and_a_refund_over_the_month_end_in_zurich() -> None:
    # Zurich's March: the SIM starts at 23:00 CET on 28 March and reads 3 GB at 04:00 CEST
    # on the 29th (4 real hours); 7 GB at 01:00 CEST on 1 April: 4 GB over the 69 hours
    # from 02:00Z on the 29th to 23:00Z on the 31st, 68 of them in March (the month ends
    # at 22:00Z). March: 3 + 4 x 68/69 GB, 1 free, the rest at 2 (from the 15th).
    # 5 SMS at 23:30 CEST on 31 March (1.00); a refund of 2 over the hour to 00:30 CEST
    # splits -1 into each month: March 4 x 0.20 = 0.80; April's -1 has nothing of its
    # own cycle to take back: -0.20.
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    change = "2026-03-15T00:00:00+01:00"
    plan = rk.Plan(
        "z",
        "CHF",
        zurich,
        [
            rk.PriceEntry("d", "data", rk.PerUnit("1"), end=change),
            rk.PriceEntry("d15", "data", rk.PerUnit("2"), start=change),
            rk.PriceEntry("s", "sms", rk.PerUnit("0.10"), end=change),
            rk.PriceEntry("s15", "sms", rk.PerUnit("0.20"), start=change),
        ],
        allowances=[rk.Allowance("data", 1)],
    )
    records = [
        start("sim-1", "2026-03-28T23:00:00+01:00", "s1"),
        reading("sim-1", "2026-03-29T04:00:00+02:00", 3, "c1"),
        reading("sim-1", "2026-04-01T01:00:00+02:00", 7, "c2"),
        sms("sim-1", "2026-03-31T23:30:00+02:00", 5, "m1"),
        sms("sim-1", "2026-04-01T00:30:00+02:00", -2, "m2", since="2026-03-31T23:30:00+02:00"),
    ]
    span = rk.Span("2026-03-01T00:00:00+01:00", "2026-05-01T00:00:00+02:00")
    march, april = rk.bill(rk.rate(records, plan, span=span, meters=METERS, as_of=span.end))
    march_exact = (3 + Fraction(4 * 68, 69) - 1) * 2 + Fraction(4, 5)
    assert march.total == cents(march_exact) == Decimal("12.68")
    assert april.total == Decimal("-0.20")
    schedule = [
        (records[2:], "2026-03-30T00:00:00Z"),
        (records[:2], "2026-04-02T00:00:00Z"),
        ([], "2026-05-01T03:00:00Z"),
    ]
    rater = rk.Rater(plan, METERS, start=span.start, horizon=dt.timedelta(hours=3))
    sums: dict[object, Fraction] = defaultdict(Fraction)
    for records_fed, as_of in schedule:
        rater.feed(records_fed)
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, METERS)
        for line in rater.statement(as_of).lines:
            sums[line.cycle.start] += Fraction(line.amount)
    assert sums == {
        march.cycle.start: Fraction(march.precise_total),
        april.cycle.start: Fraction(-1, 5),
    }
