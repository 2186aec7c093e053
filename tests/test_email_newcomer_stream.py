"""A transactional e-mail service's quarter, streamed minute by minute and rated in batch.

Customers send messages (a `Discrete` meter, priced by graduated or volume tiers), keep
templates and logs (a gauge of GB, a GB-month by `TimeWeightedMean(over="period")`) and
rent a dedicated IP (a monthly fee prorated by days), with a committed minimum; cycles are
monthly, anchored on each customer's signup day in its own zone (the 31st in
Asia/Kolkata, the 29th of February in Pacific/Chatham, the 8th in America/St_Johns, whose
clocks go forward on 8 March). The backend's queue redelivers (duplicates, batches out of
order, a record late beyond the horizon) and the backend restarts from a JSON snapshot
after every statement. At every closing the stream's invoice must be batch `rk.rate()` +
`rk.bill()`, to the last digit (docs/streaming.md "One engine", "Closing and lateness",
"Credits on closing invoices"; docs/calendars.md "Anniversary days").
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

import ratekit as rk

SENT = rk.Meter("sent", "message", rk.Discrete())
STORAGE = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))
METERS = [SENT, STORAGE]
TIERS = [rk.Tier(1000, "0.001"), rk.Tier(10000, "0.0008"), rk.Tier(None, "0.0005")]


def plan(name: str, cycle: rk.cycles.Cycle, tz: str, model: object) -> rk.Plan:
    return rk.Plan(
        name,
        "USD",
        cycle,
        [
            rk.PriceEntry("messages", "sent", model),
            rk.PriceEntry("storage", "storage", rk.PerUnit("0.25")),
        ],
        fees=[rk.Fee("dedicated-ip", 30)],
        minimums=[rk.Minimum(12)],
        proration="days",
        tz=tz,
    )


def records(account: str, start: dt.datetime, days: int, seed: int) -> list[rk.Sample]:
    """A few messages every day or so and a storage gauge now and then: small, fast."""
    rng = random.Random(seed)
    out: list[rk.Sample] = []
    at, n = start + dt.timedelta(minutes=7), 0
    while at < start + dt.timedelta(days=days):
        out.append(
            rk.Sample(account, "smtp", "sent", at, rng.randint(0, 900), id=f"{account}-m{n}")
        )
        if n % 5 == 0:
            level = rng.randint(0, 40)
            out.append(
                rk.Sample(account, "logs", "storage", at, level, kind="gauge", id=f"{account}-g{n}")
            )
        if n % 11 == 3:  # a correction: bounced messages refunded
            out.append(
                rk.Sample(account, "smtp", "sent", at, -rng.randint(1, 50), id=f"{account}-c{n}")
            )
        n += 1
        at += dt.timedelta(hours=rng.randint(12, 60), minutes=rng.randint(0, 59))
    return out


def stream(
    rater: rk.Rater,
    assigned: object,
    recs: list[rk.Sample],
    end: dt.datetime,
    seed: int,
) -> tuple[list[rk.Invoice], set[str], dt.datetime]:
    """Feed as a redelivering queue does; restore from JSON after every statement."""
    rng = random.Random(seed)
    closing: list[rk.Invoice] = []
    taken: set[str] = set()
    watermark = rater_start = min(r.at for r in recs)
    i = 0
    while i < len(recs):
        size = rng.randint(1, 6)
        batch = recs[i : i + size]
        i += size
        batch = batch + [rng.choice(recs[:i]) for _ in range(rng.randint(0, 2))]  # replays
        rng.shuffle(batch)
        feed = rater.feed(batch)
        taken.update(feed.accepted)
        taken.update(feed.late)
        assert not feed.too_late
        assert not feed.conflicting
        watermark = max(
            watermark, max(r.at for r in batch) - dt.timedelta(hours=rng.randint(0, 30))
        )
        closing.extend(rater.statement(watermark).invoices)
        saved = json.loads(json.dumps(rater.snapshot()))
        rater = rk.Rater.restore(saved, assigned, METERS)
    closing.extend(rater.statement(end).invoices)
    assert rater_start <= watermark
    return closing, taken, end


ZONES = [
    # (zone, anniversary day, an instant in the first cycle, days streamed)
    ("Asia/Kolkata", 31, "2028-01-10T00:00:00Z", 64),  # 31 Jan, 29 Feb, 31 Mar, 30 Apr
    ("Pacific/Chatham", 29, "2027-12-15T00:00:00Z", 64),  # 28 Feb 2028 is 29 Feb's eve
    ("America/St_Johns", 8, "2026-02-15T00:00:00Z", 64),  # 8 March: clocks go forward
]


CASES = [
    (*ZONES[0], "graduated"),
    (*ZONES[1], "volume"),
    (*ZONES[2], "graduated"),
]


@pytest.mark.parametrize(("tz", "day", "first", "days", "tiers"), CASES)
def test_every_closing_invoice_is_batch_rate_and_bill(
    tz: str, day: int, first: str, days: int, tiers: str
) -> None:
    cycle = rk.cycles.monthly(tz=tz, day=day)
    model = rk.Graduated(TIERS) if tiers == "graduated" else rk.Volume(TIERS)
    chosen = plan(tiers, cycle, tz, model)
    start = cycle.containing(first).start
    signup = start + dt.timedelta(days=3, hours=5)  # the customer signs up mid-cycle
    assigned = [rk.Assignment("acme", chosen, start=signup)]
    recs = records("acme", signup, days, seed=day)
    rater = rk.Rater(assigned, METERS, start=start, horizon=dt.timedelta(days=2), tz=tz)
    end = start + dt.timedelta(days=days + 40)
    invoices, taken, as_of = stream(rater, assigned, recs, end, seed=day)
    assert taken == {r.id for r in recs}
    cycles = [inv.cycle for inv in invoices]
    assert len(cycles) == len(set(cycles)) == 3
    whole = rk.Span(cycles[0].start, cycles[-1].end)
    batch = rk.bill(rk.rate(recs, assigned, span=whole, meters=METERS, as_of=as_of), tz=tz)
    assert [str(b) for b in batch] == [str(s) for s in invoices]
    assert [rk.to_row(b) for b in batch] == [rk.to_row(s) for s in invoices]
    assert all(
        s.total == b.total and s.precise_total == b.precise_total
        for s, b in zip(invoices, batch, strict=True)
    )
    # Each closing alone too, rated over its own cycle.
    for inv in invoices:
        alone = rk.bill(rk.rate(recs, assigned, span=inv.cycle, meters=METERS, as_of=as_of), tz=tz)
        assert [str(a) for a in alone] == [str(inv)]


@pytest.mark.parametrize("seed", [3, 11])
def test_a_switch_to_volume_mid_cycle_and_credits_bill_as_batch(seed: int) -> None:
    """The customer moves from graduated to volume tiers at a watermark; credits (one
    larger than all its invoices, one renewing) are applied at each closing and carried
    with `credits_left`, as the host keeps them beside the snapshot."""
    rng = random.Random(seed)
    tz, day = ("Pacific/Chatham", 29) if seed % 2 else ("America/St_Johns", 8)
    cycle = rk.cycles.monthly(tz=tz, day=day)
    grad = plan("grad", cycle, tz, rk.Graduated(TIERS))
    vol = plan("vol", cycle, tz, rk.Volume(TIERS))
    start = cycle.containing("2026-02-20T00:00:00Z").start
    signup = start + dt.timedelta(days=2, hours=7)
    recs = records("acme", signup, 40, seed)
    held: list[rk.Assignment] = [rk.Assignment("acme", grad, start=signup)]
    grants = [
        rk.Credit("goodwill", "acme", 1000, "USD", start=start),
        rk.Credit("monthly", "acme", 3, "USD", start=start, renews=True, priority=1),
    ]
    balances = list(grants)
    rater = rk.Rater(held, METERS, start=start, horizon=dt.timedelta(hours=12), tz=tz)
    switch_at = signup + dt.timedelta(days=17, hours=5)
    watermark, i, invoices, switched = start, 0, [], False

    def close(at: dt.datetime) -> None:
        nonlocal balances
        closed = rk.apply_credits(rater.statement(at).invoices, balances)
        balances = list(rk.credits_left(balances, closed))
        invoices.extend(closed)

    while i < len(recs):
        n = rng.randint(1, 4)
        batch = [*recs[i : i + n], rng.choice(recs[: i + n])]
        i += n
        rng.shuffle(batch)
        assert not rater.feed(batch).too_late
        target = max(watermark, max(r.at for r in batch) - dt.timedelta(hours=rng.randint(0, 20)))
        if not switched and target >= switch_at:
            watermark = max(watermark, switch_at)
            close(watermark)
            held = list(rater.assign(rk.Assignment("acme", vol, start=watermark)))
            switched = True
        watermark = target
        close(watermark)
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), held, METERS)
    end = watermark + dt.timedelta(days=70)
    close(end)
    assert switched
    assert [a.plan.id for a in held] == ["grad", "vol"]
    whole = rk.Span(invoices[0].cycle.start, invoices[-1].cycle.end)
    batch_rating = rk.rate(recs, held, span=whole, meters=METERS, as_of=end)
    batch = rk.bill(batch_rating, tz=tz, credits=grants)
    assert [str(b) for b in batch] == [str(s) for s in invoices]
    assert all(inv.total == 0 for inv in invoices)  # the goodwill credit pays them all
