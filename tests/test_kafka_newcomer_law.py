"""The metering consumer of a public cloud, drawn at random, against batch and a hand oracle.

A topic of two partitions (by resource) carries Nova notifications and Ceilometer samples
(``tests/_kafka_topic.py``) for March and April 2026. Each partition is delivered in its
producer's order, which is not the order of the stamps; the consumer reads batches from
either partition, at least once: a rebalance rewinds a partition to its committed offset
(the records after it come again: duplicates), a crash restores the last snapshot (kept
as JSON text with its offsets and the set of assignments) and reads on from its offsets,
dropping the ledger written after it. Customer ``p-1`` moves from ``basic`` to ``pro`` at
a random instant: the consumer assigns the change before the first statement that passes
it, and after a crash tells its whole log of assignments again (docs/streaming.md, New
customers and plan changes). Statements come at random watermarks, never more than 27 days
past the oldest record not fed yet (a record may come after its month closed, never after
its month was compacted), and months close two days after their end.

The laws: the ledger's lines, summed per line, are one batch ``rk.rate()`` of every record
(docs/streaming.md, One engine); each account's month in batch is what the hand oracle
works out piece by piece; each closing invoice is batch's invoice of that month (plus the
late lines given after it, when a record came after the closing); and every record fed is
accounted for: in a line's provenance, an anomaly, a feed's lists or ``no_effect``
(docs/streaming.md, Exactly once).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from _kafka_topic import (
    BASIC,
    HORIZON,
    METERS,
    MONTHLY,
    NS_PER_HOUR,
    PRO,
    START,
    Oracle,
    nova,
    records_of,
    sample,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import ratekit as rk
from tests._budget import LAWS

DAYS = 61  # 1 March .. 1 May
# April closes at 3 May 00:00, May at 3 June: a late record that changed nothing is named
# in no_effect by the next closing (docs: Statement.no_effect)
FINAL = dt.datetime(2026, 6, 3, 1, tzinfo=dt.UTC)
ACCOUNTS = ["p-1", "ténant-ü"]
LineKey = tuple[object, ...]


def instant(minute: int, second: int) -> dt.datetime:
    return START + dt.timedelta(minutes=minute, seconds=second, microseconds=second * 1013)


class Truth:
    """What happened on the platform, for the oracle."""

    def __init__(self) -> None:
        self.vms: list[tuple[str, list[tuple[dt.datetime, str]], dt.datetime | None]] = []
        self.cpu: list[tuple[str, list[tuple[dt.datetime, int]]]] = []
        self.egress: list[tuple[str, dt.datetime, int]] = []


# the raw message, its stamp, and the earliest instant it reaches back to
Message = tuple[bytes, dt.datetime, dt.datetime]


@st.composite
def topics(draw: st.DrawFn) -> tuple[list[list[Message]], Truth]:
    truth = Truth()
    partitions: list[list[Message]] = [[], []]
    sent: list[list[tuple[dt.datetime, Message]]] = [[], []]
    last = DAYS * 1440
    for n in range(draw(st.integers(1, 3))):
        account = draw(st.sampled_from(ACCOUNTS))
        resource = f"vm-{n}-ø"
        created = draw(st.integers(0, last - 600))
        ends = draw(st.one_of(st.none(), st.integers(created + 60, last)))
        end = last if ends is None else ends
        flavor = draw(st.sampled_from(["m1.small", "m1.large"]))
        messages: list[Message] = []

        def notify(kind: str, minute: int, flavor: str, number: int) -> None:
            at = instant(minute, draw(st.integers(0, 59)))
            raw = nova(kind, f"{resource}/n{number}", at, account, resource, flavor)
            messages.append((json.dumps(raw).encode(), at, at))

        notify("create.end", created, flavor, 0)
        flavors = [(messages[0][1], flavor)]
        if draw(st.booleans()):
            other = "m1.large" if flavor == "m1.small" else "m1.small"
            notify("finish_resize.end", draw(st.integers(created + 1, end - 1)), other, 1)
            flavors.append((messages[-1][1], other))
        deleted = None
        if ends is not None:
            notify("delete.end", end, flavors[-1][1], 2)
            deleted = messages[-1][1]
        truth.vms.append((account, flavors, deleted))
        # the cpu counter, in ns (tenths of an hour), read at distinct minutes before the
        # delete, with a reset (a reboot) now and then
        minutes = draw(st.sets(st.integers(created + 1, end - 1), max_size=4))
        readings: list[tuple[dt.datetime, int]] = []
        value = 0
        for k, minute in enumerate(sorted(minutes)):
            if draw(st.integers(0, 4)) == 0:
                value = draw(st.integers(0, 3))
            else:
                value += draw(st.integers(0, 30))
            at = instant(minute, draw(st.integers(0, 59)))
            readings.append((at, value * NS_PER_HOUR // 10))
            raw = sample(
                f"{resource}/c{k}",
                "cpu",
                "cumulative",
                "ns",
                at,
                account,
                resource,
                value * NS_PER_HOUR // 10,
            )
            # a reading reaches back to the one before it
            reach = readings[-2][0] if len(readings) > 1 else at
            messages.append((json.dumps(raw).encode(), at, reach))
        truth.cpu.append((account, readings))
        for k in range(draw(st.integers(0, 3))):
            at = instant(draw(st.integers(created + 1, end - 1)), draw(st.integers(0, 59)))
            volume = draw(st.integers(1, 5000)) * 1_000_000
            raw = sample(f"{resource}/g{k}", "egress", "delta", "B", at, account, resource, volume)
            messages.append((json.dumps(raw).encode(), at, at))
            truth.egress.append((account, at, volume))
        # a producer sends each message soon after its stamp, some of them days later (a
        # compute host that was cut off, a retry queue)
        for message in messages:
            late = draw(st.sampled_from([0, 0, 0, 0, 0, 1, 3, 9, 20]))
            sent[n % 2].append((message[1] + dt.timedelta(days=late), message))
    for p in (0, 1):
        partitions[p] = [message for _, message in sorted(sent[p], key=lambda pair: pair[0])]
    return partitions, truth


def line_key(line: rk.StatementLine) -> LineKey:
    return (line.account, line.cycle.start, line.kind, line.plan, line.meter, line.entry)


def charge_key(charge: rk.Charge) -> LineKey:
    return (charge.account, charge.cycle.start, charge.kind, charge.plan, charge.meter)


def sums(pairs: Iterable[tuple[LineKey, object]]) -> dict[LineKey, Fraction]:
    total: dict[LineKey, Fraction] = defaultdict(Fraction)
    for key, amount in pairs:
        total[key] += Fraction(str(amount))
    return {key: value for key, value in total.items() if value}


@settings(
    max_examples=max(5, LAWS // 40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(topics(), st.one_of(st.none(), st.integers(60, (DAYS - 1) * 1440)), st.data())
def test_a_topic_consumed_at_least_once_bills_as_batch_and_as_worked_by_hand(
    topic: tuple[list[list[Message]], Truth], change_minute: int | None, data: st.DataObject
) -> None:
    partitions, truth = topic
    change = None if change_minute is None else START + dt.timedelta(minutes=change_minute)
    log = [rk.Assignment(account, BASIC, start=START) for account in ACCOUNTS]
    upgrade = None if change is None else rk.Assignment("p-1", PRO, start=change)
    rater = rk.Rater(log, METERS, start=START, horizon=HORIZON)
    assigned: tuple[rk.Assignment, ...] = tuple(log)
    upgraded = False
    positions = [0, 0]
    fed: set[tuple[int, int]] = set()
    ledger: list[rk.Statement] = []
    feeds: list[rk.Feed] = []
    watermark = START
    saved: dict[str, Any] = {
        "snapshot": json.dumps(rater.snapshot()),
        "positions": [0, 0],
        "fed": set(),
        "assigned": assigned,
        "ledger": 0,
        "feeds": 0,
        "watermark": START,
    }
    crashes = 0

    def upgrade_before(watermark: dt.datetime) -> None:
        nonlocal assigned, upgraded
        if upgrade is not None and not upgraded and change is not None and watermark > change:
            assigned = rater.assign(upgrade)
            upgraded = True

    while any(positions[p] < len(partitions[p]) for p in (0, 1)):
        p = data.draw(
            st.sampled_from([p for p in (0, 1) if positions[p] < len(partitions[p])]),
            label="partition",
        )
        size = data.draw(st.integers(1, 5), label="batch")
        batch = partitions[p][positions[p] : positions[p] + size]
        feed = rater.feed(records_of(message for message, _, _ in batch))
        assert feed.too_late == (), feed.anomalies
        assert feed.conflicting == ()
        feeds.append(feed)
        fed.update((p, positions[p] + k) for k in range(len(batch)))
        positions[p] += len(batch)
        if data.draw(st.integers(0, 5), label="rebalance") == 0:
            positions[p] = saved["positions"][p]  # read again from the committed offset
            event("rebalance")
        if data.draw(st.booleans(), label="statement"):
            waiting = [
                reach
                for q in (0, 1)
                for k, (_, _, reach) in enumerate(partitions[q])
                if (q, k) not in fed
            ]
            bound = min(min(waiting, default=FINAL) + dt.timedelta(days=27), FINAL)
            if bound >= watermark:
                most = int((bound - watermark).total_seconds()) // 60
                # as far as the feed allows (the consumer is caught up), or anywhere before
                step = data.draw(st.one_of(st.just(most), st.integers(0, most)), label="watermark")
                watermark += dt.timedelta(minutes=step)
                upgrade_before(watermark)
                ledger.append(rater.statement(watermark))
        if data.draw(st.booleans(), label="save"):
            saved = {
                "snapshot": json.dumps(rater.snapshot()),
                "positions": list(positions),
                "fed": set(fed),
                "assigned": assigned,
                "ledger": len(ledger),
                "feeds": len(feeds),
                "watermark": watermark,
            }
        if crashes < 2 and data.draw(st.integers(0, 4), label="crash") == 0:
            crashes += 1
            event("crash")
            rater = rk.Rater.restore(json.loads(saved["snapshot"]), saved["assigned"], METERS)
            positions = list(saved["positions"])
            fed = set(saved["fed"])
            del ledger[saved["ledger"] :]
            del feeds[saved["feeds"] :]
            watermark = saved["watermark"]
            # the host's log of plan changes outlives the crash: tell it whole again
            assigned = rater.assign(*log, *([upgrade] if upgraded and upgrade else []))
    upgrade_before(FINAL)
    event("upgraded" if upgraded else "one plan")
    event(f"duplicates: {min(sum(len(feed.duplicates) for feed in feeds), 3)}")
    ledger.append(rater.statement(FINAL))

    every = records_of(message for partition in partitions for message, _, _ in partition)
    batch = rk.rate(
        every,
        assigned,
        span=rk.Span(START, MONTHLY.containing(FINAL).end),
        meters=METERS,
        as_of=FINAL,
    )
    # 1. the ledger is one batch rating, line by line
    assert sums(
        (line_key(line), line.amount) for statement in ledger for line in statement.lines
    ) == sums(
        ((c.account, c.cycle.start, c.kind, c.plan, c.meter, c.entry), c.amount)
        for c in batch.charges
    )
    # 2. batch is the hand oracle, per account and month (a counter's increment is cut
    # in time and rounded at 1E-24 per cut, as docs/streaming.md says)
    oracle = Oracle({"p-1": [(START, "basic")] + ([(change, "pro")] if change else [])})
    oracle.plans = {**oracle.plans, "ténant-ü": [(START, "basic")]}
    for account in ACCOUNTS:
        oracle.fees(account, START, FINAL)
    for account, flavors, deleted in truth.vms:
        ends = [at for at, _ in flavors[1:]] + [deleted or FINAL]
        for (start, flavor), end in zip(flavors, ends, strict=True):
            oracle.running(account, start, end, flavor, FINAL)
    for account, readings in truth.cpu:
        oracle.counter(account, readings, FINAL)
    for account, at, volume in truth.egress:
        oracle.delta(account, at, volume, FINAL)
    by_month = sums(((c.account, c.cycle.start), c.amount) for c in batch.charges)
    for key in set(by_month) | set(oracle.amounts):
        assert abs(by_month.get(key, Fraction(0)) - oracle.amounts[key]) < Fraction(1, 10**18), key
    # 3. each closing invoice is batch's, or batch's less the late lines given after it
    billed = {(invoice.account, invoice.cycle.start): invoice for invoice in rk.bill(batch)}
    closing: dict[tuple[str, dt.datetime], tuple[int, rk.Invoice]] = {}
    for number, statement in enumerate(ledger):
        for invoice in statement.invoices:
            closing[invoice.account, invoice.cycle.start] = (number, invoice)
    assert {key for key in billed if key[1] < dt.datetime(2026, 6, 1, tzinfo=dt.UTC)} == set(
        closing
    )
    for key, (number, invoice) in closing.items():
        after = sum(
            (
                Fraction(line.amount)
                for statement in ledger[number + 1 :]
                for line in statement.lines
                if (line.account, line.cycle.start) == key
            ),
            Fraction(0),
        )
        assert Fraction(invoice.precise_total) + after == Fraction(billed[key].precise_total)
        event("a month corrected after its closing" if after else "a month closed as batch")
        if not after:
            assert invoice.total == billed[key].total
            assert [(line.entry, line.quantity, line.amount) for line in invoice.lines] == [
                (line.entry, line.quantity, line.amount) for line in billed[key].lines
            ]
    # 4. every record fed is accounted for
    named: set[str] = set()
    for statement in ledger:
        named.update(str(i) if isinstance(i, str) else str(i[0]) for i in statement.no_effect)
        for anomaly in statement.anomalies:
            named.update(anomaly.record_ids)
        for line in statement.lines:
            named.update(line.record_ids)
        for invoice in statement.invoices:
            for invoice_line in invoice.lines:
                for charge in invoice_line.charges:
                    named.update(charge.record_ids)
    for feed in feeds:
        named.update(feed.duplicates)
        named.update(feed.conflicting)
        named.update(feed.too_late)
        for anomaly in feed.anomalies:
            named.update(anomaly.record_ids)
    ids = {record.id for record in every if record.id is not None}
    assert ids <= named, sorted(ids - named)
