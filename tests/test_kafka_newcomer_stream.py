"""A public cloud's metering consumer on Kafka, worked by hand (seeds 000, 001, 002).

The topic carries Nova notifications and Ceilometer samples (``tests/_kafka_topic.py``);
the consumer turns each delivered batch into records with ``ratekit.adapters.ceilometer``,
feeds ``rk.Rater``, asks a statement every day, stores the snapshot as JSON text with its
offset, and restarts from it after a crash (the records after the offset come again).
Customer ``p-1`` moves from ``basic`` to ``pro`` on 16 March; March closes two days after
its end; an egress sample of 30 March reaches the consumer on 4 April.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._kafka_topic import (
    BASIC,
    HORIZON,
    METERS,
    MONTHLY,
    NS_PER_HOUR,
    PRO,
    START,
    nova,
    records_of,
    sample,
)

import ratekit as rk

UTC = dt.UTC
CHANGE = dt.datetime(2026, 3, 16, tzinfo=UTC)
LOG = [rk.Assignment("p-1", BASIC, start=START)]
UPGRADE = rk.Assignment("p-1", PRO, start=CHANGE)


def at(day: int, hour: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


def vm(event_type: str, number: int, when: dt.datetime, flavor: str) -> bytes:
    raw = nova(event_type, f"n{number}", when, account="p-1", resource="vm-1", flavor=flavor)
    return json.dumps(raw).encode()


def cpu(number: int, when: dt.datetime, hours: int) -> bytes:
    raw = sample(
        f"c{number}",
        when,
        name="cpu",
        kind="cumulative",
        unit="ns",
        account="p-1",
        resource="vm-1",
        volume=hours * NS_PER_HOUR,
    )
    return json.dumps(raw).encode()


def egress(number: int, when: dt.datetime, gigabytes: int) -> bytes:
    raw = sample(
        f"g{number}",
        when,
        name="egress",
        kind="delta",
        unit="B",
        account="p-1",
        resource="vm-1",
        volume=gigabytes * 10**9,
    )
    return json.dumps(raw).encode()


# (delivered on, message): the topic's one partition, in the order it delivers
TOPIC: list[tuple[dt.datetime, bytes]] = [
    (at(2), vm("create.end", 0, at(2), "m1.small")),
    (at(2), cpu(0, at(2), 0)),
    (at(2, 1), vm("create.end", 0, at(2), "m1.small")),  # delivered twice
    (at(5, 12), egress(0, at(5, 12), 2)),
    (at(6), cpu(1, at(6), 10)),
    (at(8), cpu(2, at(8), 2)),  # a reboot: the counter starts again
    (at(11), vm("finish_resize.end", 1, at(11), "m1.large")),
    (at(18), egress(1, at(18), 10)),
    (at(20), cpu(3, at(20), 26)),
    (at(21), vm("delete.end", 2, at(21), "m1.large")),
    (at(4, month=4), egress(2, at(30, 10), 4)),  # a compute host cut off for five days
]


Stored = tuple[str, int, int, tuple[rk.Assignment, ...], dt.datetime]


@functools.cache  # three tests read each crash's ledger: consumed once per process
def consume(
    crash_on: dt.datetime | None,
) -> tuple[tuple[rk.Statement, ...], tuple[rk.Assignment, ...]]:
    """Feed each day's deliveries, then a statement at the next midnight.

    With ``crash_on``, the consumer dies after that day's statement, before storing its
    snapshot: it restores the one stored three days before, reads on from its offset and
    tells its whole log of plan changes again.
    """
    rater = rk.Rater(LOG, METERS, start=START, horizon=HORIZON)
    assigned: tuple[rk.Assignment, ...] = tuple(LOG)
    ledger: list[rk.Statement] = []
    offset = 0
    stored: list[Stored] = []
    day = START
    crashed = False
    while day < at(5, month=4):
        batch = []
        while offset < len(TOPIC) and TOPIC[offset][0] < day + dt.timedelta(days=1):
            batch.append(TOPIC[offset][1])
            offset += 1
        rater.feed(records_of(batch))
        day += dt.timedelta(days=1)
        if day > CHANGE and UPGRADE not in assigned:
            assigned = rater.assign(UPGRADE)
        ledger.append(rater.statement(day))
        if day == crash_on and not crashed:
            crashed = True
            text, offset, kept, held, day = stored[-3]
            rater = rk.Rater.restore(json.loads(text), held, METERS)
            del ledger[kept:]
            assigned = rater.assign(*LOG, *([UPGRADE] if UPGRADE in assigned else []))
            continue
        stored.append((json.dumps(rater.snapshot()), offset, len(ledger), assigned, day))
    return tuple(ledger), assigned


CRASHES = [None, at(12), at(17), at(4, month=4)]


def closing(ledger: Sequence[rk.Statement]) -> rk.Invoice:
    (invoice,) = [i for statement in ledger for i in statement.invoices]
    return invoice


@pytest.mark.parametrize("crash_on", CRASHES)
def test_march_closes_on_3_april_as_worked_by_hand(crash_on: dt.datetime | None) -> None:
    ledger, _ = consume(crash_on)
    invoice = closing(ledger)
    assert invoice.cycle == rk.Span(at(1), at(1, month=4))
    # basic to 16 March, pro from then:
    # fee: 31 * 15/31 = 15 and 62 * 16/31 = 32 -> 47.00
    # small (basic): 2..11 March = 216 h * 0.04 = 8.64
    # large: 11..16 March 120 h * 0.16 = 19.20 (basic), 16..21 March 120 h * 0.12 = 14.40 (pro)
    # cpu: 10 h (2..6 March), 2 h after the reset of 8 March, then 24 h from 8 to 20 March
    #   split in time at 16 March, 16 h and 8 h: 28 h * 0.10 = 2.80 (basic), 8 h * 0.05 = 0.40
    # egress: 2 GB * 0.02 = 0.04 (5 March), 10 GB * 0.01 = 0.10 (18 March); the 4 GB of
    #   30 March are not delivered yet
    assert sorted((line.entry, line.quantity, line.amount) for line in invoice.lines) == [
        ("base", Decimal(1), Decimal("47.00")),
        ("cpu", Decimal(36), Decimal("3.20")),
        ("egress", Decimal(12), Decimal("0.14")),
        ("large", Decimal(240), Decimal("33.60")),
        ("small", Decimal(216), Decimal("8.64")),
    ]
    assert invoice.total == Decimal("92.58")


@pytest.mark.parametrize("crash_on", CRASHES)
def test_the_egress_delivered_five_days_late_is_a_reversal_and_a_new_line(
    crash_on: dt.datetime | None,
) -> None:
    ledger, _ = consume(crash_on)
    late = [
        (line.role, line.plan, line.entry, line.quantity, line.amount)
        for statement in ledger
        for line in statement.lines
        if line.late
    ]
    # pro's egress line of March: 10 GB (0.10), then 14 GB (0.14)
    assert late == [
        ("reversal", "pro", "egress", Decimal(-10), Decimal("-0.10")),
        ("correction", "pro", "egress", Decimal(14), Decimal("0.14")),
    ]
    # it came after vm-1's delete: charged, and said so
    said = [(a.kind, a.record_ids) for statement in ledger for a in statement.anomalies]
    assert said == [("counter_reset", ("c2", "c1")), ("after_delete", ("g2",))]


@pytest.mark.parametrize("crash_on", CRASHES)
def test_the_ledger_is_one_batch_rating_of_the_topic(crash_on: dt.datetime | None) -> None:
    ledger, assigned = consume(crash_on)
    every = records_of(message for _, message in TOPIC)
    batch = rk.rate(
        every,
        assigned,
        span=rk.Span(START, MONTHLY.containing(ledger[-1].as_of).end),
        meters=METERS,
        as_of=ledger[-1].as_of,
    )
    stream: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for statement in ledger:
        for line in statement.lines:
            stream[line.account, line.cycle.start, line.plan, line.entry] += Fraction(line.amount)
    rated: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for charge in batch.charges:
        rated[charge.account, charge.cycle.start, charge.plan, charge.entry] += Fraction(
            charge.amount
        )
    assert {k: v for k, v in stream.items() if v} == {k: v for k, v in rated.items() if v}
    # March in batch: the closing invoice and the late 0.04
    (march,) = [i for i in rk.bill(batch) if i.cycle.start == at(1)]
    assert march.total == Decimal("92.62")
