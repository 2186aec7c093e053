"""Random plans and streams for the rater's law over the pricing features of a plan.

The streams of `tests/_rater_streams.py` run on daily UTC cycles under fixed plans; these
draw the plan instead: a monthly, weekly or daily cycle in a timezone with DST
(Europe/Zurich, America/New_York) over the March or the October/November change,
minimums (overall and per meter), fees, allowances (of the plan's cycle or their own),
percentage, package, volume and graduated prices, price changes mid-cycle, prices in
effect only at night (a daily window in the plan's timezone), proration by seconds or by
days, and a plan change mid-cycle. The records: starts, stops, resizes and deletes,
counter readings with resets, deltas (some over a span, some negative), gauges read by
a time-weighted mean and a peak, and inventories that close the resources they do not
list. The stream is fed as an explicit schedule of batches, restores and watermarks,
so that a failing case can be shrunk by removing records.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import pickle
import random
import typing
from collections.abc import Sequence
from decimal import Decimal

from tests._rater_streams import accounted_ids, batch_sums, sums

import ratekit as rk
from ratekit._instants import format_us, to_us

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
EGRESS = rk.Meter("egress", "B", rk.Counter())
FROM_ZERO = rk.Meter("rx", "B", rk.Counter(from_zero=True))
CALLS = rk.Meter("calls", "call", rk.Discrete())
PAY = rk.Meter("pay", "EUR", rk.Discrete())
USERS = rk.Meter("users", "user", rk.TimeWeightedMean())
PEAK = rk.Meter("peak", "user", rk.Max())
METERS = (RUNTIME, MEMORY, EGRESS, FROM_ZERO, CALLS, PAY, USERS, PEAK)

#: Eras that hold a DST change in both timezones: 8 and 29 March 2026, 25 October and
#: 1 November 2026.
ERAS = {"spring": "2026-03-01T00:00:00Z", "autumn": "2026-10-18T00:00:00Z"}
ZONES = ("Europe/Zurich", "America/New_York")

Record = rk.Event | rk.Sample | rk.Inventory
Op = tuple[str, typing.Any]  # ("feed", [index, ...]) | ("restore", None) | ("statement", us)


class Case(typing.NamedTuple):
    """One drawn case: plans (one, or assignments), the records, the schedule."""

    plans: rk.Plan | tuple[rk.Assignment, ...]
    cycle: typing.Any
    horizon_us: int
    start_us: int
    records: tuple[Record, ...]
    ops: tuple[Op, ...]
    final_us: int


def _cycle(rng: random.Random, tz: str) -> typing.Any:
    kind = rng.choice(("monthly", "monthly31", "weekly", "daily", "every"))
    if kind == "every":
        return rk.cycles.every(
            dt.timedelta(hours=rng.choice((30, 53))), anchor="2026-02-27T05:00:00Z"
        )
    if kind == "monthly":
        return rk.cycles.monthly(tz=tz)
    if kind == "monthly31":
        return rk.cycles.monthly(tz=tz, day=rng.choice((15, 31)))
    if kind == "weekly":
        return rk.cycles.weekly(tz=tz, weekday=rng.choice(("Mon", "Sun", "Thu")))
    return rk.cycles.daily(tz=tz)


def _plan(rng: random.Random, name: str, cycle: typing.Any, tz: str, t0: int) -> rk.Plan:
    entries: list[rk.PriceEntry] = []
    runtime = rng.choice(
        (
            rk.PerUnit("0.013"),
            rk.Graduated([rk.Tier(20, "0.07", flat="0.5"), rk.Tier(None, "0.05")]),
            rk.Volume([rk.Tier(30, "0.06"), rk.Tier(None, "0.031")]),
            rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.09", block=4)]),
        )
    )
    entries.append(rk.PriceEntry("runtime", "runtime", runtime))
    if rng.random() < 0.5:
        change = t0 + rng.randrange(2, 30 * 24) * HOUR_US
        entries.append(
            rk.PriceEntry(
                "runtime-new",
                "runtime",
                rng.choice(
                    (rk.PerUnit("0.021"), rk.Graduated([rk.Tier(5, "0.09"), rk.Tier(None, "0.04")]))
                ),
                start=format_us(change),
                priority=1,
            )
        )
    if rng.random() < 0.5:
        entries.append(
            rk.PriceEntry(
                "runtime-night",
                "runtime",
                rk.PerUnit("0.007"),
                window=rk.windows.daily("22:00", "06:00", tz=tz),
                priority=2,
            )
        )
    entries.append(rk.PriceEntry("memory", "memory", rk.PerUnit("0.00011")))
    if rng.random() < 0.4:
        entries.append(
            rk.PriceEntry(
                "runtime-big",
                "runtime",
                rk.Graduated([rk.Tier(8, "0.2"), rk.Tier(None, "0.1")]),
                where={"memory_mb": rk.AtLeast(2048)},
                priority=4,
                group_by=rng.choice((None, "resource")),
            )
        )
    entries.append(
        rk.PriceEntry(
            "egress",
            "egress",
            rng.choice(
                (
                    rk.Package(100, "0.3", free=rng.choice((0, 150))),
                    rk.Graduated([rk.Tier(1000, 0), rk.Tier(None, "0.001")]),
                    rk.PerUnit("0.0007"),
                )
            ),
        )
    )
    entries.append(
        rk.PriceEntry(
            "calls",
            "calls",
            rng.choice(
                (
                    rk.Package(10, "0.02"),
                    rk.PerUnit("0.003"),
                    rk.Volume([rk.Tier(50, "0.01"), rk.Tier(None, "0.004")]),
                )
            ),
        )
    )
    entries.append(
        rk.PriceEntry("rx", "rx", rk.Graduated([rk.Tier(500, "0.001"), rk.Tier(None, "0.0004")]))
    )
    entries.append(
        rk.PriceEntry(
            "pay",
            "pay",
            rk.Percentage(rng.choice(("2.9", "1.5", "0.25")), free_amount=rng.choice((0, 0, 150))),
        )
    )
    entries.append(rk.PriceEntry("users", "users", rk.PerUnit("0.01")))
    if rng.random() < 0.3:
        entries.append(rk.PriceEntry("flat", "runtime", rk.Flat("2.5"), priority=-1))
    if rng.random() < 0.3:
        entries.append(
            rk.PriceEntry(
                "mem-tiers",
                "memory",
                rk.Volume(
                    [rk.Tier(1000, "0.0002", flat="0.2"), rk.Tier(None, "0.0001")],
                    flat_at_zero=rng.random() < 0.5,
                ),
                start=format_us(t0 + rng.randrange(1, 20 * 24) * HOUR_US),
                end=format_us(t0 + rng.randrange(21 * 24, 40 * 24) * HOUR_US),
                priority=3,
            )
        )
    entries.append(
        rk.PriceEntry(
            "peak",
            "peak",
            rng.choice(
                (rk.PerUnit("0.02"), rk.Graduated([rk.Tier(40, "0.05"), rk.Tier(None, "0.03")]))
            ),
        )
    )
    allowances: list[rk.Allowance] = []
    if rng.random() < 0.6:
        allowances.append(rk.Allowance("runtime", rng.choice((3, 12, 40))))
    if rng.random() < 0.4:
        allowances.append(rk.Allowance("calls", 20, cycle=rk.cycles.weekly(tz=tz)))
    if rng.random() < 0.3:
        allowances.append(rk.Allowance("egress", 500))
    if rng.random() < 0.3:
        allowances.append(
            rk.Allowance("runtime", 50, cycle=rk.cycles.weekly(tz=rng.choice(ZONES), weekday="Wed"))
        )
    minimums: list[rk.Minimum] = []
    if rng.random() < 0.6:
        minimums.append(rk.Minimum(rng.choice(("1.5", "7.77", "0.4"))))
    if rng.random() < 0.4:
        minimums.append(rk.Minimum("0.9", meter="calls"))
    fees = [rk.Fee("base", rng.choice(("0.25", "3.33")))] if rng.random() < 0.6 else []
    proration = rng.choice(("seconds", "days"))
    return rk.Plan(
        name,
        "EUR",
        cycle,
        entries,
        allowances=allowances,
        minimums=minimums,
        fees=fees,
        proration=proration,
        tz=rng.choice((tz, *ZONES)),
    )


def draw(seed: int) -> Case:  # noqa: PLR0912 - one stream, told in order
    """A random case from ``seed``."""
    rng = random.Random(seed)
    tz = rng.choice(ZONES)
    t0 = to_us(ERAS[rng.choice(sorted(ERAS))])
    cycle = _cycle(rng, tz)
    start_us = cycle.containing_us(t0)[0]
    span_h = rng.choice((24 * 12, 24 * 40))
    first = _plan(rng, "first", cycle, tz, t0)
    plans: rk.Plan | tuple[rk.Assignment, ...]
    if rng.random() < 0.3:
        plans = first
        accounts = ("a", "b")
    else:
        second = _plan(rng, "second", cycle, tz, t0)
        switch_us = t0 + rng.randrange(1, span_h) * HOUR_US + rng.choice((0, 30)) * 60_000_000
        if rng.random() < 0.3:
            switch_us = cycle.containing_us(switch_us)[0]
        switch = format_us(switch_us)
        plans = (
            rk.Assignment("a", first, end=switch),
            rk.Assignment("a", second, start=switch),
            rk.Assignment("b", second),
        )
        accounts = ("a", "b")
    out: list[Record] = []
    counter = iter(range(10**6))

    edges = rng.random() < 0.4

    def when() -> int:
        at = t0 + rng.randrange(0, span_h * 2) * HOUR_US // 2
        if edges and rng.random() < 0.4:
            at = max(t0, cycle.containing_us(at)[0])
        return at

    def new_id(kind: str) -> str:
        return f"{kind}{next(counter)}"

    running: dict[tuple[str, str], bool] = {}
    for account in accounts:
        for r in range(rng.randint(0, 2)):
            resource = f"{account}-vm{r}"
            times = sorted(when() for _ in range(rng.randint(1, 4)))
            for at in times:
                kind = rng.choice(("start", "start", "update", "stop", "delete"))
                attributes: dict[str, object] = {}
                if kind in ("start", "update"):
                    attributes = {"memory_mb": rng.choice((512, 1024, 2048))}
                out.append(
                    rk.Event(
                        account, resource, format_us(at), attributes, kind=kind, id=new_id("e")
                    )
                )
                running[(account, resource)] = kind in ("start", "update")
        if rng.random() < 0.6:
            value = 0
            for at in sorted(when() for _ in range(rng.randint(1, 5))):
                value = (
                    rng.randrange(0, 400) if rng.random() < 0.15 else value + rng.randrange(0, 2000)
                )
                meter = rng.choice(("egress", "rx"))
                out.append(
                    rk.Sample(
                        account,
                        f"{account}-nic",
                        meter,
                        format_us(at),
                        value,
                        kind="counter",
                        id=new_id("c"),
                    )
                )
        for _ in range(rng.randint(0, 4)):
            at = when()
            value = rng.choice((rng.randrange(1, 60), -rng.randrange(1, 5)))
            since = None
            if rng.random() < 0.3:
                since = format_us(at - rng.randrange(1, 50) * HOUR_US)
                if to_us(since) < t0:
                    since = None
            out.append(
                rk.Sample(
                    account,
                    f"{account}-api",
                    "calls",
                    format_us(at),
                    value,
                    since=since,
                    id=new_id("d"),
                )
            )
        for _ in range(rng.randint(0, 3)):
            value = Decimal(rng.randrange(1, 50000)).scaleb(-2)
            out.append(
                rk.Sample(
                    account, f"{account}-shop", "pay", format_us(when()), value, id=new_id("p")
                )
            )
        for meter in ("users", "peak"):
            for _ in range(rng.randint(0, 3)):
                out.append(  # noqa: PERF401 - one draw at a time, in order
                    rk.Sample(
                        account,
                        f"{account}-app",
                        meter,
                        format_us(when()),
                        rng.randrange(0, 80),
                        kind="gauge",
                        id=new_id("g"),
                    )
                )
    for _ in range(rng.choice((0, 1, 1, 2))):
        if not out:
            break
        at = when()
        keys = [key for key in running if rng.random() < 0.5]
        scope = rng.choice((None, ["a"]))
        if scope is not None:
            keys = [key for key in keys if key[0] == "a"]
        listed: typing.Any = keys
        if rng.random() < 0.3:  # with descriptions: a listing may correct a memory
            listed = {key: {"memory_mb": rng.choice((512, 4096))} for key in keys}
        close = rng.choice(("snapshot", "last_seen"))
        out.append(rk.Inventory(format_us(at), listed, id=new_id("i"), accounts=scope, close=close))
    if rng.random() < 0.4:
        # twins: records of another id at the instant of one (ties of events and readings)
        for record in rng.sample(out, min(len(out), 3)):
            if isinstance(record, rk.Event):
                kind = rng.choice(("start", "stop", "update", "delete"))
                attributes = {"memory_mb": 1024} if kind in ("start", "update") else {}
                out.append(
                    rk.Event(
                        record.account,
                        record.resource,
                        record.at,
                        attributes,
                        kind=kind,
                        id=new_id("t"),
                    )
                )
            elif isinstance(record, rk.Sample):
                value = (
                    record.value + rng.choice((-3, 7)) if record.kind != "delta" else record.value
                )
                out.append(
                    rk.Sample(
                        record.account,
                        record.resource,
                        record.meter,
                        record.at,
                        max(value, 0),
                        kind=record.kind,
                        id=new_id("t"),
                    )
                )
    horizon_us = rng.choice((0, 0, 3, 30)) * HOUR_US
    last = max((r.at_us for r in out), default=t0)
    final_us = cycle.containing_us(last)[1] + horizon_us
    ops = schedule(rng, out, cycle, horizon_us, start_us, final_us)
    return Case(plans, cycle, horizon_us, start_us, tuple(out), ops, final_us)


def effects(records: Sequence[Record]) -> list[int]:
    """Per record, the earliest instant whose usage it may change."""
    out = []
    closings = [r for r in records if isinstance(r, rk.Inventory) and r.close == "last_seen"]
    for record in records:
        at = record.at_us
        if isinstance(record, rk.Inventory) and record.close == "last_seen":
            at = min(r.at_us for r in records)
        elif not isinstance(record, rk.Inventory) and any(
            record.at_us < closing.at_us for closing in closings
        ):
            # A sign of life before a last_seen inventory may move where it closes the
            # resource, from the resource's sign of life before it (a START after the
            # inventory closed it at an earlier one): from its earliest record on.
            at = min(
                r.at_us
                for r in records
                if not isinstance(r, rk.Inventory)
                and (r.account, r.resource) == (record.account, record.resource)
            )
        if isinstance(record, rk.Sample):
            if record.since_us is not None:
                at = min(at, record.since_us)
            if record.kind == "counter":
                before = [
                    r.at_us
                    for r in records
                    if isinstance(r, rk.Sample)
                    and (r.account, r.resource, r.meter)
                    == (record.account, record.resource, record.meter)
                    and r.at_us < record.at_us
                ]
                at = max(before, default=at)
        out.append(at)
    return out


def schedule(  # noqa: PLR0917 - the case's parts, in its order
    rng: random.Random,
    records: Sequence[Record],
    cycle: typing.Any,
    horizon_us: int,
    start_us: int,
    final_us: int,
) -> tuple[Op, ...]:
    """Batches (shuffled, with replays), restores and watermarks that close no cycle early."""
    order = list(range(len(records))) + [
        rng.randrange(len(records)) for _ in range(rng.randint(0, 3)) if records
    ]
    rng.shuffle(order)
    effect = effects(records)
    if rng.random() < 0.7:
        # in time order, each up to a few hours late: watermarks move on as records come,
        # and cycles close and are compacted between batches
        jitter_us = rng.choice((1, 6, 30)) * HOUR_US
        delays = [rng.randrange(jitter_us) for _ in order]
        order = [
            i
            for _, i in sorted(
                zip(
                    (records[i].at_us + d for i, d in zip(order, delays, strict=True)),
                    order,
                    strict=True,
                )
            )
        ]
    ops: list[Op] = []
    position, as_of = 0, start_us
    while position < len(order):
        size = rng.randint(1, 3)
        ops.append(("feed", order[position : position + size]))
        position += size
        if rng.random() < 0.3:
            ops.append(("restore", None))
        if rng.random() < 0.6:
            # every arrival to come, replays included, must find its cycle open
            limit = final_us
            for index in set(order[position:]):
                limit = min(limit, cycle.containing_us(effect[index])[1] + horizon_us - 1)
            if limit > as_of:
                last = as_of
                as_of = rng.randrange(as_of, limit + 1, 60_000_000) if rng.random() < 0.8 else limit
                if rng.random() < 0.3:  # at a cycle's end
                    as_of = max(last, cycle.containing_us(as_of)[0])
            ops.append(("statement", as_of))
    ops.append(("statement", final_us))
    return tuple(ops)


def valid(case: Case) -> bool:
    """Whether no watermark of ``case`` closes the cycle of a record not fed yet."""
    effect = effects(case.records)
    fed: set[int] = set()
    as_of = case.start_us
    for position, (kind, value) in enumerate(case.ops):
        if kind == "feed":
            fed.update(value)
        elif kind == "statement":
            if value < as_of:
                return False
            as_of = value
            coming = {i for k, v in case.ops[position:] if k == "feed" for i in v}
            for index in coming:
                if value > case.cycle.containing_us(effect[index])[1] + case.horizon_us - 1:
                    return False
    return len(fed) == len(case.records)


def run(case: Case) -> tuple[list[rk.Statement], list[rk.Feed]]:
    """Feed ``case`` as its schedule says."""
    rater = rk.Rater(
        case.plans,
        METERS,
        start=format_us(case.start_us),
        horizon=dt.timedelta(microseconds=case.horizon_us),
    )
    statements: list[rk.Statement] = []
    feeds: list[rk.Feed] = []
    for kind, value in case.ops:
        if kind == "feed":
            feeds.append(rater.feed([case.records[i] for i in value]))
        elif kind == "restore":  # through JSON and a pickle in turn
            if len(feeds) % 2:
                rater = pickle.loads(pickle.dumps(rater))
            else:
                rater = rk.Rater.restore(
                    json.loads(json.dumps(rater.snapshot())), case.plans, METERS
                )
        else:
            statements.append(rater.statement(format_us(value)))
            rater._check()
    return statements, feeds


def check(case: Case) -> None:
    """The law for ``case``: raises AssertionError (or the error) when it fails."""
    # What batch rating accepts, the rater takes and states without raising.
    batch = rk.rate(
        list(case.records),
        case.plans,
        span=rk.Span(format_us(case.start_us), format_us(case.final_us)),
        meters=METERS,
    )
    statements, feeds = run(case)
    # A restored rater continues where it was: the same statements without restores (the
    # anomalies' wording aside: see `restored_says_the_same()`).
    plain, plain_feeds = run(case._replace(ops=tuple(op for op in case.ops if op[0] != "restore")))
    assert plain_feeds == feeds
    assert [_said(x) for x in plain] == [_said(x) for x in statements]
    lines = [line for s in statements for line in s.lines]
    got, want = sums(lines), batch_sums(batch.charges)
    diff = {k: (got.get(k), want.get(k)) for k in {*got, *want} if got.get(k) != want.get(k)}
    assert not diff, diff
    exact = decimal.Context(prec=decimal.MAX_PREC, traps=[decimal.Inexact])
    total = functools.reduce(exact.add, (line.amount for line in lines), Decimal(0))
    assert total == functools.reduce(exact.add, (c.amount for c in batch.charges), Decimal(0))
    accounted = accounted_ids(lines, statements, feeds)
    assert not any(feed.too_late for feed in feeds), feeds
    ids = {r.id for r in case.records if r.id is not None}
    assert ids <= accounted, sorted(ids - accounted)


def shrink(case: Case, fails: typing.Callable[[Case], bool]) -> Case:
    """Remove records (and schedule steps) while ``fails`` still holds and the case stays valid."""

    def without(c: Case, drop: int) -> Case:
        records = tuple(r for i, r in enumerate(c.records) if i != drop)
        remap = {old: new for new, old in enumerate(i for i in range(len(c.records)) if i != drop)}
        ops: list[Op] = []
        for kind, value in c.ops:
            if kind == "feed":
                kept = [remap[i] for i in value if i in remap]
                if kept:
                    ops.append((kind, kept))
            else:
                ops.append((kind, value))
        return c._replace(records=records, ops=tuple(ops))

    changed = True
    while changed:
        changed = False
        for index in range(len(case.records)):
            candidate = without(case, index)
            if valid(candidate) and fails(candidate):
                case, changed = candidate, True
                break
        else:
            for index in range(len(case.ops) - 1):
                if case.ops[index][0] == "feed":
                    continue
                candidate = case._replace(ops=case.ops[:index] + case.ops[index + 1 :])
                if valid(candidate) and fails(candidate):
                    case, changed = candidate, True
                    break
    return case


def _said(statement: rk.Statement) -> tuple[object, ...]:
    """What ``statement`` says but its anomalies' messages."""
    anomalies = tuple(
        (a.kind, a.record_ids, a.account, a.resource, a.at) for a in statement.anomalies
    )
    return (statement.lines, statement.invoices, statement.closed, statement.no_effect, anomalies)


def restored_says_the_same(case: Case) -> None:
    """A restored rater's statements equal, word for word, those of one never restored."""
    statements, _ = run(case)
    plain, _ = run(case._replace(ops=tuple(op for op in case.ops if op[0] != "restore")))
    assert plain == statements
