"""A provider's metering backend streaming a topic into the rater, checked by hand.

The consumer of an Exoscale-like platform (seed 000): a topic of VM lifecycle events and
egress samples, partitioned by resource, and an inventory of every running VM each day at
midnight (UTC), used as a logical clock and to close VMs whose delete was lost
(``close="last_seen"``). The consumer feeds the rater batch by batch as they arrive,
asks a statement each day, stores the snapshot with its offset and restarts from it
(re-reading what came after: the replays are duplicates). Every figure below is worked
by hand; the ledger of statement lines is also checked against one batch ``rk.rate()``
of every record (docs/streaming.md: the statements add up, per account, cycle and line,
to one batch rating of all the records).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

UTC = dt.UTC
ZURICH = "Europe/Zurich"
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = [VM, EGRESS]
MONTHLY = rk.cycles.monthly(tz=ZURICH)
# March 2026 in Zurich: 2026-02-28T23:00Z .. 2026-03-31T22:00Z, 743 hours (DST on the 29th).
MARCH = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
APRIL = rk.Span("2026-03-31T22:00:00Z", "2026-04-30T22:00:00Z")


def exo_plan(
    cycle: rk.cycles.Cycle, small_up_to: int, change: str, free_gb: int, fee: object
) -> rk.Plan:
    """Exoscale-like prices: small VMs tiered (``small_up_to`` hours at 0.05, then 0.03),
    large VMs 0.20 an hour then 0.16 from ``change``, ``free_gb`` GB of egress free then
    0.02, and a support fee."""
    return rk.Plan(
        "exo",
        "CHF",
        cycle,
        [
            # small VMs: tiered per account and cycle (the tiers carry over the cycle)
            rk.PriceEntry(
                "small",
                "vm.hours",
                rk.Graduated([rk.Tier(small_up_to, "0.05"), rk.Tier(None, "0.03")]),
                where={"flavor": "small"},
            ),
            # large VMs: a price change mid-cycle
            rk.PriceEntry(
                "large", "vm.hours", rk.PerUnit("0.20"), where={"flavor": "large"}, end=change
            ),
            rk.PriceEntry(
                "large2", "vm.hours", rk.PerUnit("0.16"), where={"flavor": "large"}, start=change
            ),
            # egress: free_gb GB free per account and cycle, then 0.02
            rk.PriceEntry(
                "egress", "egress", rk.Graduated([rk.Tier(free_gb, "0"), rk.Tier(None, "0.02")])
            ),
        ],
        fees=[rk.Fee("support", fee)],  # type: ignore[arg-type]
    )


# the large VMs' price changes on 15 March 00:00 UTC, mid-cycle
EXO = exo_plan(MONTHLY, 100, "2026-03-15T00:00:00Z", 10, 31)

LineKey = tuple[object, ...]


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def line_key(line: rk.StatementLine) -> LineKey:
    return (
        line.account,
        line.cycle.start,
        line.kind,
        line.plan,
        line.meter,
        line.entry,
        line.resource,
    )


def charge_key(charge: rk.Charge) -> LineKey:
    return (
        charge.account,
        charge.cycle.start,
        charge.kind,
        charge.plan,
        charge.meter,
        charge.entry,
        charge.resource,
    )


def ledger_sums(statements: Iterable[rk.Statement]) -> dict[LineKey, Fraction]:
    sums: dict[LineKey, Fraction] = defaultdict(Fraction)
    for statement in statements:
        for line in statement.lines:
            sums[line_key(line)] += Fraction(line.amount)
    return {key: value for key, value in sums.items() if value}


def batch_sums(rating: rk.Rating) -> dict[LineKey, Fraction]:
    sums: dict[LineKey, Fraction] = defaultdict(Fraction)
    for charge in rating.charges:
        sums[charge_key(charge)] += Fraction(charge.amount)
    return {key: value for key, value in sums.items() if value}


def platform() -> list[rk.Event | rk.Sample | rk.Inventory]:
    """March on the platform: acme's two VMs (one delete lost), beta from 28 March."""
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("acme", "vm-1", at(2, 8), {"flavor": "small"}, kind="start", id="a1"),
        rk.Sample("acme", "vm-1", "egress", at(3, 6), 4, id="g2"),
        rk.Event("acme", "vm-1", at(20, 8), kind="stop", id="a2"),
        rk.Event("acme", "vm-2", at(10), {"flavor": "large"}, kind="start", id="b1"),
        rk.Sample("acme", "vm-2", "egress", at(17, 6), 25, id="g1"),
        # vm-2's delete (17 March) was lost: the inventory of 18 March closes it at its last
        # sign of life, the sample of 17 March 06:00.
        # beta, a new customer, at 28 March 22:00 UTC (23:00 in Zurich), over the DST change
        rk.Event("beta", "vm-3", at(28, 22), {"flavor": "small"}, kind="start", id="c1"),
    ]
    for day in range(1, 32):
        listed: dict[tuple[str, str], dict[str, str]] = {}
        if at(2, 8) <= at(day) < at(20, 8):
            listed["acme", "vm-1"] = {"flavor": "small"}
        if at(10) <= at(day) <= at(17):
            listed["acme", "vm-2"] = {"flavor": "large"}
        if at(day) > at(28, 22):
            listed["beta", "vm-3"] = {"flavor": "small"}
        records.append(rk.Inventory(at(day), listed, close="last_seen", id=f"inv-03-{day:02}"))
    records.append(
        rk.Inventory(
            at(1, month=4),
            {("beta", "vm-3"): {"flavor": "small"}},
            close="last_seen",
            id="inv-04-01",
        )
    )
    return records


def topic(
    records: Sequence[rk.Event | rk.Sample | rk.Inventory],
) -> list[list[rk.Event | rk.Sample | rk.Inventory]]:
    """The topic read a day at a time: each day's records (to the next midnight's inventory).

    Every record is delivered in the batch of its day, but vm-1's STOP of 20 March 08:00,
    which its partition delivers three days late (after the statement of 21 March: a
    correction of a reported line).
    """
    days: dict[dt.date, list[rk.Event | rk.Sample | rk.Inventory]] = defaultdict(list)
    for record in records:
        delivered = record.at + dt.timedelta(days=3) if record.id == "a2" else record.at
        days[delivered.date()].append(record)
    return [days[day] for day in sorted(days)]


def test_a_month_of_the_topic_rated_as_it_comes_adds_up_to_batch_and_to_hand() -> None:
    records = platform()
    batches = topic(records)
    rater = rk.Rater(EXO, METERS, start=MARCH.start, horizon=dt.timedelta(days=1), tz=ZURICH)
    ledger: dict[int, rk.Statement] = {}
    feeds: list[rk.Feed] = []
    stored = (json.dumps(rater.snapshot()), 0, 0)
    offset, number = 0, 0
    crashed = False
    while offset < len(batches):
        batch = batches[offset]
        feeds.append(rater.feed(batch))
        offset += 1
        # the watermark: one hour after the day's midnight inventory was read
        watermark = max(record.at for record in batch) + dt.timedelta(hours=1)
        number += 1
        ledger[number] = rater.statement(watermark)
        stored = (json.dumps(rater.snapshot()), offset, number)
        if offset == 15 and not crashed:
            # the process dies after the save of day 15; it restarts from the store and
            # re-reads the last three batches (the topic's offset was committed late)
            crashed = True
            snapshot, offset, number = stored
            rater = rk.Rater.restore(json.loads(snapshot), EXO, METERS)
            replays = [rater.feed(batches[back]) for back in range(offset - 3, offset)]
            assert all(replay.accepted == () and replay.late == () for replay in replays)
            assert sum(replay.counts.get("duplicates", 0) for replay in replays) == sum(
                len(batches[back]) for back in range(offset - 3, offset)
            )
    final = dt.datetime(2026, 4, 2, tzinfo=UTC)
    ledger[number + 1] = rater.statement(final)

    # The late STOP: the statement after it reverses vm-1's small line and gives it anew.
    roles = [
        (line.role, line.resource)
        for statement in ledger.values()
        for line in statement.lines
        if line.role in ("reversal", "correction")
    ]
    assert ("reversal", "vm-1") in roles
    assert ("correction", "vm-1") in roles

    # March closed once (its end 31 March 22:00 UTC plus one day of horizon), two invoices.
    closing = [statement for statement in ledger.values() if statement.closed]
    assert [statement.closed for statement in closing] == [(MARCH,)]
    invoices = {invoice.account: invoice for invoice in closing[0].invoices}
    # acme: fee 31
    #   vm-1 small 2 Mar 08:00 .. 20 Mar 08:00 = 432 h: 100 * 0.05 + 332 * 0.03 = 5 + 9.96 = 14.96
    #   vm-2 large 10 Mar 00:00 .. 15 Mar 00:00 = 120 h * 0.20 = 24.00,
    #              15 Mar 00:00 .. 17 Mar 06:00 (its last sign of life) = 54 h * 0.16 = 8.64
    #   egress 4 + 25 = 29 GB: vm-1's 4 free, vm-2's 6 free then 19 * 0.02 = 0.38
    #   31 + 14.96 + 24.00 + 8.64 + 0.38 = 78.98
    assert invoices["acme"].total == Decimal("78.98")
    # beta: from 28 Mar 22:00 UTC to 31 Mar 22:00 UTC is 72 hours (73 on the wall clock: the
    # clocks went forward on 29 March): 72 * 0.05 = 3.60, and March's fee in full, 31
    assert invoices["beta"].total == Decimal("34.60")

    # The ledger adds up, per line, to batch rate() of every record as of the last watermark.
    rating = rk.rate(records, EXO, span=rk.Span(MARCH.start, APRIL.end), meters=METERS, as_of=final)
    assert ledger_sums(ledger.values()) == batch_sums(rating)
    # April so far: 26 hours (31 Mar 22:00 .. 2 Apr 00:00 UTC) of 720; each account's fee
    # 31 * 26/720 = 1.119444..., carried to 60 significant digits; beta's VM 26 * 0.05 = 1.30
    with decimal.localcontext(prec=60):
        fee = Fraction(Decimal(31 * 26) / 720)
    april = {
        key: value for key, value in ledger_sums(ledger.values()).items() if key[1] == APRIL.start
    }
    assert april == {
        ("acme", APRIL.start, "fee", "exo", "support", "support", None): fee,
        ("beta", APRIL.start, "fee", "exo", "support", "support", None): fee,
        ("beta", APRIL.start, "usage", "exo", "vm.hours", "small", "vm-3"): Fraction(13, 10),
    }

    # The lost delete: one reconciled_close for vm-2, said once across the stream, at its
    # last sign of life.
    said = [anomaly for statement in ledger.values() for anomaly in statement.anomalies]
    closes = [
        anomaly
        for anomaly in said
        if anomaly.kind == "reconciled_close" and anomaly.resource == "vm-2"
    ]
    assert len(closes) == 1
    assert closes[0].at == at(17, 6)


def test_every_record_of_the_closed_month_is_accounted_for_once() -> None:
    """docs/streaming.md, Exactly once: a charge's provenance, an anomaly, a feed's lists
    or the statement's no_effect; none of them lost."""
    records = platform()
    rater = rk.Rater(EXO, METERS, start=MARCH.start, horizon=dt.timedelta(days=1), tz=ZURICH)
    statements: list[rk.Statement] = []
    feeds: list[rk.Feed] = []
    for batch in topic(records):
        feeds.append(rater.feed(batch))
        feeds.append(rater.feed(batch[:2]))  # a replay of the batch's first records
        statements.append(
            rater.statement(max(record.at for record in batch) + dt.timedelta(hours=1))
        )
    statements.append(rater.statement("2026-04-02T00:00:00Z"))
    fed = {record.id for record in records if record.id is not None}
    accepted = [ident for feed in feeds for ident in feed.accepted + feed.late]
    assert sorted(accepted) == sorted(fed)  # each taken exactly once
    assert {ident for feed in feeds for ident in feed.duplicates} <= fed
    assert not any(feed.conflicting or feed.too_late for feed in feeds)
    (closing,) = [statement for statement in statements if statement.closed]
    in_charges = {
        ident
        for invoice in closing.invoices
        for line in invoice.lines
        for charge in line.charges
        for ident in charge.record_ids
    }
    in_anomalies = {
        ident
        for statement in statements
        for anomaly in statement.anomalies
        for ident in anomaly.record_ids
    }
    no_effect = {ident for statement in statements for ident in statement.no_effect}
    march = {record.id for record in records if MARCH.start <= record.at < MARCH.end}
    assert march <= in_charges | in_anomalies | no_effect
    # the STARTs and samples of March are named by the charges they made; the STOP fed
    # late (after the inventory of 21 March had closed vm-1 at its listing of 20 March)
    # moved that closing to itself, and is named as no_effect (the charge names the
    # inventory that closes the piece, as batch rate() names it)
    assert {"a1", "b1", "g1", "g2", "c1"} <= in_charges
    assert "a2" in no_effect | in_anomalies


def test_tiers_carry_over_statements_and_restores_never_restart() -> None:
    """One VM all March in Zurich, stated every ~10 days and restored each time."""
    rater = rk.Rater(EXO, METERS, start=MARCH.start, tz=ZURICH)
    rater.feed([rk.Event("acme", "vm-1", MARCH.start, {"flavor": "small"}, kind="start", id="s")])
    amounts: list[Decimal] = []
    for watermark in (at(3, 11), at(10), at(20), MARCH.end):
        statement = rater.statement(watermark)
        amounts.extend(line.amount for line in statement.lines if line.kind == "usage")
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), EXO, METERS)
    # 28 Feb 23:00 .. 3 Mar 11:00 = 60 h: 60 * 0.05 = 3.00
    # .. 10 Mar 00:00 = 157 h more: 40 * 0.05 + 117 * 0.03 = 2.00 + 3.51 = 5.51
    # .. 20 Mar 00:00 = 240 h more: 240 * 0.03 = 7.20
    # .. 31 Mar 22:00 = 286 h more: 286 * 0.03 = 8.58 (743 hours in all)
    assert amounts == [Decimal("3.00"), Decimal("5.51"), Decimal("7.20"), Decimal("8.58")]
    # one rating of the month: 100 * 0.05 + 643 * 0.03 = 5 + 19.29 = 24.29
    assert sum(amounts) == Decimal("24.29")


def test_a_daily_cycle_in_zurich_lasts_23_hours_on_29_march_and_25_on_25_october() -> None:
    daily = rk.Plan(
        "d",
        "CHF",
        rk.cycles.daily(tz=ZURICH),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5"))],
        fees=[rk.Fee("day", 24)],
    )
    for start, end, hours in (
        ("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 23),
        ("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", 25),
    ):
        rater = rk.Rater(daily, [VM], start=start, tz=ZURICH)
        rater.feed([rk.Event("acme", "vm-1", start, kind="start", id="s")])
        half = rater.statement(dt.datetime.fromisoformat(start) + dt.timedelta(hours=12))
        # 12 h * 0.5 = 6.0; the fee prorated by seconds: 24 * 12/hours (12.5217... over 23
        # hours, carried to 60 digits; 11.52 over 25)
        with decimal.localcontext(prec=60):
            fee = Decimal(24 * 12) / hours
        assert {line.kind: line.amount for line in half.lines} == {
            "usage": Decimal("6.0"),
            "fee": fee,
        }
        closing = rater.statement(end)
        (invoice,) = closing.invoices
        assert closing.closed == (rk.Span(start, end),)
        # the day: hours * 0.5 and the whole fee 24
        assert invoice.total == Decimal(hours) / 2 + 24
        assert str(invoice).splitlines()[0].startswith("Invoice acme, 2026-")


def test_a_plan_change_a_price_change_and_a_new_customer_mid_cycle() -> None:
    basic = rk.Plan(
        "basic",
        "CHF",
        MONTHLY,
        [
            rk.PriceEntry(
                "vm", "vm.hours", rk.Graduated([rk.Tier(100, "0.10"), rk.Tier(None, "0.06")])
            )
        ],
        fees=[rk.Fee("base", "7.43")],
    )
    pro = rk.Plan(
        "pro",
        "CHF",
        MONTHLY,
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"), end="2026-03-25T23:00:00Z"),
            rk.PriceEntry("vm2", "vm.hours", rk.PerUnit("0.04"), start="2026-03-25T23:00:00Z"),
        ],
        fees=[rk.Fee("pro", "74.3")],
    )
    records = [
        rk.Event("acme", "vm-1", MARCH.start, kind="start", id="a1"),
        rk.Event("beta", "vm-9", "2026-03-12T23:00:00Z", kind="start", id="b1"),
    ]
    rater = rk.Rater([rk.Assignment("acme", basic)], [VM], start=MARCH.start, tz=ZURICH)
    rater.feed(records[:1])
    first = rater.statement("2026-03-10T23:00:00Z")
    # 240 h: 100 * 0.10 + 140 * 0.06 = 18.40; the fee 7.43 * 240/743 = 2.4 (0.01 an hour)
    assert sorted((line.kind, line.amount) for line in first.lines) == [
        ("fee", Decimal("2.4")),
        ("usage", Decimal("18.40")),
    ]
    assigned = rater.assign(
        rk.Assignment("beta", basic, start="2026-03-10T23:00:00Z"),
        rk.Assignment("acme", pro, start="2026-03-15T23:00:00Z"),
    )
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, [VM])
    rater.feed(records)  # the START of acme again: a duplicate
    closing = rater.statement(MARCH.end)
    invoices = {invoice.account: invoice.total for invoice in closing.invoices}
    # acme: basic 360 h (to 15 Mar 23:00): 10.00 + 260 * 0.06 = 25.60; its fee 360 * 0.01 = 3.60
    #       pro 383 h: 240 * 0.05 = 12.00 to 25 Mar 23:00, 143 * 0.04 = 5.72; fee 74.3 * 383/743 = 38.30
    #       25.60 + 3.60 + 12.00 + 5.72 + 38.30 = 85.22
    # beta: from 12 Mar 23:00: 455 h: 10.00 + 355 * 0.06 = 31.30; fee from 10 Mar 23:00: 503 * 0.01 = 5.03
    assert invoices == {"acme": Decimal("85.22"), "beta": Decimal("36.33")}
    batch = rk.rate(records, assigned, span=MARCH, meters=[VM], as_of=MARCH.end)
    assert ledger_sums([first, closing]) == batch_sums(batch)


def test_a_record_later_than_the_horizon_is_too_late_and_named_with_its_quantity() -> None:
    """Daily cycles, six hours of horizon: a sample of 1 March fed on 3 March 12:00."""
    daily = rk.Plan(
        "d", "CHF", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("gb", "egress", rk.PerUnit("0.02"))]
    )
    rater = rk.Rater(daily, [EGRESS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=6))
    rater.feed([rk.Sample("acme", "vm-1", "egress", at(1, 10), 10, id="s1")])
    rater.statement(at(3, 7))  # 1 March closed at 2 March 06:00, compacted at 3 March 06:00
    late = rater.feed([rk.Sample("acme", "vm-1", "egress", at(2, 10), 3, id="s2")])
    assert late.late == ("s2",)  # 2 March is closed but kept
    too_late = rater.feed([rk.Sample("acme", "vm-1", "egress", at(1, 12), 5, id="s3")])
    assert (too_late.accepted, too_late.late, too_late.too_late) == ((), (), ("s3",))
    (anomaly,) = too_late.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity, anomaly.record_ids) == (
        "too_late",
        "egress",
        Decimal(5),
        ("s3",),
    )
    assert "'s3'" in anomaly.message
    statement = rater.statement(at(3, 8))
    # the late sample is a charge of the closed 2 March (3 * 0.02 = 0.06), marked late
    assert [(line.role, line.cycle.start, line.amount, line.late) for line in statement.lines] == [
        ("charge", at(2), Decimal("0.06"), True)
    ]
    # the same record fed again, after a restore, is not named twice
    again = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), daily, [EGRESS])
    replay = again.feed([rk.Sample("acme", "vm-1", "egress", at(1, 12), 5, id="s3")])
    assert (replay.duplicates, replay.too_late, replay.anomalies) == (("s3",), (), ())


def test_a_stop_that_moves_a_last_seen_closing_is_not_no_effect() -> None:
    daily = rk.Plan(
        "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
    )
    rater = rk.Rater(daily, [VM], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("acme", "vm-1", at(1), kind="start", id="go"),
            rk.Inventory(at(1, 6), [("acme", "vm-1")], close="last_seen", id="i6"),
            rk.Inventory(at(1, 12), [], close="last_seen", id="i12"),
        ]
    )
    # closed at its last sign of life, the listing of 06:00: 6 h
    assert [line.amount for line in rater.statement(at(1, 13)).lines] == [Decimal(6)]
    rater.feed([rk.Event("acme", "vm-1", at(1, 9), kind="stop", id="off")])
    # the STOP of 09:00 is its last sign of life now: 9 h, reversal -6 and correction 9
    moved = rater.statement(at(1, 14))
    assert [(line.role, line.amount) for line in moved.lines] == [
        ("reversal", Decimal(-6)),
        ("correction", Decimal(9)),
    ]
    # the closing moved: said again at 09:00, about 'off' (batch rate() names it there)
    assert [(a.kind, a.record_ids, a.at) for a in moved.anomalies] == [
        ("reconciled_close", ("off", "i12"), at(1, 9))
    ]
    closing = rater.statement(at(2))
    assert closing.invoices[0].total == Decimal("9.00")
    # docs/streaming.md, What a feed and a statement say of each record: no_effect holds
    # records that "changed nothing priced"; 'off' added 3 hours (batch rate() names it
    # in its reconciled_close anomaly; the stream said that anomaly before 'off' came)
    assert "off" not in closing.no_effect
    # nor is the listing at 06:00 there: the first closing named it ('i6' was its last
    # sign of life then)
    assert closing.no_effect == ()
