"""Random record streams for the rater's law, and the law's check against batch rate().

A stream: two accounts on daily cycles over four days, a few resources each with
starts, updates (a memory change), stops, deletes and restarts; a byte counter (with
resets) and call deltas (some over a span); now and then an inventory snapshot (of the
whole platform, of one account, or of the resources with some memory); replays
of records; a price change mid-cycle and a plan change mid-cycle. Its records arrive
shuffled, cut into batches, rated at random watermarks, with snapshot -> JSON -> restore
at random points.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import pickle
import random
import re
import typing
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from tests._line_keys import line_key

import ratekit as rk
from ratekit._instants import format_us, to_us
from ratekit._versions import standing

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000
T0 = to_us("2026-03-01T00:00:00Z")
DAYS = 4
CYCLE = rk.cycles.daily(tz="UTC")

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
EGRESS = rk.Meter("egress", "B", rk.Counter())
CALLS = rk.Meter("calls", "call", rk.Discrete())
USERS = rk.Meter("users", "user", rk.TimeWeightedMean())  # gauges: see records(gauges=...)
METERS = (RUNTIME, MEMORY, EGRESS, CALLS, USERS)

TIERS = rk.Graduated([rk.Tier(10, "0.07"), rk.Tier(None, "0.05")])
CHANGE_US = T0 + DAY_US + 13 * HOUR_US  # a price change in the middle of day 2

BASIC = rk.Plan(
    "basic",
    "EUR",
    CYCLE,
    [
        rk.PriceEntry("runtime", "runtime", TIERS),
        rk.PriceEntry(
            "runtime-new",
            "runtime",
            rk.Graduated([rk.Tier(5, "0.09"), rk.Tier(None, "0.04")]),
            start=format_us(CHANGE_US),
            priority=1,
        ),
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.0001")),
        rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(1000, 0), rk.Tier(None, "0.001")])),
        rk.PriceEntry("calls", "calls", rk.PerUnit("0.003")),
    ],
    allowances=[rk.Allowance("calls", 20)],
    minimums=[rk.Minimum("1.5")],
    fees=[rk.Fee("support", "0.25")],
)
# The same prices with nothing due with time alone (no fee, minimum, allowance or base):
# a statement then rates only the accounts whose rows changed.
PLAIN = rk.Plan("plain", "EUR", CYCLE, BASIC.entries)
# Fees and bases, no minimum or allowance: every account's fee and bases are rated at
# each statement, its rows' charges reused as under PLAIN. A base per resource (charged
# from its group's first piece, kept while the group stands) and one per account.
DUES = rk.Plan(
    "dues",
    "EUR",
    CYCLE,
    [
        rk.PriceEntry(
            "runtime",
            "runtime",
            rk.Graduated([rk.Tier(10, "0.07", flat="0.3"), rk.Tier(None, "0.05")]),
            group_by="resource",
        ),
        *BASIC.entries[1:3],
        rk.PriceEntry(
            "egress",
            "egress",
            rk.Graduated([rk.Tier(1000, 0, flat="0.1"), rk.Tier(None, "0.001")]),
        ),
        *BASIC.entries[4:],
    ],
    fees=BASIC.fees,
)
PRO = rk.Plan(
    "pro",
    "EUR",
    CYCLE,
    [
        rk.PriceEntry("runtime", "runtime", rk.Volume([rk.Tier(6, "0.06"), rk.Tier(None, "0.03")])),
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.00007")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.0005")),
        rk.PriceEntry("calls", "calls", rk.Package(10, "0.02")),
    ],
    fees=[rk.Fee("pro", "0.5")],
)
SWITCH_US = T0 + 2 * DAY_US + 7 * HOUR_US  # account b moves from basic to pro on day 3
PLANS = (
    rk.Assignment("a", BASIC),
    rk.Assignment("b", BASIC, end=format_us(SWITCH_US)),
    rk.Assignment("b", PRO, start=format_us(SWITCH_US)),
)

# Minimums (plan-wide and per meter), a fee and bases, no allowance: every account's dues
# are rated at each statement, its rows' charges reused and counted in the minimums'
# spend. The commitments are near what the streams spend, so that top-ups come and go
# (and zero ones, where the lines as billed fall short). MINIMUM_PLANS: b moves to a plan
# with another minimum at SWITCH_US.
MINIMUMS = rk.Plan(
    "minimums",
    "EUR",
    CYCLE,
    DUES.entries,
    minimums=[rk.Minimum("0.9"), rk.Minimum("0.05", meter="calls")],
    fees=BASIC.fees,
)
MINIMUM_PLANS = (
    rk.Assignment("a", MINIMUMS),
    rk.Assignment("b", MINIMUMS, end=format_us(SWITCH_US)),
    rk.Assignment(
        "b",
        rk.Plan("pro-min", "EUR", CYCLE, PRO.entries, minimums=[rk.Minimum("2.5")], fees=PRO.fees),
        start=format_us(SWITCH_US),
    ),
)

# Allowances with their own cycle (a month of runtime, a week of calls from Monday 2
# March) over daily cycles, and a price for gauges: what compacted days consumed of a
# period and a gauge's level must still count after compaction.
OWN = rk.Plan(
    "own",
    "EUR",
    CYCLE,
    [*BASIC.entries, rk.PriceEntry("users", "users", rk.PerUnit("0.01"))],
    # Stacked on a meter: the one defined first takes first, each in its own period (a
    # day's, a week's from Monday 2 March, a month's, three days' from 27 February).
    allowances=[
        rk.Allowance("runtime", 2),
        rk.Allowance("runtime", 4, cycle=rk.cycles.weekly(tz="UTC")),
        rk.Allowance("runtime", 30, cycle=rk.cycles.monthly(tz="UTC")),
        rk.Allowance("calls", 20),
        rk.Allowance("calls", 15, cycle=rk.cycles.weekly(tz="UTC")),
        rk.Allowance(
            "calls", 6, cycle=rk.cycles.every(dt.timedelta(days=3), anchor="2026-02-27T00:00:00Z")
        ),
    ],
    minimums=BASIC.minimums,
    fees=BASIC.fees,
)

Record = rk.Event | rk.Sample | rk.Inventory


def records(  # noqa: PLR0912 - one stream, told in order
    rng: random.Random,
    *,
    greet: bool = False,
    anonymous: bool = False,
    sequenced: bool = False,
    gauges: bool = False,
    last_seen: bool = False,
    gaps: bool = False,
    early: bool = False,
    ties: bool = False,
    many: bool = False,
    listings: bool = False,
    starts: bool = False,
    closings: bool = False,
    orphans: bool = False,
    relisted: bool = False,
    ahead: bool = False,
) -> list[Record]:
    """A small random stream of records with unique ids (before replays).

    ``greet``: each account sends a zero delta at the start, so both are known from the
    first cycle on (a single plan charges its fees to the accounts it has seen).
    ``anonymous``: some deltas and events come without an id (known by their content).
    ``sequenced``: some events carry a ``seq``, in time order or not (see `_sequence()`).
    ``gauges``: each account may send a few gauge readings of ``users`` (the plan must
    price them: `OWN`), mostly early, so that their level holds over later cycles.
    ``last_seen``: a sequenced stream's inventory may close at the last sign of life, the
    last event applied before it in the seq order (see `reach()`).
    ``ahead``: the stream has an inventory (sequenced or not) and it closes at the last
    sign of life; `run()` feeds it first, ahead of every watermark, so that the cycles
    its closings reach back to would be compacted before it is metered, were they not
    kept for it.
    ``gaps``: each account may also read a counter of another resource (``-gw``) a day
    or more apart: a reading may then come after its previous reading's cycle was
    compacted, and its part there is too late (see `run()` and `check_law()`).
    ``early``: each account may also read a counter of another resource (``-early``) every
    4 to 12 hours (never more than the 32 readings a metering state keeps); about a third
    of its readings (ids ``early-...``) are held back by `run()` and fed once their cycle
    is compacted: each is placed among the readings of the compacted state.
    ``ties``: a reading of the ``-gw`` and ``-early`` counters may have a twin stamped at
    the same instant with another value (lower or higher, a reset now and then), which may
    arrive in another batch, after the compaction of the reading both count from; an
    ``-early`` twin may be held back while the other is not (see `run()`).
    ``many``: each account may also read a rising counter of another resource (``-many``)
    every 20 to 50 minutes over the first two days, more than the 32 readings a metering
    state keeps in a cycle;
    about a tenth of its readings after the first (ids ``early-...``) are held back by
    `run()` and fed once their cycle is compacted: placed when the compacted state still
    keeps the readings around them, else said not placed.
    ``listings``: a third account, ``c``, may be known from one listing alone (an
    inventory of its own account, at some hour of the first two days, listing one or two
    resources, with some memory or none): the first words of that account, held back by
    `run()` (its id ``early-...``) and fed once its cycle is compacted. It is reconciled
    with the compacted state: its resources run from the kept cycles on, and its part
    before them (and the fees it makes ``c`` owe there) is named. Under a single plan
    only (an assignment names the accounts a rater bills).
    ``starts``: a fourth account, ``d``, may be known from one START alone (of ``d-vm0``,
    at some hour of the first two days, with 1024 MB or no memory, so that the listings
    of the resources with some memory never cover it), held back by `run()` (its id
    ``early-...``) and fed once its cycle is compacted. It is placed in the compacted
    state, and its part before the kept cycles named; or, when an inventory compacted
    since may have covered it and closed it (the stream's other inventory, if after
    it, or one of ``d`` that lists nothing, some hours after the START, fed on time),
    it is left as it stands, and its anomaly names the quantity in doubt. Under a
    single plan only.
    ``closings``: with ``listings`` or ``starts``, their resources have no memory, and an
    inventory of accounts ``c`` and ``d`` on the day after the stream (kept when the
    last records are fed), fed on time, lists none of them and closes at the last sign of life: back at the listing or the START, where
    batch bills nothing of them. The too-late part a listing or START names is judged
    up to that closing (nothing), or, when the closing is metered after it, the part
    the closing says stays billed takes it back.
    ``orphans``: a fifth account, ``e``, may have an orphan STOP of ``e-vm0`` (no START)
    on the first day, held back by `run()` (its id ``early-...``) and fed once its cycle
    is compacted; an inventory of ``e`` after it that lists only ``e-vm1`` (running from
    the start), or nothing, where batch closes ``e-vm0`` (deleted), and a listing of ``e-vm0`` on the day after the stream
    (kept to the end), which opens it again in batch (a stopped resource a listing does
    not open), both fed on time.
    Under a single plan only.
    ``relisted``: a sixth account, ``f``, may have ``f-vm0`` (1024 MB) running from the
    start (in a stream where no other inventory covers it), a
    DELETE or a STOP of it on the first day, held back by `run()` (its id ``early-...``)
    and fed once its cycle is compacted, and a listing of it (of account ``f``) some
    hours after, fed on time: in batch the listing opens the deleted resource again, a
    stopped one stays stopped. Under a single plan only.
    """
    out: list[Record] = []
    if greet:
        out.extend(
            rk.Sample(account, f"{account}-fn", "calls", format_us(T0), 0, id=f"hello-{account}")
            for account in ("a", "b")
        )
    count = 0

    def new_id() -> str:
        nonlocal count
        count += 1
        return f"r{count}"

    span_us = DAYS * DAY_US
    for account in ("a", "b"):
        for number in range(rng.randint(0, 2)):
            resource = f"{account}-vm{number}"
            t = T0 + rng.randrange(0, span_us // 2, 15 * MINUTE_US)
            running = False
            for _ in range(rng.randint(1, 5)):
                memory = rng.choice((256, 512, 1024))
                choice = rng.random()
                if not running or choice < 0.3:
                    kind = "start"
                    running = True
                elif choice < 0.6:
                    kind = "update"
                elif choice < 0.9:
                    kind = "stop"
                    running = False
                else:
                    kind = "delete"
                    running = False
                attributes = {"memory_mb": memory} if kind in ("start", "update") else {}
                out.append(
                    rk.Event(account, resource, format_us(t), attributes, kind=kind, id=new_id())
                )
                t += rng.randrange(MINUTE_US, DAY_US, 5 * MINUTE_US)
                if t >= T0 + span_us:
                    break
        if rng.random() < 0.7:
            # A counter read every 1 to 20 hours (less than a cycle apart), with resets.
            ip = f"{account}-ip"
            t = T0 + rng.randrange(0, DAY_US, 10 * MINUTE_US)
            value = 0
            while t < T0 + span_us:
                value = (
                    rng.randrange(0, 300) if rng.random() < 0.1 else value + rng.randrange(0, 900)
                )
                out.append(
                    rk.Sample(
                        account, ip, "egress", format_us(t), value, kind="counter", id=new_id()
                    )
                )
                t += rng.randrange(HOUR_US, 20 * HOUR_US, 10 * MINUTE_US)
        for _ in range(rng.randint(0, 4)):
            at = T0 + rng.randrange(HOUR_US, span_us, MINUTE_US)
            since = None
            draw = rng.random()
            if draw < 0.05:
                since = format_us(at)  # an empty span: an instant, as without since
            elif draw < 0.3:
                since = format_us(at - rng.randrange(MINUTE_US, 6 * HOUR_US, MINUTE_US))
            out.append(
                rk.Sample(
                    account,
                    f"{account}-fn",
                    "calls",
                    format_us(at),
                    rng.randrange(-2 if account == "a" else 0, 15),
                    since=since,
                    id=new_id(),
                )
            )
    if (ahead or rng.random() < (0.5 if sequenced else 0.2)) and out:
        # An inventory that lists only some of the resources seen. Among sequenced events
        # it comes early too (it settles a metering state's history, so compaction must
        # not split a resource's sequence across it), and may close at the last sign of life.
        keys = sorted({(r.account, r.resource) for r in out if isinstance(r, rk.Event)})
        listed = [key for key in keys if rng.random() < 0.5]
        earliest = HOUR_US if sequenced else DAY_US // 2
        if ahead:  # late enough that its closings reach back over cycles compacted before it
            earliest = 5 * DAY_US // 2
        at = T0 + rng.randrange(earliest, span_us, HOUR_US)
        closes = ("snapshot", "last_seen") if last_seen else ("snapshot",)
        close = "last_seen" if ahead else rng.choice(closes) if sequenced else "snapshot"
        # Now and then a listing of part of the platform: one account's, or (closing at
        # the snapshot) of the resources with some memory. Drawn from its own generator,
        # so that the rest of the stream is as it was.
        scope = random.Random(at + len(listed))
        accounts: list[str] | None = None
        where: dict[str, object] | None = None
        roll = scope.random()
        if roll < 0.3:
            accounts = [scope.choice(("a", "b"))]
            listed = [key for key in listed if key[0] in accounts]
        elif roll < 0.5 and close == "snapshot":
            where = {"memory_mb": rk.OneOf([256, 512])}
        out.append(
            rk.Inventory(
                format_us(at), listed, close=close, id=new_id(), accounts=accounts, where=where
            )
        )
    for account in ("a", "b") if gauges else ():
        for _ in range(rng.randint(0, 3)):
            at = T0 + rng.randrange(0, 2 * DAY_US, 30 * MINUTE_US)
            value = rng.randrange(0, 20)
            out.append(
                rk.Sample(
                    account, f"{account}-app", "users", format_us(at), value, kind="gauge",
                    id=new_id(),
                )
            )  # fmt: skip
    for account in ("a", "b") if gaps else ():
        if rng.random() < 0.8:
            # Read every 1 to 60 hours, with resets: a reading may count from one two
            # cycles back.
            t = T0 + rng.randrange(0, DAY_US, 10 * MINUTE_US)
            value = 0
            while t < T0 + span_us:
                value = rng.randrange(0, 300) if rng.random() < 0.1 else value + rng.randrange(900)
                out.append(
                    rk.Sample(
                        account, f"{account}-gw", "egress", format_us(t), value, kind="counter",
                        id=new_id(),
                    )
                )  # fmt: skip
                if ties and rng.random() < 0.4:
                    out.append(_twin(rng, typing.cast(rk.Sample, out[-1]), new_id()))
                t += rng.randrange(HOUR_US, 60 * HOUR_US, 10 * MINUTE_US)
    for account in ("a", "b") if early else ():
        if rng.random() < 0.8:
            t = T0 + rng.randrange(0, DAY_US, 10 * MINUTE_US)
            value = 0
            while t < T0 + span_us:
                value = rng.randrange(0, 300) if rng.random() < 0.1 else value + rng.randrange(900)
                number = new_id()
                out.append(
                    rk.Sample(
                        account, f"{account}-early", "egress", format_us(t), value,
                        kind="counter", id=f"early-{number}" if rng.random() < 0.35 else number,
                    )
                )  # fmt: skip
                if ties and rng.random() < 0.4:
                    twin = new_id()
                    held = f"early-{twin}" if rng.random() < 0.5 else twin
                    out.append(_twin(rng, typing.cast(rk.Sample, out[-1]), held))
                t += rng.randrange(4 * HOUR_US, 12 * HOUR_US, 10 * MINUTE_US)
    for account in ("a", "b") if many else ():
        if rng.random() < 0.8:
            t = T0 + rng.randrange(0, 6 * HOUR_US, 10 * MINUTE_US)
            value = rng.randrange(0, 100)
            first = True
            while t < T0 + 2 * DAY_US:  # two days of it: enough to compact one
                number = new_id()
                held = not first and rng.random() < 0.1
                out.append(
                    rk.Sample(
                        account, f"{account}-many", "egress", format_us(t), value,
                        kind="counter", id=f"early-{number}" if held else number,
                    )
                )  # fmt: skip
                first = False
                value += rng.randrange(0, 60)
                t += rng.randrange(20 * MINUTE_US, 50 * MINUTE_US, 5 * MINUTE_US)
    if listings:
        # Drawn from its own generator, so that the rest of the stream is as it was.
        own = random.Random(rng.getrandbits(32))
        # After the stream's other inventory, if any: one compacted after it might have
        # closed what it opens, which the compacted state cannot tell (the rater then
        # leaves such a resource unopened, and says so). Before the last day, compacted
        # by the last statement.
        others = [r.at_us + HOUR_US for r in out if isinstance(r, rk.Inventory)]
        at = max([T0 + own.randrange(0, 2 * DAY_US, HOUR_US), *others])
        if own.random() < 0.8 and at < T0 + (DAYS - 1) * DAY_US:
            listed = {
                ("c", f"c-vm{number}"): (
                    {"memory_mb": own.choice((256, 512))} if own.random() < 0.5 else {}
                )
                for number in range(own.randint(1, 2))
            }
            if closings:  # no memory: the closing's part is said in hours
                listed = {key: {} for key in listed}
            out.append(rk.Inventory(format_us(at), listed, accounts=["c"], id=f"early-{new_id()}"))
    if starts:
        # Drawn from its own generator, so that the rest of the stream is as it was.
        own = random.Random(rng.getrandbits(32))
        at = T0 + own.randrange(0, 2 * DAY_US, HOUR_US)
        if own.random() < 0.8:
            memory = {"memory_mb": 1024} if own.random() < 0.5 and not closings else {}
            out.append(
                rk.Event("d", "d-vm0", format_us(at), memory, kind="start", id=f"early-{new_id()}")
            )
            if own.random() < 0.5:
                # An inventory of d that lists nothing, fed on time: batch closes d-vm0
                # there. Compacted before the START comes, it holds the START back.
                closed = at + own.randrange(HOUR_US, DAY_US, HOUR_US)
                close = own.choice(("snapshot", "last_seen"))
                out.append(
                    rk.Inventory(format_us(closed), [], accounts=["d"], close=close, id=new_id())
                )
    if closings:
        own = random.Random(rng.getrandbits(32))
        # In the day after the stream, kept to the end (one compacted before a too-late
        # listing or START of a resource it covers holds that record back, its part in
        # doubt: the ``starts`` streams draw such an inventory apart).
        at = T0 + DAYS * DAY_US + own.randrange(0, DAY_US, HOUR_US)
        out.append(
            rk.Inventory(format_us(at), [], accounts=["c", "d"], close="last_seen", id=new_id())
        )
    if orphans:
        own = random.Random(rng.getrandbits(32))
        if own.random() < 0.8:
            at = T0 + own.randrange(0, DAY_US, HOUR_US)
            closed = at + own.randrange(HOUR_US, DAY_US, HOUR_US)
            # In the day after the stream, kept to the end: the STOP comes before it is
            # compacted (a too-late event before its resource's last compacted event
            # cannot be placed, nor left: docs/streaming.md).
            listed_at = T0 + DAYS * DAY_US + own.randrange(0, DAY_US, HOUR_US)
            close = own.choice(("snapshot", "last_seen"))
            # e-vm1 runs from the start, and the inventory lists it; or the inventory
            # lists nothing (the rater remembers it all the same).
            running = ("e", "e-vm1")
            listed = [running] if own.random() < 0.5 else []
            if listed:
                out.append(rk.Event(*running, format_us(T0), kind="start", id=new_id()))
            out += [
                rk.Event("e", "e-vm0", format_us(at), kind="stop", id=f"early-{new_id()}"),
                rk.Inventory(format_us(closed), listed, accounts=["e"], close=close, id=new_id()),
                rk.Inventory(format_us(listed_at), [("e", "e-vm0")], accounts=["e"], id=new_id()),
            ]
    if relisted:
        own = random.Random(rng.getrandbits(32))
        vm, memory = ("f", "f-vm0"), {"memory_mb": 1024}
        # No other inventory may cover it (one listing between, forgotten, would open it
        # sooner: docs/streaming.md, Known limits); the listings of the resources with
        # some memory do not.
        covered = any(r.covers(*vm, memory) for r in out if isinstance(r, rk.Inventory))
        if own.random() < 0.8 and not covered:
            at = T0 + own.randrange(HOUR_US, DAY_US, HOUR_US)
            listed_at = at + own.randrange(HOUR_US, DAY_US, HOUR_US)
            kind = own.choice(("delete", "stop"))
            out += [
                rk.Event(*vm, format_us(T0), memory, kind="start", id=new_id()),
                rk.Event(*vm, format_us(at), kind=kind, id=f"early-{new_id()}"),
                rk.Inventory(
                    format_us(listed_at),
                    {vm: memory},
                    accounts=["f"],
                    close=own.choice(("snapshot", "last_seen")),
                    id=new_id(),
                ),
            ]
    if sequenced:
        _sequence(rng, out)
    if anonymous:
        out = [_without_id(record) if rng.random() < 0.4 else record for record in out]
    return out


def _twin(rng: random.Random, sample: rk.Sample, record_id: str) -> rk.Sample:
    """A reading of ``sample``'s counter at its instant, with another value (maybe a reset)."""
    value = max(0, int(sample.value) + rng.choice((-1, 1)) * rng.randrange(1, 400))
    return rk.Sample(
        sample.account, sample.resource, sample.meter, sample.at, value, kind="counter",
        id=record_id,
    )  # fmt: skip


def _sequence(rng: random.Random, out: list[Record]) -> None:
    """Give about half the events of some resources a ``seq``: in time order, or shuffled.

    A shuffled seq orders an event before events stamped earlier (its effect reaches back
    to them, see `reach()`); the events without one go by time among the chain.
    """
    positions: dict[str, list[int]] = {}
    for index, record in enumerate(out):
        if isinstance(record, rk.Event):
            positions.setdefault(record.resource, []).append(index)
    for indexes in positions.values():
        mode = rng.choice(("none", "in order", "shuffled", "shuffled"))
        if mode == "none":
            continue
        seqs = list(range(len(indexes)))
        if mode == "shuffled":
            rng.shuffle(seqs)
        for seq, index in zip(seqs, indexes, strict=True):
            if rng.random() < 0.7:
                event = typing.cast(rk.Event, out[index])
                out[index] = _event(event, event.id, seq)


def reach(stream: Iterable[Record], *, moves: bool = True) -> dict[int, int]:
    """Where each record's effect begins, by ``id(record)``: a sequenced event's reaches
    back to the earliest event of its resource with a greater seq; a ``last_seen``
    inventory's to the last sign of life of a resource it does not list, and (with
    ``moves``) that resource's events (which may move it) to its first event up to the
    inventory."""
    out: dict[int, int] = {}
    chains: dict[tuple[str, str], list[rk.Event]] = {}
    for record in stream:
        out[id(record)] = record.at_us
        if isinstance(record, rk.Event) and record.seq is not None:
            chains.setdefault((record.account, record.resource), []).append(record)
    for chain in chains.values():
        for event in chain:
            after = [other.at_us for other in chain if other.seq > event.seq]  # type: ignore[operator]
            out[id(event)] = min([event.at_us, *after])
    events: dict[tuple[str, str], list[rk.Event]] = {}
    for record in stream:
        if isinstance(record, rk.Event):
            events.setdefault((record.account, record.resource), []).append(record)
    for record in stream:
        if isinstance(record, rk.Inventory) and record.close == "last_seen":
            _closing(record, events, out, moves=moves)
    return out


def _closing(
    inventory: rk.Inventory,
    events: dict[tuple[str, str], list[rk.Event]],
    out: dict[int, int],
    *,
    moves: bool = True,
) -> None:
    """`reach()` of a ``last_seen`` inventory, and of the events that may move its closing.

    It closes the resources it does not list at their last sign of life before it: at
    the latest, their last event applied before it. It is applied before the first event,
    in the order applied (`applied()`), stamped after it.
    """
    listed = {(account, resource) for account, resource, _ in inventory.resources}
    last: list[int] = []
    for key, line in events.items():
        if key in listed or not inventory.covers(*key, {}):
            continue  # listed, or of an account outside its scope (no where when last_seen)
        before: list[int] = []
        for event in applied(line):
            if event.at_us > inventory.at_us:
                break
            before.append(event.at_us)
        last += [max(before)] if before else []
        # An event of the resource that comes late may move the closing (a new last sign
        # of life, or by seq a new first event stamped after it): from wherever it stood,
        # at the earliest the resource's first event up to the inventory.
        # (One stamped after the inventory moves it only when a seq may order it before.)
        first = min((e.at_us for e in line if e.at_us <= inventory.at_us), default=None)
        for event in line if first is not None and moves else ():
            if event.at_us <= inventory.at_us or event.seq is not None:
                out[id(event)] = min(out[id(event)], typing.cast(int, first))
    out[id(inventory)] = min([inventory.at_us, *last])


def applied(events: Sequence[rk.Event]) -> list[rk.Event]:
    """One resource's events in the order metering applies them (ties left aside).

    Those with a seq by seq (the chain); one without after the last event of the chain
    (in chain order) among those stamped strictly before it, by instant among such.
    """
    chain = sorted((e for e in events if e.seq is not None), key=lambda e: (e.seq, e.at_us))
    keys = {id(e): (index, 0, e.at_us) for index, e in enumerate(chain)}
    for event in events:
        if event.seq is None:
            after = [index for index, e in enumerate(chain) if e.at_us < event.at_us]
            keys[id(event)] = (max(after, default=-1), 1, event.at_us)
    return sorted(events, key=lambda e: keys[id(e)])


def other_version(record: Record) -> Record:
    """Another version of ``record``'s id: the same record with other content.

    A sample reads one more; an event sets one more attribute.
    """
    if isinstance(record, rk.Sample):
        since = None if record.since_us is None else format_us(record.since_us)
        return rk.Sample(
            record.account,
            record.resource,
            record.meter,
            record.at,
            record.value + 1,
            kind=record.kind,
            since=since,
            id=record.id,
            seq=record.seq,
        )
    assert isinstance(record, rk.Event)
    return rk.Event(
        record.account,
        record.resource,
        record.at,
        {**record.attributes, "other": 1},
        kind=record.kind,
        id=record.id,
        seq=record.seq,
    )


def feed_said(feed: rk.Feed) -> tuple[object, ...]:
    """What a feed says but for the order of its id lists (which follow the order listed).

    Its counts, each id list as a set, and its anomalies in their order.
    """
    lists = (feed.accepted, feed.duplicates, feed.conflicting, feed.late, feed.too_late)
    return (dict(feed.counts), *(sorted(ids) for ids in lists), feed.anomalies)


def named_too_late(feed: rk.Feed, batch: Iterable[Record]) -> set[str]:
    """The ids of ``batch``'s records that a ``"too_late"`` anomaly of ``feed`` names."""
    ids = {record.id for record in batch if record.id is not None}
    return {
        record_id
        for anomaly in feed.anomalies
        if anomaly.kind == "too_late"
        for record_id in anomaly.record_ids
        if record_id in ids
    }


def _without_id(record: Record) -> Record:
    if isinstance(record, rk.Sample) and record.kind == "delta":
        since = None if record.since_us is None else format_us(record.since_us)
        return rk.Sample(
            record.account, record.resource, record.meter, record.at, record.value, since=since
        )
    if isinstance(record, rk.Event):
        return _event(record, None, record.seq)
    return record


def _event(event: rk.Event, record_id: str | None, seq: int | None) -> rk.Event:
    """``event`` with that id and seq."""
    return rk.Event(
        event.account,
        event.resource,
        event.at,
        event.attributes,
        kind=event.kind,
        id=record_id,
        seq=seq,
    )


def cycle_end(at_us: int) -> int:
    return CYCLE.containing_us(at_us)[1]


def run(  # noqa: PLR0912 - one stream fed, told in order
    rng: random.Random,
    stream: list[Record],
    *,
    horizon_h: int,
    late_ok: bool,
    plans: rk.Plan | tuple[rk.Assignment, ...] = PLANS,
    late: typing.Literal["correct", "report"] = "correct",
    statements_every: float = 0.5,
    jitter_h: int | None = None,
    moves: bool = True,
    restores: bool = True,
    edges: bool = False,
    versions: typing.Mapping[str, Record] | None = None,
    refeed: bool = False,
    ahead: bool = False,
) -> tuple[list[rk.Statement], list[rk.Feed], int, rk.Rater]:
    """Feed ``stream`` shuffled, with replays, in random batches and statements.

    ``jitter_h``: the records arrive in time order, each up to that many hours late,
    rather than shuffled over the whole stream (so watermarks move on as they arrive).

    Watermarks never close the cycle of a record not fed yet (with ``late_ok``, they may
    close it, but not compact it: the record is then late and corrects its cycle).
    Returns the statements, the feed reports and the final watermark. Without
    ``moves``, a watermark may compact the cycle of a ``last_seen`` closing that a
    record not fed yet moves (see `reach()`). Without ``restores``, the same stream
    (the same random choices) with no snapshot and restore: a restored rater continues
    exactly where it was, so its statements must equal these. Every third statement is
    asked again at its watermark with nothing fed: that one must be empty. ``edges``:
    two watermarks in three are put back to the end of the cycle they fall in (when that
    is not before the last one), where records may be stamped (see `check_law()`).
    ``versions``: per id of a record held back (see `records()`), another version of
    it, which a batch fed once its cycle is compacted carries too (the first one it
    has): the stream's own record stands, and the other is ``conflicting``, as when
    its cycle is kept. ``refeed``: after a statement, and after the held records are
    fed at the end, some held records fed before are fed again in a batch of their own
    (a replay, or `other_version()` of one): judged too late fewer than two compactions
    before, each is a duplicate (a version ``conflicting``), named by no anomaly (see
    `_refed()`).
    its cycle is kept. ``ahead``: the ``last_seen`` inventories come first, and
    watermarks do not wait for them once fed: the rater keeps the cycles they reach
    back to until it meters them.
    """
    horizon_us = horizon_h * HOUR_US
    effect = reach(stream, moves=moves)
    arrivals = list(stream) + [rng.choice(stream) for _ in range(rng.randint(0, 3)) if stream]
    rng.shuffle(arrivals)
    # Counter readings held back until their cycle is compacted (see `records()`, early):
    # they wait for no watermark, and are fed once the kept cycles start after them.
    held = [r for r in arrivals if r.id is not None and r.id.startswith("early-")]
    arrivals = [r for r in arrivals if r.id is None or not r.id.startswith("early-")]
    if jitter_h is not None:
        delays = {id(r): rng.randrange(jitter_h * HOUR_US + 1) for r in arrivals}
        arrivals.sort(key=lambda record: record.at_us + delays[id(record)])
    if ahead:
        arrivals.sort(key=lambda r: not (isinstance(r, rk.Inventory) and r.close == "last_seen"))
    # The readings of the gapped counters arrive in any order: one fed after a later one
    # that reached back before the kept cycles takes back the part that one's feed said.
    rater = rk.Rater(
        plans, METERS, start=format_us(T0), horizon=dt.timedelta(hours=horizon_h), late=late
    )
    statements: list[rk.Statement] = []
    feeds: list[rk.Feed] = []
    as_of = T0
    position = 0
    # The held records fed, each with the kept cycles' start at its feed; the starts of
    # the kept cycles so far (one more at each compaction).
    judged: list[tuple[Record, int]] = []
    bases = [rater._base_us]
    while position < len(arrivals):
        size = rng.randint(1, 6)
        batch = arrivals[position : position + size]
        position += size
        feeds.append(rater.feed(batch))
        if rng.random() < 0.25 and restores:
            rater = restored(rater, plans, len(feeds))
        if rng.random() < statements_every:
            # The records not fed yet. (One fed but stamped after the watermark may still
            # reach back into a cycle the watermark closes: the rater keeps that cycle
            # until the record is metered, and corrects it then.)
            rest = arrivals[position:]
            # A last_seen inventory fed ahead closes back when it is metered: in a cycle
            # compacted by then, what it closes stays billed (an anomaly says so).
            rest += [
                record
                for record in arrivals[:position]
                if not ahead
                and isinstance(record, rk.Inventory)
                and record.close == "last_seen"
                and record.at_us >= as_of
            ]
            limit = T0 + (DAYS + 1) * DAY_US
            for record in rest:
                end = cycle_end(effect[id(record)])
                if late_ok and not isinstance(record, rk.Sample):
                    end = cycle_end(end)  # kept one cycle after it closes
                limit = min(limit, end + horizon_us - 1)
            if limit > as_of:
                last = as_of
                as_of = rng.randrange(as_of, limit + 1, MINUTE_US) if rng.random() < 0.9 else limit
                if edges and len(statements) % 3 != 2:
                    as_of = max(last, CYCLE.containing_us(as_of)[0])
            statements.append(rater.statement(format_us(as_of)))
            rater._check()
            if rater._base_us != bases[-1]:
                bases.append(rater._base_us)
            if refeed and judged and rng.random() < 0.5:
                feeds.append(_refed(rater, rng, judged, bases))
            # (Not after a feed said too_late: the part a refused reading would have
            # changed in compacted cycles is said "late" by the next metering again.)
            if len(statements) % 3 == 0 and not any(
                a.kind == "too_late" for f in feeds for a in f.anomalies
            ):
                again = rater.statement(format_us(as_of))
                assert _empty(again), again.lines + again.anomalies + again.closed
            due = [r for r in held if r.at_us < rater._base_us]
            if due and rng.random() < 0.5:
                held = [r for r in held if r.at_us >= rater._base_us]
                feeds.append(_fed_with_versions(rater, due, versions))
                judged += [(r, rater._base_us) for r in due]
    final = T0 + (DAYS + 1) * DAY_US + horizon_us
    statements.append(rater.statement(format_us(final)))
    rater._check()
    if rater._base_us != bases[-1]:
        bases.append(rater._base_us)
    if held:
        assert all(r.at_us < rater._base_us for r in held)
        while held:
            size = rng.randint(1, 4)
            feeds.append(_fed_with_versions(rater, held[:size], versions))
            judged += [(r, rater._base_us) for r in held[:size]]
            held = held[size:]
            if rng.random() < 0.25 and restores:
                rater = restored(rater, plans, len(feeds))
            if refeed and rng.random() < 0.5:
                feeds.append(_refed(rater, rng, judged, bases))
        statements.append(rater.statement(format_us(final)))
        rater._check()
    return statements, feeds, final, rater


def restored(rater: rk.Rater, plans: rk.Plan | tuple[rk.Assignment, ...], turn: int) -> rk.Rater:
    """``rater`` restored from its snapshot: through JSON on an even ``turn``, else a pickle.

    A pickle carries the snapshot as it is (tuples, no text round trip), with the plans
    and meters; both must continue exactly where the rater was.
    """
    if turn % 2:
        return typing.cast(rk.Rater, pickle.loads(pickle.dumps(rater)))
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, METERS)


def _refed(
    rater: rk.Rater, rng: random.Random, judged: list[tuple[Record, int]], bases: list[int]
) -> rk.Feed:
    """Feed again one to three records fed once their cycle was compacted (`run()`).

    Of those judged too late fewer than two compactions before (``bases``: the kept
    cycles' start after each), which the rater remembers: a replay, or now and then
    `other_version()` of one (not of an inventory). A replay is a duplicate, a version
    ``conflicting``; none is too late, nor named by an anomaly. (One judged earlier is
    forgotten, and too late again: `tests/test_rater_too_late_remembered.py`.)
    """
    recent = [record for record, base_us in judged if sum(b > base_us for b in bases) < 2]
    picked = rng.sample(recent, min(len(recent), rng.randint(1, 3)))
    batch: list[Record] = []
    remembered: dict[str, str] = {}  # id -> the list it must be in
    for record in picked:
        other = not isinstance(record, rk.Inventory) and rng.random() < 0.3
        batch.append(other_version(record) if other else record)
        # (of two picks of one id, the first decides: the second is a duplicate of it or
        # another version, and both lists then name the id)
        remembered.setdefault(typing.cast(str, record.id), "conflicting" if other else "duplicates")
    feed = rater.feed(batch)
    for record_id, where in remembered.items():
        assert record_id in getattr(feed, where), (record_id, where, feed, feed.anomalies)
        assert record_id not in feed.too_late, (record_id, feed.anomalies)
        assert not any(record_id in a.record_ids for a in feed.anomalies), feed.anomalies
    return feed


def _at_cycle_start(event: rk.Event) -> rk.Event:
    """``event`` stamped at the start of its cycle when it is less than 6 hours after it."""
    start = CYCLE.containing_us(event.at_us)[0]
    if event.at_us - start >= 6 * HOUR_US:
        return event
    return rk.Event(
        event.account,
        event.resource,
        format_us(start),
        event.attributes,
        kind=event.kind,
        id=event.id,
        seq=event.seq,
    )


def _fed_with_versions(
    rater: rk.Rater, batch: list[Record], versions: typing.Mapping[str, Record] | None
) -> rk.Feed:
    """Feed ``batch``, with the other version of its first record that has one (`run()`).

    That version is ``conflicting``: its id is in the feed's list, never placed.
    """
    extra = [versions[r.id] for r in batch if versions and r.id in versions][:1]
    feed = rater.feed(batch + extra)
    if extra:
        assert extra[0].id in feed.conflicting, (extra, feed)
        assert feed.too_late.count(extra[0].id) <= 1, feed
    return feed


def with_versions(stream: list[Record]) -> tuple[list[Record], dict[str, Record]]:
    """Per record held back (id ``early-...``), another version; the one that stands kept.

    Of the record and `other_version()` of it, the one `ratekit._versions.standing()`
    picks stays in the stream (batch rates it), the other is returned by id.
    """
    out: list[Record] = []
    others: dict[str, Record] = {}
    for record in stream:
        if (
            record.id is None
            or not record.id.startswith("early-")
            or isinstance(record, rk.Inventory)
        ):
            out.append(record)
            continue
        version = other_version(record)
        stands, other = (
            (version, record) if standing(version) < standing(record) else (record, version)
        )
        out.append(stands)
        others[record.id] = other
    return out, others


def _empty(statement: rk.Statement) -> bool:
    """Whether ``statement`` says nothing: no line, invoice, cycle closed or anomaly."""
    return not (
        statement.lines
        or statement.invoices
        or statement.closed
        or statement.anomalies
        or statement.reported_only
    )


_NAMES = re.compile(r"\([^()]*, no id\)|inventory at \S+|'[^']*'")


def said_once(reports: Iterable[rk.Statement]) -> None:
    """Assert that no anomaly is said twice by the statements of one stream.

    One anomaly: its kind, the record it is about (the first of its ids), the names its
    message quotes (records, resources, accounts, meters) and the records without an id
    it names; the other instants in its wording, and the record it is measured against,
    may differ.
    """
    seen: dict[tuple[object, ...], rk.Anomaly] = {}
    for report in reports:
        for anomaly in report.anomalies:
            # a negative_total is about its group's cycle, whatever records it names
            about = (anomaly.at_us,) if anomaly.kind == "negative_total" else anomaly.record_ids[:1]
            key = (anomaly.kind, about, *_NAMES.findall(anomaly.message))
            assert key not in seen, (seen[key], anomaly)
            seen[key] = anomaly


def accounted_ids(
    lines: Iterable[rk.StatementLine],
    statements: Iterable[rk.Statement],
    feeds: Iterable[rk.Feed],
) -> set[str]:
    """The record ids a stream's lines, statements and feeds account for.

    The lines' charges; the statements' invoices, anomalies and no-effect lists; the
    feeds' duplicates, conflicts and anomalies.
    """
    accounted: set[str] = set()
    for line in lines:
        accounted.update(line.record_ids)
    for s in statements:
        accounted.update(s.no_effect)
        for invoice in s.invoices:
            for invoice_line in invoice.lines:
                for charge in invoice_line.charges:
                    accounted.update(charge.record_ids)
        for anomaly in s.anomalies:
            accounted.update(anomaly.record_ids)
    for feed in feeds:
        accounted.update(feed.duplicates)
        accounted.update(feed.conflicting)
        for anomaly in feed.anomalies:
            accounted.update(anomaly.record_ids)
    return accounted


#: Exact Decimal sums: a sum with a digit more than the context keeps raises.
_EXACT_SUMS = decimal.Context(prec=decimal.MAX_PREC, traps=[decimal.Inexact])


def _exact_sums(
    parts: Iterable[tuple[tuple[object, ...], Decimal, Decimal]],
) -> dict[tuple[object, ...], tuple[Fraction, Fraction]]:
    """Per key, the exact sums of its quantities and amounts, as fractions; none of (0, 0).

    Summed as Decimals in a context that never rounds (an inexact sum raises) and each
    sum turned into a fraction once: the same fractions as adding each part's fraction.
    """
    add = _EXACT_SUMS.add
    out: dict[tuple[object, ...], list[Decimal]] = {}
    for key, quantity, amount in parts:
        found = out.get(key)
        if found is None:
            out[key] = [add(quantity, 0), add(amount, 0)]
        else:
            found[0] = add(found[0], quantity)
            found[1] = add(found[1], amount)
    return {
        key: (Fraction(quantity), Fraction(amount))
        for key, (quantity, amount) in out.items()
        if quantity or amount
    }


def sums(lines: Iterable[rk.StatementLine]) -> dict[tuple[object, ...], tuple[Fraction, Fraction]]:
    return _exact_sums((line.key, line.quantity, line.amount) for line in lines)


def batch_sums(charges: Iterable[rk.Charge]) -> dict[tuple[object, ...], tuple[Fraction, Fraction]]:
    return _exact_sums((line_key(charge), charge.quantity, charge.amount) for charge in charges)


#: How a too-late anomaly names the part of a sample not applied (see `_lateness`).
_PART = re.compile(r"its part before (?P<base>\S+), (?P<quantity>\S+) (?P<unit>\S+), belonged")
#: How it says that a record makes its account owe something in compacted cycles (see
#: `_rater_accounts.dues_too_late`).
_DUES = re.compile(
    r"makes account '(?P<account>[^']*)' known from \S+, before the cycles the rater keeps "
    r"\(from (?P<base>\S+)\): what plan '[^']*' has due for it from \S+ to \S+ "
)
#: How a too-late inventory reconciled with the compacted state names one resource's part
#: of a meter before the kept cycles (see `_rater_late_inventories`), and how it says it
#: changes nothing there.
_RECONCILED = re.compile(
    r"is older than every cycle the rater keeps \(from (?P<base>\S+)\): it is reconciled "
    r"with the compacted state, as metering every record at once reconciles it; "
    r"(?:what it changes of '(?P<meter>[^']*)' of '(?P<resource>[^']*)' of '(?P<account>[^']*)' "
    r"before \S+, (?P<quantity>\S+) |it changes nothing metered)"
)
#: How it says that a reading placed in the compacted state changes nothing there in sum
#: (see `_rater_early`): the compacted cycles may still differ from batch's, one by what
#: another lacks.
_NOTHING = re.compile(r"what it changes before (?P<base>\S+) adds up to nothing")
#: How it says that a reading older than those the compacted state keeps is not placed
#: (see `_rater_early.unplaced`): nothing in the kept cycles, and nothing in total in the
#: compacted ones when it reads between the readings around it. The streams' counters
#: whose readings may come so late (``many``) only rise, and each such reading has one
#: before it: batch's compacted cycles count the same in total.
_UNPLACED = re.compile(
    r"is stamped before every cycle the rater keeps \(from (?P<base>\S+)\) and before the "
    r"readings of its counter that the compacted state keeps .* Its part in the kept cycles "
    r"is 0 B .* changes nothing in total if it reads between the reading before it and the "
    r"one after it"
)


def too_late_parts(
    feeds: Iterable[rk.Feed],
    stream: Iterable[Record],
    doubt: dict[tuple[object, ...], tuple[Fraction, int]] | None = None,
) -> tuple[dict[tuple[object, ...], Fraction], dict[str, int]]:
    """The parts of samples the feeds said too late, and where each account's stood.

    Per (account, resource, meter), the quantities the ``"too_late"`` anomalies name; per
    account, the latest start of the kept cycles at such a feed (the cycles before it
    were compacted). Every record in ``feed.too_late`` has a ``"too_late"`` anomaly (a
    closing's mover included), and back.
    An event placed in the compacted state names its parts as a sample does; one left
    as it stands because an inventory compacted since may have closed its resource puts
    its quantity in doubt, and the start of the kept cycles then, in ``doubt``.
    """
    by_id = {record.id: record for record in stream if record.id is not None}
    inventories = {record.id for record in stream if isinstance(record, rk.Inventory)}
    lost: dict[tuple[object, ...], Fraction] = {}
    behind: dict[str, int] = {}
    relisted: set[tuple[object, ...]] = set()
    for feed in feeds:
        # A last_seen closing's part (the inventory's own, or one a record moved) is
        # counted apart (see `check_law()`): the samples' parts here.
        parts = [
            a
            for a in feed.anomalies
            if a.kind == "too_late" and not inventories.intersection(a.record_ids)
        ]
        # Listed too late: every record a too_late anomaly names, a last_seen closing's
        # mover too (docs/streaming.md, the Feed's fields); the inventories apart.
        named = {i for a in feed.anomalies if a.kind == "too_late" for i in a.record_ids}
        assert set(feed.too_late) - inventories == named - inventories, (
            feed.too_late,
            feed.anomalies,
        )
        for anomaly in feed.anomalies:
            if anomaly.kind == "too_late" and inventories.intersection(anomaly.record_ids):
                _listing_part(anomaly, lost, behind)
        for anomaly in parts:
            nothing = _NOTHING.search(anomaly.message) or _UNPLACED.search(anomaly.message)
            if nothing is not None:
                (record_id,) = anomaly.record_ids
                account = by_id[record_id].account
                base_us = to_us(nothing["base"])
                behind[account] = max(behind.get(account, base_us), base_us)
                continue
            if _RELISTED.search(anomaly.message):
                # Not applied, so a replay of it says its part again: counted once.
                said = (anomaly.record_ids, anomaly.meter, anomaly.quantity)
                if said in relisted:
                    continue
                relisted.add(said)
            if _event_part(anomaly, by_id, lost, behind, doubt):
                continue
            dues = _DUES.search(anomaly.message)
            if dues is not None:
                # What the account owes in the compacted cycles it names (fees, minimums,
                # bases) is not charged: those cycles may differ from batch's.
                base_us = to_us(dues["base"])
                assert dues["account"] == by_id[anomaly.record_ids[0]].account, anomaly.message
                behind[dues["account"]] = max(behind.get(dues["account"], base_us), base_us)
                continue
            found = _PART.search(anomaly.message)
            assert found is not None, anomaly.message
            quantity = Fraction(Decimal(found["quantity"]))
            assert quantity, anomaly.message
            base_us = to_us(found["base"])
            if base_us == T0:
                continue  # before the rater's start, where batch rate() starts too
            (record_id,) = anomaly.record_ids
            sample = by_id[record_id]
            assert isinstance(sample, rk.Sample)
            assert found["unit"] == "B", anomaly.message
            key = (sample.account, sample.resource, sample.meter)
            lost[key] = lost.get(key, Fraction(0)) + quantity
            behind[sample.account] = max(behind.get(sample.account, base_us), base_us)
    return lost, behind


#: How a too-late event placed in the compacted state names its part of a meter before
#: the kept cycles (see `_rater_late_events`), and how it says it changes nothing there.
_PLACED = re.compile(
    r"is older than every cycle the rater keeps \(from (?P<base>\S+)\): it is placed among "
    r"the events the compacted state keeps, as metering them at once places it; "
    r"(?:what it changes of '(?P<meter>[^']*)' before \S+, (?P<quantity>\S+) |it changes "
    r"nothing metered)"
)
#: How a too-late event that would open a resource an inventory compacted since may have
#: closed names the quantity in doubt before the kept cycles (see `_rater_late_events`).
_OPENS = re.compile(
    r"is older than every cycle the rater keeps \(from (?P<base>\S+)\) and would open "
    r"'(?P<resource>[^']*)', which an inventory compacted since \(the last at \S+\) may have "
    r"covered and closed: .*? is not applied(?:; what it would add of '(?P<meter>[^']*)' "
    r"before \S+, (?P<quantity>\S+) )?"
)


#: How a too-late event at or before its resource's last compacted event says it is not
#: placed (see `_rater_late_events._unplaced`).
_REPLAYED = re.compile(
    r"is older than every cycle the rater keeps \(from \S+\) and not after the last event "
    r"of its resource the compacted state applied \(at (?P<at>\S+)\)"
)


#: How an orphan STOP an inventory compacted since may have closed says it is left as it
#: stands (see `_rater_late_events._orphaned`): it changes nothing metered before the kept
#: cycles, and the kept cycles are metered from their own records.
_ORPHANED = re.compile(
    r"is older than every cycle the rater keeps \(from \S+\) and would make '[^']*', which "
    r"no compacted state knows, stopped; .* It changes nothing metered before"
)


#: How a too-late DELETE that a listing compacted after it opened again names its part
#: before the kept cycles (see `_rater_late_events._relisted`): up to that listing, the
#: last the compacted state keeps (the streams' too-late events are each their
#: resource's only one after its listings, so no listing between opened it sooner).
_RELISTED = re.compile(
    r"is older than every cycle the rater keeps \(from (?P<base>\S+)\); an inventory "
    r"compacted since \(at \S+\) listed '[^']*' and opened it again, .*?what it changes of "
    r"'(?P<meter>[^']*)' before \S+, (?P<quantity>\S+) "
)


def _event_part(
    anomaly: rk.Anomaly,
    by_id: dict[str, Record],
    lost: dict[tuple[object, ...], Fraction],
    behind: dict[str, int],
    doubt: dict[tuple[object, ...], tuple[Fraction, int]] | None,
) -> bool:
    """Count one ``"too_late"`` anomaly of an event, if it is one (see `too_late_parts()`)."""
    if _ORPHANED.search(anomaly.message):
        assert (anomaly.meter, anomaly.quantity) == (None, None), anomaly
        return True  # nothing before the kept cycles, and from them on as batch
    placed = _PLACED.search(anomaly.message) or _RELISTED.search(anomaly.message)
    opens = _OPENS.search(anomaly.message)
    found = placed or opens or _REPLAYED.search(anomaly.message)
    if found is None:
        return False
    (record_id,) = anomaly.record_ids
    event = by_id[record_id]
    assert isinstance(event, rk.Event), anomaly.message
    if placed is None and opens is None:
        # A replay of a START placed before: its own instant is its resource's last event
        # (the streams' too-late events are each their resource's only one).
        assert found["at"] == format_us(event.at_us), anomaly.message
        return True
    base_us = to_us(found["base"])
    if found["meter"] is not None:
        quantity = Fraction(Decimal(found["quantity"]))
        assert quantity == Fraction(typing.cast(Decimal, anomaly.quantity)), anomaly.message
        assert anomaly.meter == found["meter"], anomaly.message
        key = (event.account, event.resource, found["meter"])
        if opens is not None:
            assert doubt is not None, anomaly.message
            # (a replay of it says it again, over the kept cycles of its own feed)
            doubt[key] = (max(doubt.get(key, (Fraction(0), 0))[0], quantity), base_us)
        else:
            lost[key] = lost.get(key, Fraction(0)) + quantity
    behind[event.account] = max(behind.get(event.account, base_us), base_us)
    return True


def _in_doubt(
    doubt: dict[tuple[object, ...], tuple[Fraction, int]],
    lines: Sequence[rk.StatementLine],
    batch: rk.Rating,
    lost: dict[tuple[object, ...], Fraction],
    behind: dict[str, int],
) -> None:
    """Check the resources left in doubt, and leave their accounts out of the law's sums.

    The stream bills no usage of such a resource (it knows no other record of it); batch
    bills, before the kept cycles of its feed, at most the quantity in doubt per meter
    (up to where an inventory closed it, or all of it), and after them, all or nothing.
    Their accounts (known from that event alone) are compared no further, but for their
    usage: batch's of the resource is counted lost, the rest must be the stream's.
    """
    want = batch_sums(batch.charges)
    for (account, resource, meter), (quantity, base_us) in doubt.items():
        assert not [
            line
            for line in lines
            if (line.account, line.resource, line.kind) == (account, resource, "usage")
        ], (account, resource)
        early = sum(
            (
                value[0]
                for key, value in want.items()
                if (key[0], key[7], key[5], key[3]) == (account, resource, meter, "usage")
                and typing.cast(int, key[2]) <= base_us
            ),
            Fraction(0),
        )
        assert 0 <= early <= quantity, (account, resource, meter, early, quantity)
        behind[typing.cast(str, account)] = T0 + 100 * DAY_US  # every cycle of the account
    for key, value in want.items():
        if key[3] == "usage" and any((key[0], key[7], key[5]) == k for k in doubt):
            usage = (key[0], key[7], key[5])
            lost[usage] = lost.get(usage, Fraction(0)) + value[0]


def _listing_part(
    anomaly: rk.Anomaly,
    lost: dict[tuple[object, ...], Fraction],
    behind: dict[str, int],
) -> None:
    """Count one ``"too_late"`` anomaly of an inventory reconciled with the compacted state.

    Its part of a resource's meter before the kept cycles is counted lost, and the dues
    it makes an account owe there put that account behind (see `too_late_parts()`). A
    ``last_seen`` closing's part is counted apart (`check_law()`): left alone here.
    """
    dues = _DUES.search(anomaly.message)
    if dues is not None:
        base_us = to_us(dues["base"])
        behind[dues["account"]] = max(behind.get(dues["account"], base_us), base_us)
        return
    found = _RECONCILED.search(anomaly.message)
    # (The streams' listings are of an account known from nothing else: every resource
    # they name is reconciled, none left as it stands.)
    assert found is not None or "cannot be reconciled" not in anomaly.message, anomaly.message
    if found is None or found["meter"] is None:
        return
    quantity = Fraction(Decimal(found["quantity"]))
    assert quantity == Fraction(typing.cast(Decimal, anomaly.quantity)), anomaly.message
    assert (anomaly.account, anomaly.resource, anomaly.meter) == (
        found["account"],
        found["resource"],
        found["meter"],
    )
    key = (found["account"], found["resource"], found["meter"])
    lost[key] = lost.get(key, Fraction(0)) + quantity
    base_us = to_us(found["base"])
    behind[found["account"]] = max(behind.get(found["account"], base_us), base_us)


def missing_usage(
    got: dict[tuple[object, ...], tuple[Fraction, Fraction]],
    want: dict[tuple[object, ...], tuple[Fraction, Fraction]],
    on_time: typing.Callable[[tuple[object, ...]], bool],
) -> dict[tuple[object, ...], Fraction]:
    """Per (account, resource, meter), batch's usage less the statements', where not on time."""
    missing: dict[tuple[object, ...], Fraction] = {}
    for key in {*got, *want}:
        if on_time(key) or key[3] != "usage":
            continue
        gap = want.get(key, (Fraction(0),))[0] - got.get(key, (Fraction(0),))[0]
        usage = (key[0], key[7], key[5])  # account, resource, meter
        missing[usage] = missing.get(usage, Fraction(0)) + gap
    return {key: value for key, value in missing.items() if value}


def _against_batch(
    lines: Sequence[rk.StatementLine],
    batch: rk.Rating,
    lost: dict[tuple[object, ...], Fraction],
    behind: dict[str, int],
) -> None:
    """The statements' lines against one batch rate(), but for the parts said too late.

    Every cycle but those compacted when a part of its account's usage came too late
    (``behind``) equals batch's, to the last digit, in rationals, in Decimal sums and in
    batch's own totals per account and cycle; in those cycles, batch's usage exceeds the
    statements' by exactly the parts named (``lost``).
    """

    def on_time(key: tuple[object, ...]) -> bool:
        # Not a cycle compacted when a part of its account's usage came too late.
        return typing.cast(int, key[2]) > behind.get(typing.cast(str, key[0]), T0)

    got, want = sums(lines), batch_sums(batch.charges)
    assert {k: v for k, v in got.items() if on_time(k)} == {
        k: v for k, v in want.items() if on_time(k)
    }
    # In the cycles compacted before a too-late part came: batch's usage of that resource
    # and meter exceeds the statements' by the parts the feeds named, to the last digit;
    # every other resource's usage is the same (its amounts may differ: tiers, minimums).
    assert missing_usage(got, want, on_time) == {k: v for k, v in lost.items() if v}
    timely = [line for line in lines if on_time(line.key)]
    charges = [c for c in batch.charges if on_time((c.account, 0, c.cycle.end_us))]
    # Exact to the last digit: the Decimal sums too, not only the rationals.
    exact = decimal.Context(prec=decimal.MAX_PREC, traps=[decimal.Inexact])
    total = functools.reduce(exact.add, (line.amount for line in timely), Decimal(0))
    assert total == functools.reduce(exact.add, (c.amount for c in charges), Decimal(0))
    # And batch's own totals, per account and cycle (a plan change mid-cycle prorates two
    # plans' fees: 60-digit amounts of other magnitudes, whose sum needs a 61st digit).
    per_cycle: dict[tuple[str, int, int], list[Decimal]] = {}
    for line in timely:
        per_cycle.setdefault((line.account, *line.key[1:3]), []).append(line.amount)
    for (account, lo, hi), amounts in per_cycle.items():
        cycle = rk.Span(format_us(lo), format_us(hi))
        assert batch.total(account, cycle) == functools.reduce(exact.add, amounts, Decimal(0))


def check_law(
    seed: int,
    *,
    horizon_h: int,
    late_ok: bool,
    single: rk.Plan | None = None,
    anonymous: bool = False,
    late: typing.Literal["correct", "report"] = "correct",
    greet: bool | None = None,
    sequenced: bool = False,
    gauges: bool = False,
    last_seen: bool | None = None,
    gaps: bool = False,
    moves: bool = False,
    early: bool = False,
    ties: bool = False,
    many: bool = False,
    twin: bool = False,
    listings: bool = False,
    starts: bool = False,
    closings: bool = False,
    orphans: bool = False,
    edges: bool = False,
    versions: bool = False,
    relisted: bool = False,
    refeed: bool = False,
    ahead: bool = False,
    assigned: tuple[rk.Assignment, ...] | None = None,
) -> None:
    """The rater's law for one random stream (raises AssertionError when it fails).

    ``assigned``: rate under those assignments instead of ``PLANS`` (accounts a and b,
    b's plan changing at ``SWITCH_US``).

    ``single``: rate under that one plan instead of the assignments. ``anonymous``: some
    records without an id. ``late``: the rater's policy for late records (under
    ``"report"`` the law counts the lines reported only). ``greet``: whether each account
    sends a record at the start (by default under a single plan only); without it, an
    account may first appear in any cycle, and owes its fees from that cycle on.
    ``sequenced``: some events carry a ``seq`` (see `records()`). ``gauges``: some
    gauge readings too (see `records()`). ``last_seen``: see `records()` (by default
    with ``sequenced``). ``gaps``: some
    counter readings a day or more apart (see `records()`): a reading whose previous one
    lies in a compacted cycle is too late for its part there, which its feed names with
    its quantity; batch differs by exactly those parts, in the compacted cycles only.
    ``moves``: watermarks wait for the records that may move a
    ``last_seen`` closing (see `reach()`); without it they may compact its cycle first,
    and each part a ``"too_late"`` anomaly names is counted (see `_moved_parts()`).
    ``early``: some counter readings are fed once their cycle is compacted (see
    `records()`): each is placed in the compacted state, and its part there named.
    ``ties``: some of those counters' readings have a twin at their instant (see
    `records()`), judged as batch judges the tie whichever comes first.
    ``many``: a rising counter with more readings per cycle than a state keeps, some fed
    once their cycle is compacted (see `records()`): one older than the readings the
    state keeps is not placed, its anomaly says it changes nothing in the kept cycles and
    nothing in total in the compacted ones when it reads between its neighbours, as every
    reading of that counter does (the law counts it so: see `too_late_parts()`).
    ``listings``: an account known from one listing alone, fed once its cycle is
    compacted (see `records()`; under ``single`` only): batch differs by exactly the
    parts its ``"too_late"`` anomalies name, in the compacted cycles only.
    ``starts``: an account known from one START alone, fed once its cycle is compacted
    (see `records()`; under ``single`` only): placed, batch differs by exactly the parts
    its anomalies name, in the compacted cycles only; left in doubt (an inventory
    compacted since may have closed its resource), the stream bills none of its
    resource's usage, and batch at most the quantity named before the kept cycles.
    ``closings``: with ``listings`` or ``starts``, a kept ``last_seen`` inventory closes
    their resources back where they were listed or started (see `records()`): batch
    bills nothing of them, and the stream's compacted cycles differ from batch's by
    exactly the parts named, less the hours the closing says stay billed.
    ``orphans``: an orphan STOP fed once its cycle is compacted, of a resource an
    inventory after it closes and a listing after that opens again (see `records()`):
    the kept cycles equal batch's to the last digit.
    ``edges``: every event stamped in the first 6 hours of a cycle is stamped at its
    start instead, and two watermarks in three are a cycle's end (see `run()`): a STOP
    there ends the closed cycle's last piece. ``versions``: each record held back has
    another version, fed in its batch (see `with_versions()` and `run()`).
    ``relisted``: a DELETE or STOP fed once its cycle is compacted, of a running
    resource a listing after it lists (see `records()`; under ``single`` only): batch
    differs by exactly the part its anomaly names, in the compacted cycles only.
    ``refeed``: records fed once their cycle is compacted are fed again in later
    batches (see `run()`): a duplicate, or another version ``conflicting``, never too
    late twice while remembered.
    ``ahead``: a ``last_seen`` inventory fed first, ahead of every watermark (see
    `records()` and `run()`): the cycles its closings reach back to stay kept until it
    is metered, and the law holds to the last digit.
    ``twin``: the same stream is run again without its restores, and must give the
    same statements. In every stream no anomaly is said twice, and a statement asked
    again at its watermark is empty (see `run()`).
    """
    rng = random.Random(seed)
    greet = single is not None if greet is None else greet
    stream = records(
        rng,
        greet=greet,
        anonymous=anonymous,
        sequenced=sequenced,
        gauges=gauges,
        last_seen=sequenced if last_seen is None else last_seen,
        gaps=gaps,
        early=early,
        ties=ties,
        many=many,
        listings=listings,
        starts=starts,
        closings=closings,
        orphans=orphans,
        relisted=relisted,
        ahead=ahead,
    )
    assert single is not None or not (listings or starts or orphans or relisted), (
        "an assignment names the accounts"
    )
    if edges:
        stream = [_at_cycle_start(r) if isinstance(r, rk.Event) else r for r in stream]
    others = None
    if versions:
        stream, others = with_versions(stream)
    plans = (PLANS if assigned is None else assigned) if single is None else single
    options: dict[str, typing.Any] = {
        "horizon_h": horizon_h,
        "late_ok": late_ok,
        "plans": plans,
        "late": late,
        # Fewer statements among sequenced events: a compaction then folds several
        # cycles at once, where one resource's reordering holds back another's.
        "statements_every": 0.25 if sequenced else 0.9 if ahead else 0.5,
        # Among gapped readings, a watermark moves on as records arrive, so that it may
        # compact a reading's previous one before the reading comes (or, ``ahead``, the
        # cycle of a last sign of life before the inventory fed first is metered).
        "jitter_h": rng.choice((2, 12)) if gaps or early or many or ahead else None,
        "moves": moves,
        "edges": edges,
        "versions": others,
        "refeed": refeed,
        "ahead": ahead,
    }
    state = rng.getstate()
    statements, feeds, final, _ = run(rng, stream, **options)
    said_once(statements)
    if twin:
        # The same stream, the same choices, no restore: the same statements, anomalies
        # included (a restored rater continues exactly where it was).
        rng.setstate(state)
        plain, plain_feeds, *_ = run(rng, stream, restores=False, **options)
        assert plain_feeds == feeds
        assert plain == statements
    doubt: dict[tuple[object, ...], tuple[Fraction, int]] = {}
    lost, behind = too_late_parts(feeds, stream, doubt)
    assert gaps or early or many or listings or starts or relisted or not lost, lost
    assert starts or not doubt, doubt
    # An inventory's closing reaches back into a compacted cycle only when a record that
    # moves it comes after that cycle is compacted (a last_seen one is fed in time for its
    # resources' last signs of life, see `reach()`): each such part is said, and counted.
    inventories = {r.id for r in stream if isinstance(r, rk.Inventory)}
    said = [
        a
        for r in (*feeds, *statements)
        for a in r.anomalies
        if a.kind == "too_late"
        and inventories.intersection(a.record_ids)
        and not _RECONCILED.search(a.message)  # counted with the samples' parts
        and not _DUES.search(a.message)
    ]
    # The closings of the resources known from one too-late listing or START: the hours
    # they say stay billed (or unbilled) are counted with the parts those records named.
    said = _closed_back(said, lost, behind, {"c", "d"}) if closings else said
    assert not moves or not said, said
    batch = rk.rate(stream, plans, span=rk.Span(format_us(T0), format_us(final)), meters=METERS)
    lines = [line for s in statements for line in (*s.lines, *s.reported_only)]
    if doubt:
        _in_doubt(doubt, lines, batch, lost, behind)
    if said:
        assert not lost, (said, lost)  # one accounting at a time: no stream mixes them
        _moved_parts(said, sums(lines), batch_sums(batch.charges))
    else:
        _against_batch(lines, batch, lost, behind)
    # Every record is accounted for.
    accounted = accounted_ids(lines, statements, feeds)
    ids = {record.id for record in stream if record.id is not None}
    assert ids <= accounted, sorted(ids - accounted)
    # Every cycle with a charge was closed, with its invoice.
    closed = {(span.start_us, span.end_us) for s in statements for span in s.closed}
    for key in batch_sums(batch.charges):
        if key[2] + horizon_h * HOUR_US <= final:
            assert (key[1], key[2]) in closed


_NAMED = re.compile(r"(?:closes|of) '([^']+)' of '([^']+)'(?:, (?:running|stopped) since| moves)")


def _closed_back(
    said: Sequence[rk.Anomaly],
    lost: dict[tuple[object, ...], Fraction],
    behind: dict[str, int],
    accounts: set[str],
) -> list[rk.Anomaly]:
    """Count the closings' parts of ``accounts``' resources with the parts named too late.

    Each names a resource, and per meter the part in compacted cycles that stays billed
    (the rater bills it, batch does not: negative) or unbilled (see `_closing_parts()`).
    Returns the other anomalies.
    """
    rest = []
    for anomaly in said:
        ((resource, account),) = _NAMED.findall(anomaly.message)
        if account not in accounts:
            rest.append(anomaly)
            continue
        for meter, quantity in _closing_parts(anomaly):
            key = (account, resource, meter)
            lost[key] = lost.get(key, Fraction(0)) + quantity
        # The account's usage is compared in every cycle (``lost``), its dues not: the
        # fees of the cycles after a closing back that batch would not bill, because the
        # account's only usage is closed away, are not named (docs/streaming.md, Known
        # limits).
        behind[account] = T0 + 100 * DAY_US
    return rest


_SAID = re.compile(
    r"\((\S+) hours (running|stopped)\) belonged to cycles already compacted and stays (\w+)"
)


def _closing_parts(anomaly: rk.Anomaly) -> list[tuple[str, Fraction]]:
    """The meter and quantity a closing's ``"too_late"`` anomaly names, checked against its words.

    A part running names, per time meter that measures the resource, its ``meter`` and
    ``quantity`` (negative where it stays billed), which its message repeats; the
    runtime's is the hours the message gives. A part stopped, or of a resource no meter
    measures, names none: nothing.
    """
    ((part, status, stays),) = _SAID.findall(anomaly.message)
    if anomaly.meter is None:
        assert anomaly.quantity is None, anomaly
        assert status == "stopped" or "running) belonged" in anomaly.message, anomaly
        return []
    assert status == "running", anomaly
    assert anomaly.quantity is not None, anomaly
    quantity = Fraction(anomaly.quantity)
    assert (quantity < 0) == (stays == "billed"), anomaly
    assert f"({anomaly.meter!r}: {anomaly.quantity} " in anomaly.message, anomaly
    if anomaly.meter == "runtime":
        assert abs(quantity) == Fraction(part), anomaly
    return [(anomaly.meter, quantity)]


def _moved_parts(
    said: Sequence[rk.Anomaly],
    rater: dict[tuple[object, ...], tuple[Fraction, Fraction]],
    batch: dict[tuple[object, ...], tuple[Fraction, Fraction]],
) -> None:
    """The rater's lines against batch's when ``"too_late"`` anomalies name closings' parts.

    Each names a resource and, per meter, its part in compacted cycles that stays billed
    (the rater bills it, batch does not) or unbilled (`_closing_parts()`): the rater's
    quantity of that resource and meter differs from batch's by exactly their sum; an
    account none names matches batch to the last digit. (The amounts of a named account
    follow its tiers and minimums: not told by quantities.)
    """
    parts: dict[tuple[str, str, str], Fraction] = {}
    for anomaly in said:
        ((resource, account),) = _NAMED.findall(anomaly.message)
        for meter, quantity in _closing_parts(anomaly):
            key = (account, resource, meter)
            parts[key] = parts.get(key, Fraction(0)) - quantity  # the rater's more
    accounts = {account for account, _, _ in parts}
    for key in rater.keys() | batch.keys():
        if key[0] not in accounts:
            assert rater.get(key) == batch.get(key), key
    for (account, resource, meter), expected in parts.items():
        usage = [
            rater.get(key, (0, 0))[0] - batch.get(key, (0, 0))[0]
            for key in rater.keys() | batch.keys()
            if key[0] == account and key[5] == meter and key[7] == resource
        ]
        assert sum(usage, Fraction(0)) == expected, (account, resource, meter, usage, expected)


def check_sequenced_inventory_law(seed: int, *, horizon_h: int, restore: bool) -> None:
    """The law over one family: resources with shuffled seqs and an inventory, fed at once.

    Two to four resources of one account, each with two to four events of which most
    carry a shuffled ``seq`` (so they reach back over cycles), a counter read on some of
    them (its resource is metered again from the kept cycles' start at each statement),
    and an inventory; all fed before the first statement, whose watermark comes after
    every record, so that one compaction folds several cycles at once and the resources'
    sequences hold it back in turn. Two more statements, a restore between them or not.
    """
    rng = random.Random(seed)
    stream: list[Record] = []
    keys: list[tuple[str, str]] = []
    for number in range(rng.randint(2, 4)):
        key = ("a", f"a-vm{number}")
        keys.append(key)
        count = rng.randint(2, 4)
        seqs = list(range(count))
        rng.shuffle(seqs)
        for index in range(count):
            at = format_us(T0 + rng.randrange(0, DAYS * DAY_US, 15 * MINUTE_US))
            kind = rng.choice(("start", "start", "update", "stop"))
            attributes = {"memory_mb": rng.choice((256, 512))} if kind != "stop" else {}
            seq = seqs[index] if rng.random() < 0.8 else None
            stream.append(
                rk.Event(*key, at, attributes, kind=kind, id=f"{key[1]}-{index}", seq=seq)
            )
        if rng.random() < 0.5:
            at = format_us(T0 + rng.randrange(0, DAYS * DAY_US, 15 * MINUTE_US))
            stream.append(rk.Sample(*key, "egress", at, 33, kind="counter", id=f"{key[1]}-c"))
    listed = [key for key in keys if rng.random() < 0.7]
    at = format_us(T0 + rng.randrange(0, DAYS * DAY_US, HOUR_US))
    close = rng.choice(("snapshot", "last_seen"))
    stream.append(rk.Inventory(at, listed, close=close, id="inv"))
    last = max(record.at_us for record in stream)
    first = rng.randrange(last + MINUTE_US, T0 + (DAYS + 1) * DAY_US, MINUTE_US)
    second = rng.randrange(first, T0 + (DAYS + 2) * DAY_US, MINUTE_US)
    final = T0 + (DAYS + 2) * DAY_US + horizon_h * HOUR_US
    rater = rk.Rater(BASIC, METERS, start=format_us(T0), horizon=dt.timedelta(hours=horizon_h))
    rater.feed(rng.sample(stream, len(stream)))
    lines: list[rk.StatementLine] = []
    for index, as_of in enumerate((first, second, final)):
        if restore and index == 1:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), BASIC, METERS)
        lines.extend(rater.statement(format_us(as_of)).lines)
        rater._check()
    batch = rk.rate(stream, BASIC, span=rk.Span(format_us(T0), format_us(final)), meters=METERS)
    assert sums(lines) == batch_sums(batch.charges)


HOURS_PLAN = rk.Plan("p", "EUR", CYCLE, [rk.PriceEntry("runtime", "runtime", rk.PerUnit(1))])
_HOURS = re.compile(r"\((\S+) hours (running|stopped)\)")


_MOVED = re.compile(
    r"\((\S+) hours (running|stopped)\) belonged to cycles already compacted and stays (billed|unbilled)"
)


def _seq_effect(event: rk.Event, stream: Sequence[Record]) -> int:
    """Where an event's effect begins by its seq alone (see `reach()`)."""
    if event.seq is None:
        return event.at_us
    after = [
        other.at_us
        for other in stream
        if isinstance(other, rk.Event)
        and (other.account, other.resource) == (event.account, event.resource)
        and other.seq is not None
        and other.seq > event.seq
    ]
    return min([event.at_us, *after])


def check_last_seen_law(seed: int, *, held: bool = False, listings: bool = False) -> None:
    """A ``last_seen`` inventory fed after compaction: what differs from batch is said.

    One to three resources of one account at 1 EUR an hour, each with two to five
    events (start, update, stop, delete) of which some carry a ``seq`` (shuffled or
    not), all fed at once; statements whose watermarks do not pass the inventory (one
    may compact the cycles of a resource's last sign of life); then an inventory with
    ``close="last_seen"`` listing some of them; a last statement. The closing's part in
    compacted cycles stays billed: the rater's total exceeds batch ``rate()``'s by
    exactly the hours running its ``"too_late"`` anomalies name (a part stopped bills
    nothing either way), none more, none less. A kept event stamped before the inventory
    but applied after it (by ``seq``) is no sign of life.

    ``held``: some events are held back and fed after the inventory is metered, in
    batches between statements that may compact the cycles before each one's effect
    (they are never too late themselves): one that moves the closing from or into
    compacted cycles says the part there, which "stays billed" (counted as above) or
    "stays unbilled" (batch bills it, the rater does not: counted the other way).

    ``listings``: one or two inventories before it list every resource (closing at the
    snapshot, so they close nothing), fed with the first records: each listing is a sign
    of life, in kept cycles or in compacted ones (the metering state remembers it).
    """
    rng = random.Random(seed)
    stream: list[Record] = []
    keys = [("a", f"vm{number}") for number in range(rng.randint(1, 3))]
    for key in keys:
        count = rng.randint(2, 5)
        seqs = list(range(count))
        if rng.random() < 0.7:
            rng.shuffle(seqs)
        for index in range(count):
            at = format_us(T0 + rng.randrange(0, DAYS * DAY_US, 30 * MINUTE_US))
            kind = rng.choice(("start", "start", "update", "stop", "stop", "delete"))
            attributes = {"size": rng.randint(1, 3)} if kind in ("start", "update") else {}
            seq = seqs[index] if rng.random() < 0.8 else None
            stream.append(
                rk.Event(*key, at, attributes, kind=kind, id=f"{key[1]}-{index}", seq=seq)
            )
    listed = [key for key in keys if rng.random() < 0.3]
    inventory_us = T0 + rng.randrange(DAY_US, DAYS * DAY_US, HOUR_US)
    inventory = rk.Inventory(format_us(inventory_us), listed, close="last_seen", id="inv")
    late = [r for r in stream if held and rng.random() < 0.4]
    # Drawn from their own generator, so that the rest of the stream is as it was.
    more = random.Random(seed * 7919 + 1)
    stream += [
        rk.Inventory(
            format_us(T0 + more.randrange(0, inventory_us - T0, HOUR_US)), keys, id=f"list-{number}"
        )
        for number in range(more.randint(1, 2) if listings else 0)
    ]
    # A watermark up to ``top()`` may close a held event's cycle, never compact it.
    effects = {id(r): cycle_end(_seq_effect(typing.cast(rk.Event, r), stream)) for r in late}

    def top(rest: Sequence[Record]) -> int:
        return min((cycle_end(effects[id(r)]) - 1 for r in rest), default=T0 + 99 * DAY_US)

    rater = rk.Rater(HOURS_PLAN, METERS, start=format_us(T0))
    assert rater.feed([r for r in stream if all(r is not x for x in late)]).anomalies == ()
    lines: list[rk.StatementLine] = []
    as_of = T0
    highest = min(inventory_us, top(late))
    for _ in range(rng.randint(1, 3)):
        as_of = rng.choice((rng.randrange(as_of, highest + 1, HOUR_US), highest))
        lines.extend(rater.statement(format_us(as_of)).lines)
    if top(late) <= inventory_us:
        early, late = late, []  # fed before the inventory: it is metered with them
        assert rater.feed(early).too_late == ()
    batches: list[list[Record]] = [[inventory]]
    feeds = [rater.feed(batches[0])]
    said_too = []
    if late:
        # The inventory metered first (a statement past it), then the held events.
        as_of = rng.randrange(inventory_us + MINUTE_US, top(late) + 1, MINUTE_US)
        first = rater.statement(format_us(as_of))
        lines.extend(first.lines)
        said_too.extend(first.anomalies)
        rng.shuffle(late)
        while late:
            size = rng.randint(1, len(late))
            batches.append(late[:size])
            feeds.append(rater.feed(late[:size]))
            late = late[size:]
            if rng.random() < 0.25:
                snapshot = json.loads(json.dumps(rater.snapshot()))
                rater = rk.Rater.restore(snapshot, HOURS_PLAN, METERS)
            if late and rng.random() < 0.7 and top(late) > as_of:
                as_of = rng.randrange(as_of, top(late) + 1, MINUTE_US)
                statement = rater.statement(format_us(as_of))
                lines.extend(statement.lines)
                said_too.extend(statement.anomalies)
    final = rater.statement(format_us(T0 + (DAYS + 2) * DAY_US))
    lines.extend(final.lines)
    rater._check()
    for feed, fed in zip(feeds, batches, strict=True):
        # None is too late whole; one whose move of the closing reaches compacted cycles
        # is listed too late as well as taken: exactly those a too_late anomaly names.
        assert set(feed.too_late) == named_too_late(feed, fed)
        assert set(feed.too_late) <= {*feed.accepted, *feed.late}
    said = [
        a
        for a in (*[a for f in feeds for a in f.anomalies], *said_too, *final.anomalies)
        if a.kind == "too_late"
    ]
    span = rk.Span(format_us(T0), format_us(T0 + (DAYS + 2) * DAY_US))
    batch = rk.rate([*stream, inventory], HOURS_PLAN, span=span, meters=METERS)
    running = Fraction(0)  # what the rater bills more than batch, at 1 EUR an hour
    for anomaly in said:
        assert anomaly.record_ids[-1] == "inv", anomaly
        (part,) = _HOURS.findall(anomaly.message)
        assert Fraction(part[0]) > 0
        if len(anomaly.record_ids) == 1:  # the inventory's own closing: it stays billed
            assert "stays billed" in anomaly.message, anomaly
        # Else a held event that moved the closing: the part and which way.
        running -= sum((quantity for _, quantity in _closing_parts(anomaly)), Fraction(0))
    billed = sum((Fraction(line.amount) for line in lines), Fraction(0))
    assert billed - sum((Fraction(c.amount) for c in batch.charges), Fraction(0)) == running
    # And per resource, as check_law() counts them.
    _moved_parts(said, sums(lines), batch_sums(batch.charges))


def check_too_late_closing_law(seed: int) -> None:
    """Events fed after their cycle is compacted, of resources a kept inventory closes back.

    One to three resources of one account at 1 EUR an hour: each a START on the first
    day and maybe more events there, fed on time; an inventory with
    ``close="last_seen"`` listing some of them on 3 or 4 March (kept), fed once
    statements compacted 1 and 2 March (one hour of horizon; fed with them, it would
    keep the cycles back to their last signs of life until it is metered). Then events stamped
    after each resource's last one and before 3 March (too late: placed in the
    compacted state), fed in time order in one or more batches, and a last statement.
    Batch ``rate()`` closes each unlisted resource at its last sign of life, which those
    events may be or move: the rater's total exceeds batch's by exactly the hours
    running its closings' ``"too_late"`` anomalies say stay billed, less those they say
    stay unbilled, less the hours the events' own ``"too_late"`` anomalies name (their
    part before the kept cycles, judged up to the closing). None more, none less.
    """
    rng = random.Random(seed)
    base = T0 + 2 * DAY_US
    keys = [("a", f"vm{number}") for number in range(rng.randint(1, 3))]
    stream: list[Record] = []
    late: list[Record] = []
    for key in keys:
        at = T0 + rng.randrange(0, DAY_US, 30 * MINUTE_US)
        stream.append(rk.Event(*key, format_us(at), kind="start", id=f"{key[1]}-0"))
        for index in range(1, rng.randint(2, 5)):
            at = rng.randrange(at + 30 * MINUTE_US, at + DAY_US, 30 * MINUTE_US)
            if at >= base:
                break
            kind = rng.choice(("start", "start", "update", "stop", "stop", "delete"))
            attributes = {"size": rng.randint(1, 3)} if kind in ("start", "update") else {}
            event = rk.Event(*key, format_us(at), attributes, kind=kind, id=f"{key[1]}-{index}")
            # The first day's fed on time, the rest once compacted (in time order).
            (stream if at < T0 + DAY_US and not late else late).append(event)
    listed = [key for key in keys if rng.random() < 0.3]
    inventory_us = base + rng.randrange(HOUR_US, 2 * DAY_US, HOUR_US)
    inventory = rk.Inventory(format_us(inventory_us), listed, close="last_seen", id="inv")
    late.sort(key=lambda record: record.at_us)
    everything = [*stream, inventory, *late]
    rater = rk.Rater(HOURS_PLAN, METERS, start=format_us(T0), horizon=dt.timedelta(hours=1))
    assert rater.feed(stream).too_late == ()
    lines: list[rk.StatementLine] = []
    said: list[rk.Anomaly] = []
    for day in (2, 3, 4):
        statement = rater.statement(format_us(T0 + (day - 1) * DAY_US + 6 * HOUR_US))
        lines.extend(statement.lines)
        said.extend(statement.anomalies)
    assert rater._base_us == base
    said.extend(rater.feed([inventory]).anomalies)
    named = Fraction(0)
    while late:
        size = rng.randint(1, len(late))
        fed, late = late[:size], late[size:]
        feed = rater.feed(fed)
        assert set(feed.too_late) == {record.id for record in fed}, feed
        for anomaly in feed.anomalies:
            assert "cannot be" not in anomaly.message, anomaly  # each placed
            if "inv" in anomaly.record_ids:
                continue  # a move of the closing: counted below
            if anomaly.meter is not None and anomaly.quantity is not None:
                assert anomaly.meter == "runtime", anomaly
                named += Fraction(anomaly.quantity)
        said.extend(feed.anomalies)
        if rng.random() < 0.25:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), HOURS_PLAN, METERS)
    final = rater.statement(format_us(T0 + (DAYS + 2) * DAY_US))
    lines.extend(final.lines)
    said.extend(final.anomalies)
    rater._check()
    running = Fraction(0)  # what the closings say the rater bills more than batch
    for anomaly in said:
        if anomaly.kind != "too_late" or "inv" not in anomaly.record_ids:
            continue
        ((hours, _, _),) = _MOVED.findall(anomaly.message)
        assert Fraction(hours) > 0, anomaly
        running -= sum((quantity for _, quantity in _closing_parts(anomaly)), Fraction(0))
    span = rk.Span(format_us(T0), format_us(T0 + (DAYS + 2) * DAY_US))
    batch = rk.rate(everything, HOURS_PLAN, span=span, meters=METERS)
    billed = sum((Fraction(line.amount) for line in lines), Fraction(0))
    total = sum((Fraction(c.amount) for c in batch.charges), Fraction(0))
    assert billed - total == running - named, (billed, total, running, named)
