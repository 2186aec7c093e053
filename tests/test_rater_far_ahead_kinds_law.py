"""The law of counter readings, sequenced events and deltas stamped far ahead, among ordinary ones.

Random streams on daily cycles: ordinary records every day (egress deltas over a few
hours, a counter's readings, a VM's events in ``seq`` order), and, on resources of their
own, one to three records stamped far ahead (a producer's clock off), each after one or
two ordinary records of its resource in the first days: a counter reading whose increment
counts from an early reading (or from one fed later, between the two), an event whose
``seq`` orders it before an early START or STOP, a delta whose span starts on an early
day. Each is stamped either 34 to 40 days on (the watermark reaches it: metered) or in
2029 (never reached). Statements every midnight for up to 42 days, with snapshot -> JSON
-> restore at random points. Then:

- the state stays flat: after each statement the kept cycles start no more than the
  horizon plus four days before its watermark, or than the horizon plus
  `rk.rater.MAX_AHEAD` plus a day before the instant of a far record (while the
  watermark is no more than that past it: a metered event ordered before compacted ones
  keeps every cycle until its own is compacted, which another far record's window may
  hold back until that one is metered), and
  a record stamped in 2029 holds nothing: the snapshot's size on the last day is no more
  than on day 12 plus 2,500 B (the compacted counter's last 32 readings; it grew by
  each day's records when such a record kept every cycle from its first days);
- the statements' lines add up to one batch ``rk.rate()`` over the records the watermark
  reached, to the last digit, per resource and cycle for the ordinary resources; per
  resource, a far one's lines plus the quantities of the ``"too_late"`` and ``"late"``
  anomalies that name it (its part in cycles compacted before it was metered, said by
  the compactions, for a counter or a delta, or by the statement that meters it, for an
  event) add up to batch's quantity and amount. A record in 2029 is not metered, and
  batch leaves it out too: only the parts the compactions said of it are left over.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from decimal import Decimal

from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

UTC = dt.UTC
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
CTR = rk.Meter("ctr", "B", rk.Counter())
METERS = [EGRESS, VM, CTR]
PRICES = {"egress": Decimal("0.01"), "vm.hours": Decimal(1), "ctr": Decimal("0.001")}
PLAN = rk.Plan(
    "m",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry(name, name, rk.PerUnit(price)) for name, price in PRICES.items()],
)
START = dt.datetime(2026, 3, 1, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
YEARS_AHEAD = dt.datetime(2029, 12, 1, tzinfo=UTC)

Record = rk.Event | rk.Sample


def day(n: int) -> dt.datetime:
    return START + n * DAY


def _ordinary(rng: random.Random, n: int) -> list[Record]:
    """The ordinary records of day ``n`` (fed before the statement at its end)."""
    at = day(n) + rng.randint(1, 22) * HOUR
    out: list[Record] = [
        rk.Sample("acme", "g", "egress", at, rng.randint(1, 9), since=at - HOUR, id=f"g{n}"),
        rk.Sample("acme", "c", "ctr", at, 100 * n + rng.randint(0, 99), kind="counter", id=f"c{n}"),
    ]
    if n % 3 == 0:  # the VM started and stopped every other third day, in seq order
        kind = "start" if n % 6 == 0 else "stop"
        out.append(rk.Event("acme", "vm", at, kind=kind, id=f"v{n}", seq=n))
    return out


def _far(rng: random.Random, k: int, at: dt.datetime) -> tuple[list[Record], Record, int]:
    """The early records of far resource ``k``, the record stamped far ahead, and its feeding day."""
    kind = rng.choice(("counter", "event", "delta"))
    early = START + rng.randint(1, 4 * 24) * HOUR
    name = f"x{k}"
    before: list[Record]
    far: Record
    if kind == "counter":
        before = [rk.Sample("acme", name, "ctr", early, 0, kind="counter", id=f"{name}-0")]
        if rng.random() < 0.4:  # a reading between, stamped later, fed on its own day
            mid = early + rng.randint(2, 12) * DAY
            before.append(rk.Sample("acme", name, "ctr", mid, 700, kind="counter", id=f"{name}-1"))
        far = rk.Sample("acme", name, "ctr", at, 700 + rng.randint(1, 50) * 100, kind="counter")
    elif kind == "event":
        before = [rk.Event("acme", name, early, kind="start", id=f"{name}-0", seq=5)]
        if rng.random() < 0.5:
            stop = early + rng.randint(1, 5 * 24) * HOUR
            before.append(rk.Event("acme", name, stop, kind="stop", id=f"{name}-1", seq=7))
        # ordered before the START, between it and the STOP, or after both
        seq = rng.choice((1, 6, 9))
        far = rk.Event("acme", name, at, kind=rng.choice(("start", "stop")), seq=seq)
    else:
        before = [rk.Sample("acme", name, "egress", early, 1, id=f"{name}-0")]
        hours = (at - early) // HOUR
        far = rk.Sample("acme", name, "egress", at, hours, since=early)
    far = _with_id(far, f"{name}-far")
    return before, far, rng.randint(1, 5)


def _with_id(record: Record, record_id: str) -> Record:
    if isinstance(record, rk.Event):
        return rk.Event(
            record.account,
            record.resource,
            record.at,
            kind=record.kind,
            id=record_id,
            seq=record.seq,
        )
    return rk.Sample(
        record.account,
        record.resource,
        record.meter,
        record.at,
        record.value,
        since=record.since,
        kind=record.kind,
        id=record_id,
    )


def _sums(
    items: list[tuple[str | None, dt.datetime, str, Decimal, Decimal]],
) -> dict[tuple[str | None, dt.datetime], tuple[Decimal, Decimal]]:
    out: dict[tuple[str | None, dt.datetime], tuple[Decimal, Decimal]] = {}
    for resource, start, _, quantity, amount in items:
        q, a = out.get((resource, start), (Decimal(0), Decimal(0)))
        out[resource, start] = (q + quantity, a + amount)
    return {k: v for k, v in out.items() if v != (0, 0)}


# (no shrinking: the seed is the whole input, a smaller one is no simpler stream)
@settings(max_examples=max(LAWS // 15, 4), deadline=None, phases=[Phase.explicit, Phase.generate])
@given(seed=st.integers(0, 2**32), horizon_days=st.sampled_from([0, 0, 1]))
def test_records_stamped_far_ahead_keep_the_state_flat_and_add_up_to_batch(
    seed: int, horizon_days: int
) -> None:
    rng = random.Random(seed)
    horizon = dt.timedelta(days=horizon_days)
    batches: dict[int, list[Record]] = defaultdict(list)
    known: list[Record] = []  # every record but those stamped in 2029
    fars: list[Record] = []
    for k in range(rng.randint(1, 3)):
        at = YEARS_AHEAD if rng.random() < 0.4 else START + rng.randint(34 * 24, 40 * 24) * HOUR
        before, far, fed = _far(rng, k, at)
        for record in before:  # fed on its own day (a reading between, too)
            batches[(record.at - START) // DAY + 1].append(record)
        batches[fed].append(far)
        known += before
        fars.append(far)
        if at != YEARS_AHEAD:
            known.append(far)
    near = [f.at for f in fars if f.at != YEARS_AHEAD]
    far_resources = {f.resource for f in fars}
    days = (max([day(30), *near]) - START) // DAY + horizon_days + 2
    last = day(days)
    for n in range(days):
        ordinary = _ordinary(rng, n)
        batches[n + 1] += ordinary
        known += ordinary
    rater = rk.Rater(PLAN, METERS, start=START, horizon=horizon)
    lines: list[tuple[str | None, dt.datetime, str, Decimal, Decimal]] = []
    said: list[rk.Anomaly] = []
    sizes: dict[int, int] = {}
    betweens = {f"{r}-1" for r in far_resources}  # a counter's reading between, an event
    between: dict[str | None, int] = {}  # per resource, how many were said when it was fed
    for n in range(1, days + 1):
        feed = rater.feed(batches.get(n, []))
        # a far record fed once its early records were compacted, or a reading between
        # fed once the one before was compacted (a far reading kept nothing): too late in part
        assert all(a.resource in far_resources for a in feed.anomalies), feed.anomalies
        said += [a for a in feed.anomalies if a.quantity is not None]
        between.update((r.resource, len(said)) for r in batches.get(n, []) if r.id in betweens)
        statement = rater.statement(day(n))
        said += [a for a in statement.anomalies if a.quantity is not None]
        lines += [
            (x.resource, x.cycle.start, x.meter, x.quantity, x.amount) for x in statement.lines
        ]
        data = rater.snapshot()
        body = data["body"]
        assert isinstance(body, dict)
        base = dt.datetime.fromtimestamp(body["base_us"] / 1e6, UTC)
        # A far record keeps no more than MAX_AHEAD plus the horizon before its instant;
        # an event of them metered keeps its cycles until its own is compacted, which
        # another far record's window may hold back while it is not metered: no longer
        # than MAX_AHEAD plus the horizon past its instant.
        ahead = rk.rater.MAX_AHEAD + horizon
        held = [at - ahead - DAY for at in near if at >= day(n - 3) - ahead]
        assert base >= min([day(n) - horizon - 4 * DAY, *held]), (n, base)
        sizes[n] = len(json.dumps(data))
        if rng.random() < 0.15:
            rater = rk.Rater.restore(json.loads(json.dumps(data)), PLAN, METERS)
    if not near:  # held by nothing: flat, but for the counter's last 32 readings kept
        assert sizes[days] <= sizes[12] + 2500, sizes
    rating = rk.rate(known, PLAN, span=rk.Span(START, last), meters=METERS)
    batch = _sums(
        [(c.resource, c.cycle.start, c.meter, c.quantity, c.amount) for c in rating.charges]
    )
    stream = _sums(lines)
    ordinary = {"g", "c", "vm"}
    assert {k: v for k, v in stream.items() if k[0] in ordinary} == {
        k: v for k, v in batch.items() if k[0] in ordinary
    }
    for far in fars:
        resource = far.resource
        meter = far.meter if isinstance(far, rk.Sample) else "vm.hours"
        named = [a for a in said if a.resource == resource]
        assert all(a.kind in ("too_late", "late") and a.meter == meter for a in named), named
        if far.at == YEARS_AHEAD:
            # Not metered, nor in batch: its parts said stand alone, but those said
            # before a reading between was fed, which that feed took back (it counts
            # from the reading between now, which batch counts).
            cut = between.get(resource, 0)
            named = [
                a
                for n, a in enumerate(said)
                if a in named and (n < cut or far.id not in a.record_ids)
            ]
        parts = sum((a.quantity for a in named if a.quantity is not None), Decimal(0))
        mine = [v for k, v in stream.items() if k[0] == resource]
        theirs = [v for k, v in batch.items() if k[0] == resource]
        quantity = sum((q for q, _ in mine), Decimal(0)) + parts
        amount = sum((a for _, a in mine), Decimal(0)) + parts * PRICES[meter]
        assert (quantity, amount) == (
            sum((q for q, _ in theirs), Decimal(0)),
            sum((a for _, a in theirs), Decimal(0)),
        ), (far, named, mine, theirs)
