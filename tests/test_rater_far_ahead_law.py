"""The law of deltas stamped far ahead of the watermark, among ordinary records.

Random streams of two accounts' egress on daily cycles under graduated tiers: readings at
an instant, deltas over a few hours to two days, some fed before the watermark reaches
them, and deltas stamped 45 to 80 days on (a producer's clock off) whose span starts in
the first three weeks, fed in random batches, with statements each midnight and at random
hours between, and snapshot -> JSON -> restore at random points, up to a watermark past
every record. Then:

- what each far delta gave up is said, once: its feed's ``"too_late"`` anomaly and its
  statements' add up to its value over a whole number of hours from its ``since``, up to
  the kept cycles' start when it was metered (a midnight), which lies within a few days
  before `rk.rater.MAX_AHEAD` plus the horizon before its instant;
- the statements' lines add up, per account, resource and cycle, to one batch
  ``rk.rate()`` over the records as the stream took them (each far delta's span cut at
  that midnight, its value less the part said), to the last digit, quantity and amount;
- the state stays flat: after each statement the kept cycles start no more than the
  horizon plus four days before its watermark, or than the horizon plus
  `rk.rater.MAX_AHEAD` plus three days before the instant of a far delta not metered yet
  (a delta that held every cycle from its ``since`` failed this by day 25).

Every delta's value is a whole number of GB per hour of its span, so every part is exact.

And the same for a ``last_seen`` inventory stamped far ahead among VMs' events: what it
leaves billed before the kept cycles is said, to the hour, and the state stays flat.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import defaultdict
from decimal import Decimal

from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

UTC = dt.UTC
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
PLAN = rk.Plan(
    "e",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("gb", "egress", rk.Graduated([rk.Tier(20, "0.05"), rk.Tier(None, "0.01")]))],
)
START = dt.datetime(2026, 3, 1, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
DAYS = 21  # ordinary records lie in the first three weeks


def day(n: int) -> dt.datetime:
    return START + n * DAY


def _stream(
    rng: random.Random,
) -> tuple[dict[int, list[rk.Sample]], list[rk.Sample], list[rk.Sample]]:
    """Per feeding day, the records fed before its midnight statement; the ordinary and far ones."""
    batches: dict[int, list[rk.Sample]] = defaultdict(list)
    ordinary: list[rk.Sample] = []
    far: list[rk.Sample] = []
    for n in range(rng.randint(5, 30)):
        account, resource = rng.choice("ab"), f"r{rng.randint(0, 2)}"
        at = START + rng.randint(1, DAYS * 24) * HOUR
        if rng.random() < 0.4:
            sample = rk.Sample(account, resource, "egress", at, rng.randint(1, 5), id=f"o{n}")
            reach = at
        else:  # a delta over 1 to 48 hours (from START at the earliest)
            reach = max(at - rng.randint(1, 48) * HOUR, START)
            value = (at - reach) // HOUR * rng.randint(1, 3)
            sample = rk.Sample(account, resource, "egress", at, value, since=reach, id=f"o{n}")
        # fed before the statement of a midnight no later than two days after its reach:
        # never before the kept cycles (fed early, it is pending until its instant)
        latest = (reach - START) // DAY + 2
        batches[rng.randint(1, latest)].append(sample)
        ordinary.append(sample)
    for n in range(rng.randint(1, 3)):
        account, resource = rng.choice("ab"), f"x{n}"
        since = START + rng.randint(0, DAYS * 24) * HOUR
        at = START + rng.randint(45 * 24, 80 * 24) * HOUR
        hours = (at - since) // HOUR
        sample = rk.Sample(
            account, resource, "egress", at, hours * rng.randint(1, 2), since=since, id=f"f{n}"
        )
        batches[rng.randint(1, DAYS)].append(sample)  # its since may be compacted by then
        far.append(sample)
    for fed in batches.values():
        rng.shuffle(fed)
    return batches, ordinary, far


def _sums(
    items: list[tuple[str, str | None, dt.datetime, Decimal, Decimal]],
) -> dict[tuple[str, str | None, dt.datetime], tuple[Decimal, Decimal]]:
    out: dict[tuple[str, str | None, dt.datetime], tuple[Decimal, Decimal]] = {}
    for account, resource, start, quantity, amount in items:
        q, a = out.get((account, resource, start), (Decimal(0), Decimal(0)))
        out[account, resource, start] = (q + quantity, a + amount)
    return {k: v for k, v in out.items() if v != (0, 0)}


# (no shrinking: the seed is the whole input, a smaller one is no simpler stream)
@settings(
    max_examples=max(LAWS // 8, FLOOR), deadline=None, phases=[Phase.explicit, Phase.generate]
)
@given(seed=st.integers(0, 2**32), horizon_days=st.sampled_from([0, 0, 1, 3]))
# a far delta fed once the kept cycles start after its reach: too late before them
@example(seed=4128, horizon_days=3)
def test_far_deltas_among_ordinary_records_add_up_to_batch_and_keep_the_state_flat(
    seed: int, horizon_days: int
) -> None:
    rng = random.Random(seed)
    horizon = dt.timedelta(days=horizon_days)
    batches, ordinary, far = _stream(rng)
    last = max((s.at - START) // DAY for s in far) + horizon_days + 2
    rater = rk.Rater(PLAN, [EGRESS], start=START, horizon=horizon)
    said: dict[str, Decimal] = defaultdict(Decimal)
    lines: list[tuple[str, str | None, dt.datetime, Decimal, Decimal]] = []
    far_ids = {s.id for s in far}
    fed_at: dict[str | None, dt.datetime] = {}  # per far delta, the kept cycles' start then

    def count(anomalies: tuple[rk.Anomaly, ...]) -> None:
        for anomaly in anomalies:
            if anomaly.kind == "too_late":
                (record_id,) = anomaly.record_ids
                assert record_id in far_ids, anomaly  # ordinary records are never too late
                assert anomaly.quantity is not None
                said[record_id] += anomaly.quantity

    def state() -> dict[str, object]:
        body = rater.snapshot()["body"]
        assert isinstance(body, dict)
        return body

    for n in range(1, last + 1):
        fed = batches.get(n, [])
        cut = rng.randint(0, len(fed))
        for part in (fed[:cut], fed[cut:]):
            feed = rater.feed(part)
            assert set(feed.accepted) | set(feed.late) == {s.id for s in part}
            count(feed.anomalies)
            if any(s.id in far_ids for s in part):  # the kept cycles' start as it came
                kept = dt.datetime.fromtimestamp(state()["base_us"] / 1e6, UTC)  # type: ignore[operator]
                fed_at.update((s.id, kept) for s in part if s.id in far_ids)
        if rng.random() < 0.2:  # a watermark between two midnights
            statement = rater.statement(day(n - 1) + rng.randint(1, 23) * HOUR)
            count(statement.anomalies)
            lines += [
                (x.account, x.resource, x.cycle.start, x.quantity, x.amount)
                for x in statement.lines
            ]
        statement = rater.statement(day(n))
        count(statement.anomalies)
        lines += [
            (x.account, x.resource, x.cycle.start, x.quantity, x.amount) for x in statement.lines
        ]
        base = dt.datetime.fromtimestamp(state()["base_us"] / 1e6, UTC)  # type: ignore[operator]
        # flat: ordinary records reach two days back at most; a far delta not metered
        # yet keeps the cycles from MAX_AHEAD plus the horizon before its instant alone
        held = [s.at - rk.rater.MAX_AHEAD - horizon - 3 * DAY for s in far if s.at >= day(n)]
        assert base >= min([day(n) - horizon - 4 * DAY, *held]), (n, base)
        if rng.random() < 0.15:
            data = json.loads(json.dumps(rater.snapshot()))
            rater = rk.Rater.restore(data, PLAN, [EGRESS])

    taken = list(ordinary)
    for sample in far:
        assert sample.since is not None
        assert sample.id is not None
        per_hour = sample.value / ((sample.at - sample.since) // HOUR)
        given_up = said.get(sample.id, Decimal(0))
        hours, rest = divmod(given_up, per_hour)
        assert rest == 0, (sample, given_up)
        cut = sample.since + int(hours) * HOUR
        if given_up:
            assert cut.time() == dt.time(0), (sample, cut)  # a kept cycles' start
            # it kept the cycles from MAX_AHEAD plus the horizon before its instant (or
            # from where another far delta kept them): given up before that alone, or
            # before the kept cycles it came to (too late there, as any record is)
            bound = max(sample.at - rk.rater.MAX_AHEAD - horizon, fed_at[sample.id])
            assert cut <= bound, (sample, cut, fed_at[sample.id])
        # and nothing kept for it was given up: its last days count
        assert cut >= sample.at - rk.rater.MAX_AHEAD - horizon - 3 * DAY, (sample, cut)
        taken.append(
            rk.Sample(
                sample.account,
                sample.resource,
                "egress",
                sample.at,
                sample.value - given_up,
                since=cut,
                id=sample.id,
            )
        )
    rating = rk.rate(taken, PLAN, span=rk.Span(START, day(last)), meters=[EGRESS])
    batch = _sums(
        [(c.account, c.resource, c.cycle.start, c.quantity, c.amount) for c in rating.charges]
    )
    assert _sums(lines) == batch


VM = rk.Meter("vm.hours", "hour", rk.OnOff())
VM_PLAN = rk.Plan(
    "v", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
_CLOSED = re.compile(
    r"closes '([^']+)' of '([^']+)'.* the part from (\S+) to (\S+) \((\d+) hours running\)"
)


@settings(
    max_examples=max(LAWS // 8, FLOOR), deadline=None, phases=[Phase.explicit, Phase.generate]
)
@given(seed=st.integers(0, 2**32), horizon_days=st.sampled_from([0, 0, 1, 3]))
def test_a_last_seen_inventory_stamped_far_ahead_says_what_it_leaves_billed_and_keeps_the_state_flat(
    seed: int, horizon_days: int
) -> None:
    # One to three VMs of one account, each with starts, updates and stops on whole hours
    # of the first ten days, fed on time; a last_seen inventory stamped 45 to 80 days on,
    # listing some of them, fed on a random day; statements every midnight (restored at
    # random) past it. The stream bills what batch bills but the hours its "too_late"
    # anomalies name as staying billed (a VM running at its last sign of life, before the
    # kept cycles when the inventory is metered), per VM to the hour, and every cycle
    # from the kept start they name on as batch does; the kept cycles start no further
    # back than the horizon plus four days, or MAX_AHEAD plus the horizon plus a day
    # before the inventory's instant while it is not metered.
    rng = random.Random(seed)
    horizon = dt.timedelta(days=horizon_days)
    vms = [f"vm{n}" for n in range(rng.randint(1, 3))]
    events: dict[int, list[rk.Event]] = defaultdict(list)
    stream: list[rk.Event | rk.Inventory] = []
    for vm in vms:
        for n in range(rng.randint(1, 4)):
            at = START + rng.randint(0, 10 * 24 - 1) * HOUR
            kind = rng.choice(("start", "start", "update", "stop"))
            event = rk.Event("acme", vm, at, kind=kind, id=f"{vm}-{n}")
            events[(at - START) // DAY + 1].append(event)  # fed before its day's end
            stream.append(event)
    inventory = rk.Inventory(
        START + rng.randint(45 * 24, 80 * 24) * HOUR,
        [("acme", vm) for vm in vms if rng.random() < 0.3],
        close="last_seen",
        id="inv",
    )
    events[rng.randint(1, 20)].append(inventory)  # type: ignore[arg-type]
    stream.append(inventory)
    last = (inventory.at - START) // DAY + horizon_days + 2
    rater = rk.Rater(VM_PLAN, [VM], start=START, horizon=horizon)
    lines: list[tuple[str, str | None, dt.datetime, Decimal, Decimal]] = []
    said: list[rk.Anomaly] = []
    for n in range(1, last + 1):
        feed = rater.feed(events.get(n, []))
        assert feed.too_late == (), feed.anomalies
        statement = rater.statement(day(n))
        said += [a for a in statement.anomalies if a.kind == "too_late"]
        lines += [
            (x.account, x.resource, x.cycle.start, x.quantity, x.amount) for x in statement.lines
        ]
        base = dt.datetime.fromtimestamp(rater.snapshot()["body"]["base_us"] / 1e6, UTC)  # type: ignore[operator]
        held = [inventory.at - rk.rater.MAX_AHEAD - horizon - DAY] if inventory.at >= day(n) else []
        assert base >= min([day(n) - horizon - 4 * DAY, *held]), (n, base)
        if rng.random() < 0.15:
            data = json.loads(json.dumps(rater.snapshot()))
            rater = rk.Rater.restore(data, VM_PLAN, [VM])
    batch = _sums(
        [
            (c.account, c.resource, c.cycle.start, c.quantity, c.amount)
            for c in rk.rate(stream, VM_PLAN, span=rk.Span(START, day(last)), meters=[VM]).charges
        ]
    )
    stream_sums = _sums(lines)
    kept_from = START
    more: dict[str, Decimal] = defaultdict(Decimal)  # hours the stream bills more, per VM
    for anomaly in said:
        assert anomaly.record_ids == ("inv",), anomaly
        ((resource, account, _, to, hours),) = _CLOSED.findall(anomaly.message)
        assert (account, anomaly.meter, anomaly.quantity) == ("acme", "vm.hours", -Decimal(hours))
        assert "stays billed" in anomaly.message
        more[resource] += Decimal(hours)
        kept_from = max(kept_from, dt.datetime.fromisoformat(to))
    for vm in vms:
        mine = sum((q for (_, r, _), (q, _) in stream_sums.items() if r == vm), Decimal(0))
        theirs = sum((q for (_, r, _), (q, _) in batch.items() if r == vm), Decimal(0))
        assert mine - theirs == more[vm], (vm, mine, theirs, said)
    assert {k: v for k, v in stream_sums.items() if k[2] >= kept_from} == {
        k: v for k, v in batch.items() if k[2] >= kept_from
    }
