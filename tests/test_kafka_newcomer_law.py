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

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._kafka_topic import (
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

import ratekit as rk

DAYS = 61  # 1 March .. 1 May
# April closes at 3 May 00:00, May at 3 June: a late record that changed nothing is named
# in no_effect by the next closing (docs: Statement.no_effect)
FINAL = dt.datetime(2026, 6, 3, 1, tzinfo=dt.UTC)
ACCOUNTS = ["p-1", "ténant-ü"]
SIZES = ["m1.small", "m1.large"]
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


def vm_messages(draw: st.DrawFn, n: int, truth: Truth) -> list[Message]:
    """One VM's messages: created, perhaps resized, perhaps deleted; its cpu counter, in
    ns (tenths of an hour), read at distinct minutes up to half an hour after the delete
    (Ceilometer's last poll comes after Nova's delete.end: charged, and an "after_delete"
    anomaly), with a reset (a reboot) now and then; its egress deltas, in bytes."""
    last = DAYS * 1440
    account = draw(st.sampled_from(ACCOUNTS))
    resource = f"vm-{n}-ø"
    created = draw(st.integers(0, last - 600))
    ends = draw(st.one_of(st.none(), st.integers(created + 60, last)))
    end = last if ends is None else ends
    flavors = [(instant(created, draw(st.integers(0, 59))), draw(st.sampled_from(SIZES)))]
    if draw(st.booleans()):
        other = SIZES[1 - SIZES.index(flavors[0][1])]
        flavors.append((instant(draw(st.integers(created + 1, end - 1)), 0), other))
    deleted = None if ends is None else instant(end, draw(st.integers(0, 59)))
    truth.vms.append((account, flavors, deleted))
    told = [("create.end", *flavors[0])] + [("finish_resize.end", *f) for f in flavors[1:]]
    if deleted is not None:
        told.append(("delete.end", deleted, flavors[-1][1]))
    messages: list[Message] = []
    for number, (kind, at, flavor) in enumerate(told):
        raw = nova(
            kind, f"{resource}/n{number}", at, account=account, resource=resource, flavor=flavor
        )
        messages.append((json.dumps(raw).encode(), at, at))
    readings: list[tuple[dt.datetime, int]] = []
    value = 0
    for k, minute in enumerate(
        sorted(draw(st.sets(st.integers(created + 1, min(end + 30, DAYS * 1440 - 1)), max_size=4)))
    ):
        if draw(st.integers(0, 4)) == 0:
            value = draw(st.integers(0, 3))
        else:
            value += draw(st.integers(0, 30))
        at = instant(minute, draw(st.integers(0, 59)))
        readings.append((at, value * NS_PER_HOUR // 10))
        raw = sample(
            f"{resource}/c{k}",
            at,
            name="cpu",
            kind="cumulative",
            unit="ns",
            account=account,
            resource=resource,
            volume=value * NS_PER_HOUR // 10,
        )
        # a reading reaches back to the one before it
        messages.append((json.dumps(raw).encode(), at, readings[-2:][0][0]))
    truth.cpu.append((account, readings))
    for k in range(draw(st.integers(0, 3))):
        at = instant(draw(st.integers(created + 1, end - 1)), draw(st.integers(0, 59)))
        volume = draw(st.integers(1, 5000)) * 1_000_000
        raw = sample(
            f"{resource}/g{k}",
            at,
            name="egress",
            kind="delta",
            unit="B",
            account=account,
            resource=resource,
            volume=volume,
        )
        messages.append((json.dumps(raw).encode(), at, at))
        truth.egress.append((account, at, volume))
    return messages


@st.composite
def topics(draw: st.DrawFn) -> tuple[list[list[Message]], Truth]:
    truth = Truth()
    sent: list[list[tuple[dt.datetime, Message]]] = [[], []]
    for n in range(draw(st.integers(1, 3))):
        # a producer sends each message soon after its stamp, some of them days later (a
        # compute host that was cut off, a retry queue)
        for message in vm_messages(draw, n, truth):
            late = draw(st.sampled_from([0, 0, 0, 0, 0, 1, 3, 9, 20]))
            sent[n % 2].append((message[1] + dt.timedelta(days=late), message))
    partitions = [
        [message for _, message in sorted(sent[p], key=lambda pair: pair[0])] for p in (0, 1)
    ]
    return partitions, truth


def line_key(line: rk.StatementLine) -> LineKey:
    return (line.account, line.cycle.start, line.kind, line.plan, line.meter, line.entry)


def charge_key(charge: rk.Charge) -> LineKey:
    return (
        charge.account,
        charge.cycle.start,
        charge.kind,
        charge.plan,
        charge.meter,
        charge.entry,
    )


def sums(pairs: Iterable[tuple[LineKey, object]]) -> dict[LineKey, Fraction]:
    total: dict[LineKey, Fraction] = defaultdict(Fraction)
    for key, amount in pairs:
        total[key] += Fraction(str(amount))
    return {key: value for key, value in total.items() if value}


class Consumer:
    """The host: a rater, its offsets, its ledger, and what it stored with its snapshot."""

    def __init__(self, partitions: list[list[Message]], change: dt.datetime | None) -> None:
        self.partitions = partitions
        self.log = [rk.Assignment(account, BASIC, start=START) for account in ACCOUNTS]
        self.change = change
        self.upgraded = False
        self.rater = rk.Rater(self.log, METERS, start=START, horizon=HORIZON)
        self.assigned: tuple[rk.Assignment, ...] = tuple(self.log)
        self.positions = [0, 0]
        self.fed: set[tuple[int, int]] = set()
        self.seen: set[str] = set()
        self.ledger: list[rk.Statement] = []
        self.feeds: list[rk.Feed] = []
        self.watermark = START
        self.saved: dict[str, Any] = {}
        self.save()

    def upgrade(self) -> list[rk.Assignment]:
        return [] if self.change is None else [rk.Assignment("p-1", PRO, start=self.change)]

    def read(self, p: int, size: int) -> None:
        batch = self.partitions[p][self.positions[p] : self.positions[p] + size]
        records = records_of(message for message, _, _ in batch)
        feed = self.rater.feed(records)
        # only a replay of a record fed before its cycle was compacted is too late (a
        # rebalance back to an old commit), and its anomaly says it may be one
        assert set(feed.too_late) <= self.seen, feed.anomalies
        for anomaly in feed.anomalies:
            if anomaly.kind == "too_late":
                assert "replay" in anomaly.message
                event("a replay too late")
        assert feed.conflicting == ()
        self.seen.update(record.id for record in records if record.id is not None)
        self.feeds.append(feed)
        self.fed.update((p, self.positions[p] + k) for k in range(len(batch)))
        self.positions[p] += len(batch)

    def bound(self) -> dt.datetime:
        """No further than 27 days past the oldest instant a record not fed yet reaches."""
        waiting = [
            reach
            for q in (0, 1)
            for k, (_, _, reach) in enumerate(self.partitions[q])
            if (q, k) not in self.fed
        ]
        return min(min(waiting, default=FINAL) + dt.timedelta(days=27), FINAL)

    def statement(self, watermark: dt.datetime) -> None:
        # the plan change is assigned before the first statement that passes it
        if self.change is not None and not self.upgraded and watermark > self.change:
            self.assigned = self.rater.assign(*self.upgrade())
            self.upgraded = True
        self.watermark = watermark
        self.ledger.append(self.rater.statement(watermark))

    def save(self) -> None:
        self.saved = {
            "snapshot": json.dumps(self.rater.snapshot()),
            "positions": list(self.positions),
            "fed": set(self.fed),
            "seen": set(self.seen),
            "assigned": self.assigned,
            "ledger": len(self.ledger),
            "feeds": len(self.feeds),
            "watermark": self.watermark,
        }

    def crash(self) -> None:
        saved = self.saved
        self.rater = rk.Rater.restore(json.loads(saved["snapshot"]), saved["assigned"], METERS)
        self.positions = list(saved["positions"])
        self.fed = set(saved["fed"])
        self.seen = set(saved["seen"])
        del self.ledger[saved["ledger"] :]
        del self.feeds[saved["feeds"] :]
        self.watermark = saved["watermark"]
        # the host's log of plan changes outlives the crash: tell it whole again
        told = self.log + (self.upgrade() if self.upgraded else [])
        self.assigned = self.rater.assign(*told)

    def waiting(self) -> list[int]:
        return [p for p in (0, 1) if self.positions[p] < len(self.partitions[p])]


def consume(consumer: Consumer, data: st.DataObject) -> None:
    crashes = 0
    while waiting := consumer.waiting():
        p = data.draw(st.sampled_from(waiting), label="partition")
        consumer.read(p, data.draw(st.integers(1, 5), label="batch"))
        if data.draw(st.integers(0, 5), label="rebalance") == 0:
            # read again from the committed offset
            consumer.positions[p] = consumer.saved["positions"][p]
            event("rebalance")
        bound = consumer.bound()
        if data.draw(st.booleans(), label="statement") and bound >= consumer.watermark:
            most = int((bound - consumer.watermark).total_seconds()) // 60
            # as far as the feed allows (the consumer is caught up), or anywhere before
            step = data.draw(st.one_of(st.just(most), st.integers(0, most)), label="watermark")
            consumer.statement(consumer.watermark + dt.timedelta(minutes=step))
        if data.draw(st.booleans(), label="save"):
            consumer.save()
        if crashes < 2 and data.draw(st.integers(0, 4), label="crash") == 0:
            crashes += 1
            event("crash")
            consumer.crash()
    consumer.statement(FINAL)
    event("upgraded" if consumer.upgraded else "one plan")
    event(f"duplicates: {min(sum(len(feed.duplicates) for feed in consumer.feeds), 3)}")


def oracle_of(truth: Truth, change: dt.datetime | None) -> Oracle:
    oracle = Oracle(
        {
            "p-1": [(START, "basic")] + ([(change, "pro")] if change else []),
            "ténant-ü": [(START, "basic")],
        }
    )
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
    return oracle


def check_closings(ledger: list[rk.Statement], batch: rk.Rating) -> None:
    """Each closing invoice is batch's, or batch's less the late lines given after it."""
    billed = {(invoice.account, invoice.cycle.start): invoice for invoice in rk.bill(batch)}
    closing: dict[tuple[str, dt.datetime], tuple[int, rk.Invoice]] = {}
    for number, statement in enumerate(ledger):
        for invoice in statement.invoices:
            closing[invoice.account, invoice.cycle.start] = (number, invoice)
    assert {key for key in billed if key[1] < dt.datetime(2026, 6, 1, tzinfo=dt.UTC)} == set(
        closing
    )
    for key, (number, invoice) in closing.items():
        late = [
            line
            for statement in ledger[number + 1 :]
            for line in statement.lines
            if (line.account, line.cycle.start) == key
        ]
        after = sum((Fraction(line.amount) for line in late), Fraction(0))
        assert Fraction(invoice.precise_total) + after == Fraction(billed[key].precise_total)
        event("a month corrected after its closing" if late else "a month closed as batch")
        if not late:
            # (a record that came after the closing may add a line of 0.00 to batch's)
            assert invoice.total == billed[key].total
            assert [(line.entry, line.quantity, line.amount) for line in invoice.lines] == [
                (line.entry, line.quantity, line.amount) for line in billed[key].lines
            ]


def named_by(ledger: list[rk.Statement], feeds: list[rk.Feed]) -> set[str]:
    """Every id a charge, line, anomaly, feed list or ``no_effect`` names."""
    named: set[str] = set()
    for statement in ledger:
        named.update(str(i) if isinstance(i, str) else str(i[0]) for i in statement.no_effect)
        named.update(i for anomaly in statement.anomalies for i in anomaly.record_ids)
        named.update(i for line in statement.lines for i in line.record_ids)
        named.update(
            i
            for invoice in statement.invoices
            for invoice_line in invoice.lines
            for charge in invoice_line.charges
            for i in charge.record_ids
        )
    for feed in feeds:
        named.update(feed.duplicates, feed.conflicting, feed.too_late)
        named.update(i for anomaly in feed.anomalies for i in anomaly.record_ids)
    return named


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
    consumer = Consumer(partitions, change)
    consume(consumer, data)
    every = records_of(message for partition in partitions for message, _, _ in partition)
    batch = rk.rate(
        every,
        consumer.assigned,
        span=rk.Span(START, MONTHLY.containing(FINAL).end),
        meters=METERS,
        as_of=FINAL,
    )
    # 1. the ledger is one batch rating, line by line
    assert sums(
        (line_key(line), line.amount) for statement in consumer.ledger for line in statement.lines
    ) == sums((charge_key(charge), charge.amount) for charge in batch.charges)
    # 2. batch is the hand oracle, per account and month (a counter's increment is cut
    # in time and rounded at 1E-24 per cut, as docs/streaming.md says)
    oracle = oracle_of(truth, change)
    by_month = sums(((c.account, c.cycle.start), c.amount) for c in batch.charges)
    for key in set(by_month) | set(oracle.amounts):
        assert abs(by_month.get(key, Fraction(0)) - oracle.amounts[key]) < Fraction(1, 10**18), key
    # 3. each closing invoice is batch's
    check_closings(consumer.ledger, batch)
    # 4. every record fed is accounted for
    ids = {record.id for record in every if record.id is not None}
    assert ids <= named_by(consumer.ledger, consumer.feeds), sorted(
        ids - named_by(consumer.ledger, consumer.feeds)
    )
