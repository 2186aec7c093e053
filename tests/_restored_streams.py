"""Random streams for a rater restored at every call against one never restored.

Two accounts on daily UTC cycles over four days: up to three resources each with starts,
updates (a memory change), stops and deletes, their ``seq`` (for some resources) in time
order or shuffled; call deltas (some over a span) and a byte counter with resets; now and
then a listing that closes what it does not list. Records arrive in time order, each up
to 6, 30 or 60 hours late, with replays, in batches of one to three, with statements at
watermarks that follow the arrivals; some records (a third of the sequenced events) are
held back and fed once the watermark is two days past them, after their cycle is
compacted: too late, placed, or kept when their ``seq`` orders them after a kept event.
Unlike the law's streams (`tests/_rater_streams.py`), nothing here is compared with batch
``rate()``: only the rater with itself, restored or not.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import random
import typing

import ratekit as rk
from ratekit._instants import format_us, to_us

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
T0 = to_us("2026-03-01T00:00:00Z")
METERS = (
    rk.Meter("runtime", "hour", rk.OnOff()),
    rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb")),
    rk.Meter("calls", "call", rk.Discrete()),
    rk.Meter("egress", "B", rk.Counter()),
)
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry(
            "runtime", "runtime", rk.Graduated([rk.Tier(10, "0.07"), rk.Tier(None, "0.05")])
        ),
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.0001")),
        rk.PriceEntry("calls", "calls", rk.PerUnit("0.003")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.001")),
    ],
)

Record = rk.Event | rk.Sample | rk.Inventory
Op = tuple[str, typing.Any]  # ("feed", [record, ...]) | ("statement", watermark in us)


def batched(arrivals: list[Record], rng: random.Random, last_us: int) -> list[Op]:
    """``arrivals`` fed in order in batches of one to three, with statements among them.

    After a batch, six times in ten, a statement at a watermark drawn from 6 hours before
    to 30 hours after the next arrival's instant (on the half hour), at most ``last_us``,
    never before the last one.
    """
    ops: list[Op] = []
    as_of, position = T0, 0
    while position < len(arrivals):
        size = rng.randint(1, 3)
        ops.append(("feed", arrivals[position : position + size]))
        position += size
        if rng.random() < 0.6:
            ahead = arrivals[min(position, len(arrivals) - 1)].at_us
            ahead += rng.randrange(-6 * HOUR_US, 30 * HOUR_US, 30 * 60_000_000)
            as_of = max(as_of, min(last_us, ahead))
            ops.append(("statement", as_of))
    return ops


def draw(seed: int) -> tuple[list[Op], int]:  # noqa: PLR0912 - one stream, told in order
    """The operations of a random stream from ``seed``, and its horizon in microseconds."""
    rng = random.Random(seed)
    out: list[Record] = []
    numbers = iter(range(10**6))

    def new_id() -> str | None:
        return None if rng.random() < 0.15 else f"r{next(numbers)}"

    for account in ("a", "b"):
        for number in range(rng.randint(0, 3)):
            resource = f"{account}-vm{number}"
            times = sorted(
                T0 + rng.randrange(0, 4 * DAY_US, 30 * 60_000_000) for _ in range(rng.randint(1, 4))
            )
            seqs = list(range(len(times)))
            if rng.random() < 0.6:
                rng.shuffle(seqs)
            sequenced = rng.random() < 0.6
            for at, seq in zip(times, seqs, strict=True):
                kind = rng.choice(("start", "start", "update", "stop", "delete"))
                attributes = (
                    {"memory_mb": rng.choice((256, 512))} if kind in ("start", "update") else {}
                )
                out.append(
                    rk.Event(
                        account, resource, format_us(at), attributes, kind=kind, id=new_id(),
                        seq=seq if sequenced else None,
                    )
                )  # fmt: skip
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 3)):
                at = T0 + rng.randrange(HOUR_US, 4 * DAY_US, 60_000_000)
                since = None
                if rng.random() < 0.5:
                    since = format_us(at - rng.randrange(HOUR_US, 30 * HOUR_US, HOUR_US))
                    if to_us(since) < T0:
                        since = None
                out.append(
                    rk.Sample(
                        account, f"{account}-fn", "calls", format_us(at), rng.randrange(0, 9),
                        since=since, id=new_id(),
                    )
                )  # fmt: skip
        if rng.random() < 0.5:
            value, at = 0, T0 + rng.randrange(0, DAY_US, HOUR_US)
            while at < T0 + 4 * DAY_US:
                value = (
                    rng.randrange(0, 50) if rng.random() < 0.1 else value + rng.randrange(0, 500)
                )
                out.append(
                    rk.Sample(
                        account, f"{account}-ip", "egress", format_us(at), value, kind="counter",
                        id=new_id(),
                    )
                )  # fmt: skip
                at += rng.randrange(HOUR_US, 30 * HOUR_US, HOUR_US)
    if out and rng.random() < 0.4:
        keys = sorted({(r.account, r.resource) for r in out if isinstance(r, rk.Event)})
        listed = [key for key in keys if rng.random() < 0.5]
        at = T0 + rng.randrange(DAY_US // 2, 4 * DAY_US, HOUR_US)
        out.append(rk.Inventory(format_us(at), listed, close="snapshot", id=f"i{next(numbers)}"))
    arrivals = out + [rng.choice(out) for _ in range(rng.randint(0, 2)) if out]
    delay = rng.choice((6, 30, 60)) * HOUR_US
    arrivals.sort(key=lambda record: record.at_us + rng.randrange(delay))
    ops = batched(arrivals, rng, T0 + 6 * DAY_US)
    # Some records held back: fed (all their replays too) once the watermark is two days
    # past them, after a statement drawn among those.
    held = [
        r
        for r in out
        if rng.random() < (0.35 if isinstance(r, rk.Event) and r.seq is not None else 0.1)
    ]
    for record in held:
        later = [
            j for j, (kind, value) in enumerate(ops)
            if kind == "statement" and value >= record.at_us + 2 * DAY_US
        ]  # fmt: skip
        if later:
            j = rng.choice(later)
            ops.insert(j + 1, ("feed", [record]))
            for k, (kind, value) in enumerate(ops[: j + 1]):
                if kind == "feed" and any(x is record for x in value):
                    ops[k] = ("feed", [x for x in value if x is not record])
    ops = [op for op in ops if op != ("feed", [])]
    ops.append(("statement", T0 + 6 * DAY_US))
    horizon_us = rng.choice((0, 0, 3)) * HOUR_US
    return ops, horizon_us


def run(ops: list[Op], horizon_us: int, *, restore: bool) -> list[rk.Feed | rk.Statement]:
    """What each operation gives; with ``restore``, the rater restored after each one.

    Through JSON after the odd ones, through a pickle after the even ones.
    """
    rater = rk.Rater(
        PLAN, METERS, start=format_us(T0), horizon=dt.timedelta(microseconds=horizon_us)
    )
    out: list[rk.Feed | rk.Statement] = []
    for step, (kind, value) in enumerate(ops):
        if kind == "feed":
            out.append(rater.feed(value))
        else:
            out.append(rater.statement(format_us(value)))
        rater._check()
        if restore and step % 2:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        elif restore:
            rater = pickle.loads(pickle.dumps(rater))
    return out
