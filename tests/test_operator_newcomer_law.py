"""The rater's law, for a PaaS's billing poller built as the docs describe it.

Every run is a fresh process: it loads its rater, its assignments and its cursor from one
JSON document (the store), replays its log of plan changes with ``assign()``, fetches
what its source shows (re-reading the last three hours), feeds it in random cuts, asks a
statement at its watermark, writes the lines to its ledger keyed by the run, and saves
the store in one write. A run may be killed after writing its lines and before saving:
the next run drops what was written after the saved run and gives it again. The host
may also go back to an older store (a restore of yesterday's backup) and re-feed
everything since.

The source is a shuffled stream of app events, counter readings, request deltas (some
over a span) and inventories (of every account, or scoped to one) of three accounts
(``a`` and ``b`` on ``hobby``, ``c`` on ``pro``), ``b`` upgrading to ``pro`` at a
watermark (or at the next cycle boundary), ``d`` joining at a watermark, each record
showing up at the source some minutes to hours after its instant.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk

UTC = dt.UTC
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
EGRESS = rk.Meter("egress", "GB", rk.Counter())
REQUESTS = rk.Meter("requests", "call", rk.Discrete())
METERS = [RUNTIME, MEMORY, EGRESS, REQUESTS]

Record = rk.Event | rk.Sample | rk.Inventory
Key = tuple[Any, ...]


def plans(tz: str) -> tuple[rk.Plan, rk.Plan]:
    """``hobby`` (a fee and a minimum) and ``pro`` (a fee and a minimum on runtime), daily in ``tz``."""
    days = rk.cycles.daily(tz=tz)
    hobby = rk.Plan(
        "hobby",
        "EUR",
        days,
        [
            rk.PriceEntry("run", "runtime", rk.PerUnit("0.013")),
            rk.PriceEntry("mem", "memory", rk.PerUnit("0.0000071")),
            rk.PriceEntry("eg", "egress", rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.09")])),
            rk.PriceEntry("req", "requests", rk.Package(1000, "0.4")),
        ],
        fees=[rk.Fee("base", "1.10")],
        minimums=[rk.Minimum("2")],
    )
    pro = rk.Plan(
        "pro",
        "EUR",
        days,
        [
            rk.PriceEntry("run", "runtime", rk.PerUnit("0.011")),
            rk.PriceEntry("mem", "memory", rk.PerUnit("0.0000063")),
            rk.PriceEntry("eg", "egress", rk.Volume([rk.Tier(50, "0.08"), rk.Tier(None, "0.05")])),
            rk.PriceEntry(
                "req", "requests", rk.Graduated([rk.Tier(500, "0"), rk.Tier(None, "0.0003")])
            ),
        ],
        fees=[rk.Fee("pro", "3.30")],
        minimums=[rk.Minimum("5", meter="runtime")],
    )
    return hobby, pro


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The sum of ``values``, exact (the default 28 digits would round it)."""
    with decimal.localcontext(prec=decimal.MAX_PREC, traps=[decimal.Inexact]):
        return sum(values, Decimal(0))


def key_of(line: rk.StatementLine | rk.Charge) -> Key:
    """The invoice line a statement line or a charge belongs to."""
    return (
        line.account,
        line.cycle,
        line.kind,
        line.plan,
        line.meter,
        line.entry,
        line.resource,
        line.unit,
        line.currency,
    )


def by_key(lines: Iterable[rk.StatementLine | rk.Charge]) -> dict[Key, tuple[Decimal, Decimal]]:
    """Quantity and amount per invoice line, summed exactly."""
    quantities: dict[Key, list[Decimal]] = defaultdict(list)
    amounts: dict[Key, list[Decimal]] = defaultdict(list)
    for line in lines:
        quantities[key_of(line)].append(line.quantity)
        amounts[key_of(line)].append(line.amount)
    return {key: (exact_sum(quantities[key]), exact_sum(amounts[key])) for key in quantities}


def differences(
    stream: dict[Key, tuple[Decimal, Decimal]], batch: dict[Key, tuple[Decimal, Decimal]]
) -> dict[Key, tuple[tuple[Decimal, Decimal], tuple[Decimal, Decimal]]]:
    """The invoice lines whose sums differ (a line missing on one side counts as zero)."""
    zero = (Decimal(0), Decimal(0))
    return {
        key: (stream.get(key, zero), batch.get(key, zero))
        for key in set(stream) | set(batch)
        if stream.get(key, zero) != batch.get(key, zero)
    }


def watermark_of(snapshot: dict[str, Any]) -> dt.datetime:
    """A rater's last watermark, as its snapshot says it."""
    return dt.datetime.fromtimestamp(snapshot["body"]["as_of_us"] / 1e6, UTC)


class Host:
    """The poller: a JSON store, a ledger keyed by run, a log of plan changes."""

    def __init__(
        self,
        *,
        tz: str,
        start: dt.datetime,
        horizon: dt.timedelta,
        late: str,
        source: Sequence[tuple[dt.datetime, Record]],
        catalog: dict[str, rk.Plan],
        initial: Sequence[rk.Assignment],
        rng: random.Random,
    ) -> None:
        self.tz, self.start, self.horizon, self.late = tz, start, horizon, late
        self.source, self.catalog, self.initial, self.rng = source, catalog, initial, rng
        self.store: str | None = None
        self.backups: list[str] = []
        self.log: list[rk.Assignment] = []
        self.ledger: dict[int, list[rk.StatementLine]] = {}  # charged lines, per run
        self.reported: dict[int, list[rk.StatementLine]] = {}  # late="report" lines, per run
        self.invoices: dict[int, list[rk.Invoice]] = {}
        self.named: dict[int, list[rk.Anomaly]] = {}  # what feeds and statements said
        self.said: dict[int, set[str]] = {}  # the ids each run accounted for
        self.run_number = 0
        self.killed = self.gone_back = 0

    def _rows(self, assigned: Iterable[rk.Assignment]) -> list[list[str | None]]:
        return [
            [
                a.account,
                a.plan.id,
                a.start.isoformat() if a.start else None,
                a.end.isoformat() if a.end else None,
            ]
            for a in assigned
        ]

    def load(self) -> tuple[rk.Rater, list[rk.Assignment], dt.datetime]:
        """The rater, its assignments and the cursor the last saved run left."""
        saved_run = 0
        if self.store is not None:
            saved = json.loads(self.store)
            assigned = [
                rk.Assignment(account, self.catalog[plan], start=start, end=end)
                for account, plan, start, end in saved["assigned"]
            ]
            rater = rk.Rater.restore(saved["rater"], assigned, METERS)
            cursor = dt.datetime.fromisoformat(saved["cursor"])
            saved_run = saved["run"]
        else:
            assigned = list(self.initial)
            rater = rk.Rater(
                assigned, METERS, start=self.start, horizon=self.horizon, late=self.late, tz=self.tz
            )
            cursor = self.start
        if self.log:  # the whole log, in any order: what the rater holds is a replay
            assigned = list(rater.assign(*self.rng.sample(self.log, len(self.log))))
        for run in [run for run in self.ledger if run > saved_run]:  # written, not saved
            for written in (self.ledger, self.reported, self.invoices, self.named, self.said):
                del written[run]  # type: ignore[attr-defined]
        self.run_number = max(self.ledger, default=saved_run) + 1
        return rater, assigned, cursor

    def run(
        self,
        now: dt.datetime,
        watermark: dt.datetime,
        changes: Sequence[rk.Assignment] = (),
        *,
        crash: bool = False,
        window: dt.timedelta = dt.timedelta(hours=3),
    ) -> None:
        """One run of the poller: load, fetch, feed, state, write, save (unless killed)."""
        rater, assigned, cursor = self.load()
        if changes:
            self.log.extend(changes)
            assigned = list(rater.assign(*changes))
        fetched = [record for seen, record in self.source if cursor - window <= seen < now]
        self.rng.shuffle(fetched)
        feeds = [rater.feed([])] if self.rng.random() < 0.2 else []
        while fetched:
            cut = self.rng.randrange(1, len(fetched) + 1)
            feeds.append(rater.feed(fetched[:cut]))
            fetched = fetched[cut:]
        if self.rng.random() < 0.2:  # a clock gone back is refused and changes nothing
            before = rater.snapshot()
            try:
                rater.statement(watermark_of(before) - dt.timedelta(minutes=1))
            except rk.BadTimeError:
                assert rater.snapshot() == before
            else:
                raise AssertionError("a watermark went back")
        statement = rater.statement(watermark)
        run = self.run_number
        self.ledger[run] = list(statement.lines)
        self.reported[run] = list(statement.reported_only)
        self.invoices[run] = list(statement.invoices)
        self.named[run] = [a for feed in feeds for a in feed.anomalies] + list(statement.anomalies)
        self.said[run] = self._accounted_for(feeds, statement, self.named[run])
        if crash:
            self.killed += 1
            return
        if self.store is not None:
            self.backups.append(self.store)
        self.store = json.dumps(
            {
                "rater": rater.snapshot(),
                "assigned": self._rows(assigned),
                "cursor": watermark.isoformat(),
                "run": run,
            }
        )

    @staticmethod
    def _accounted_for(
        feeds: Sequence[rk.Feed], statement: rk.Statement, named: Sequence[rk.Anomaly]
    ) -> set[str]:
        """The ids a run's feeds and statement name: in their lists, anomalies or charges."""
        said = set(statement.no_effect)
        for feed in feeds:
            said.update(feed.duplicates, feed.conflicting, feed.too_late)
        for anomaly in named:
            said.update(anomaly.record_ids)
        for line in [*statement.lines, *statement.reported_only]:
            for charge in line.charges:
                said.update(charge.record_ids)
        for invoice in statement.invoices:
            for invoice_line in invoice.lines:
                for charge in invoice_line.charges:
                    said.update(charge.record_ids)
        return said

    def go_back(self) -> None:
        """Restore an older store, as from a backup (what came after is fetched again)."""
        self.gone_back += 1
        back = self.rng.randrange(len(self.backups))
        self.store = self.backups[back]
        del self.backups[back:]

    def lines(self) -> list[rk.StatementLine]:
        """Every line the saved runs gave, charged or reported."""
        return [line for run in self.ledger for line in (*self.ledger[run], *self.reported[run])]


def source(
    rng: random.Random, t0: dt.datetime, days: int, lag_hours: int
) -> list[tuple[dt.datetime, Record]]:
    """The platform's records, each with the instant it shows up at the source."""
    out: list[tuple[dt.datetime, Record]] = []

    def at(hours: float) -> dt.datetime:
        return t0 + dt.timedelta(minutes=round(hours * 60))

    def add(record: Record) -> None:
        out.append((record.at + dt.timedelta(minutes=rng.randrange(lag_hours * 60 + 1)), record))

    def next_id() -> str:
        return f"r{len(out)}"

    for account in "abc":
        for app in ("app1", "app2"):
            for _ in range(rng.randrange(1, 6)):
                kind = rng.choice(["start", "start", "update", "stop", "delete"])
                attributes = None
                if kind in {"start", "update"}:
                    attributes = {
                        "memory_mb": rng.choice([256, 512, 1024]),
                        "instances": rng.randrange(1, 4),
                    }
                add(
                    rk.Event(
                        account,
                        app,
                        at(rng.uniform(0, days * 24)),
                        attributes,
                        kind=kind,
                        id=next_id(),
                    )
                )
        value = 0
        for hours in sorted(rng.uniform(0, days * 24) for _ in range(rng.randrange(6))):
            value = rng.randrange(3) if rng.random() < 0.15 else value + rng.randrange(40)
            add(rk.Sample(account, "nic", "egress", at(hours), value, kind="counter", id=next_id()))
        for _ in range(rng.randrange(5)):
            calls = rng.choice([100, 700, 1300, -50])
            add(
                rk.Sample(
                    account, "gw", "requests", at(rng.uniform(0, days * 24)), calls, id=next_id()
                )
            )
    for _ in range(rng.randrange(3)):
        listed = [(a, app) for a in "abc" for app in ("app1", "app2") if rng.random() < 0.6]
        close = rng.choice(["snapshot", "last_seen"])
        add(rk.Inventory(at(rng.uniform(0, days * 24)), listed, close=close, id=next_id()))  # type: ignore[arg-type]
    for n in range(rng.randrange(4)):  # one account's own reconciler
        account = rng.choice("abc")
        listed = [(account, app) for app in ("app1", "app2") if rng.random() < 0.5]
        close = rng.choice(["snapshot", "last_seen"])
        add(
            rk.Inventory(
                at(rng.uniform(0, days * 24)), listed, accounts=[account], close=close, id=f"s{n}"
            )
        )  # type: ignore[arg-type]
    for n in range(rng.randrange(4)):  # requests counted over a span
        instant = at(rng.uniform(1, days * 24))
        since = max(instant - dt.timedelta(minutes=rng.randrange(1, 600)), t0)
        add(
            rk.Sample(
                rng.choice("abc"),
                "gw",
                "requests",
                instant,
                rng.choice([30, 700, -20]),
                since=since,
                id=f"p{n}",
            )
        )
    for n in range(rng.randrange(6)):  # the account that joins after 20 hours
        instant = t0 + dt.timedelta(minutes=rng.randrange(26 * 60, days * 24 * 60))
        kind = rng.choice(["start", "stop", "update"])
        attributes = (
            {"memory_mb": 128, "instances": rng.randrange(1, 3)} if kind != "stop" else None
        )
        shown = instant + dt.timedelta(minutes=rng.randrange(60))
        out.append((shown, rk.Event("d", "appd", instant, attributes, kind=kind, id=f"d{n}")))  # type: ignore[arg-type]
    return out


def operate(
    seed: int,
    *,
    late: str = "correct",
    tz: str = "Europe/Zurich",
    days: int = 3,
    horizon: dt.timedelta | None = None,
    lag_hours: int = 4,
) -> tuple[Host, list[rk.Assignment], dt.datetime]:
    """Run the poller over ``days`` local days from 28 March 2026 (Zurich's 23-hour day).

    ``horizon``: ``None`` keeps every cycle open past the stream (nothing is too late).
    Returns the host, the final assignments and the last watermark.
    """
    rng = random.Random(seed)
    hobby, pro = plans(tz)
    t0 = hobby.cycle.containing(dt.datetime(2026, 3, 28, 12, tzinfo=UTC)).start
    initial = [rk.Assignment("a", hobby), rk.Assignment("b", hobby), rk.Assignment("c", pro)]
    records = source(rng, t0, days, lag_hours)
    at_boundary = rng.random() < 0.5
    host = Host(
        tz=tz,
        start=t0,
        horizon=dt.timedelta(hours=days * 24 + 8) if horizon is None else horizon,
        late=late,
        source=records,
        catalog={"hobby": hobby, "pro": pro},
        initial=initial,
        rng=rng,
    )
    now = watermark = t0
    end = t0 + dt.timedelta(hours=days * 24 + 6)
    upgraded = joined = False
    while now < end:
        now += dt.timedelta(minutes=rng.choice([30, 60, 120]))
        watermark = max(watermark, now - dt.timedelta(minutes=rng.choice([0, 10, 60])))
        changes: list[rk.Assignment] = []
        if not upgraded and now > t0 + dt.timedelta(hours=30):
            upgraded = True  # at the watermark itself, or at the next cycle boundary
            at = hobby.cycle.containing(watermark).end if at_boundary else watermark
            changes.append(rk.Assignment("b", pro, start=at))
        if not joined and now > t0 + dt.timedelta(hours=20):
            joined = True
            changes.append(rk.Assignment("d", rng.choice([hobby, pro]), start=watermark))
        if host.backups and rng.random() < 0.05:
            host.go_back()
        host.run(now, watermark, changes, crash=rng.random() < 0.1)
    last = end + host.horizon + dt.timedelta(days=2)  # every cycle with a record closes
    host.run(end + dt.timedelta(days=2), last)
    _, assigned, _ = host.load()
    return host, assigned, last


def batch(host: Host, assigned: Sequence[rk.Assignment], as_of: dt.datetime) -> rk.Rating:
    """One batch ``rate()`` over every record of the source, to ``as_of``."""
    cycle = assigned[0].plan.cycle
    last = cycle.containing(as_of - dt.timedelta(microseconds=1))
    span = rk.Span(cycle.containing(host.start).start, last.end)
    records = {record.id: record for _, record in host.source}
    return rk.rate(list(records.values()), list(assigned), span=span, meters=METERS, as_of=as_of)


def accounted(host: Host) -> set[str]:
    """The ids the saved runs accounted for: in a charge, an anomaly, a feed's lists or no_effect."""
    return set().union(*host.said.values())


def named_usage(
    lines: Iterable[rk.StatementLine], anomalies: Iterable[rk.Anomaly]
) -> tuple[dict[tuple[str, str | None], list[Decimal]], set[str]]:
    """Usage per account and meter: the lines' quantities plus the parts named not applied.

    Also the accounts an anomaly says were left in doubt (an event not placed, an inventory
    that cannot be reconciled: the streaming page's known limits), which the law skips.
    """
    usage: dict[tuple[str, str | None], list[Decimal]] = defaultdict(list)
    doubt: set[str] = set()
    for line in lines:
        if line.kind == "usage":
            usage[(line.account, line.meter)].append(line.quantity)
    for anomaly in anomalies:
        if anomaly.kind not in {"too_late", "late"} or anomaly.account is None:
            continue
        if anomaly.quantity is not None and anomaly.meter is not None:
            usage[(anomaly.account, anomaly.meter)].append(anomaly.quantity)
        if anomaly.kind == "too_late" and (
            "may have" in anomaly.message
            or "cannot" in anomaly.message
            or "is not applied" in anomaly.message
            or (anomaly.meter is None and "not charged" not in anomaly.message)
        ):
            doubt.add(anomaly.account)
    return usage, doubt


@pytest.mark.property
@pytest.mark.parametrize("late", ["correct", "report"])
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_a_pollers_statements_add_up_to_one_batch_rate(late: str, seed: int) -> None:
    """Every line a poller's saved runs gave, summed per invoice line, is batch ``rate()``'s.

    Restarts from the JSON store every run, runs killed before saving, a store restored
    from an older backup and everything fetched again, replays of the last three hours,
    empty batches, a clock that goes back (refused), plan changes at a watermark or a
    cycle boundary, a customer who joins: with a horizon longer than the stream (no
    record comes after its cycle closed), the sums are batch's to the last digit, and
    every record is named somewhere.
    """
    host, assigned, last = operate(seed, late=late)
    rating = batch(host, assigned, last)
    assert differences(by_key(host.lines()), by_key(rating.charges)) == {}
    assert {record.id for _, record in host.source} <= accounted(host)


@pytest.mark.property
@pytest.mark.parametrize(("tz", "horizon"), [("America/New_York", 0), ("Asia/Kathmandu", 2)])
@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_records_late_beyond_the_horizon_are_named_with_what_they_would_have_counted(
    tz: str, horizon: int, seed: int
) -> None:
    """Records up to 40 hours late under a horizon of 0 or 2 hours: some come too late.

    Per account and meter, the usage the lines give plus the quantities the ``"too_late"``
    and ``"late"`` anomalies name is batch's usage (but for the accounts where an anomaly
    says an event or inventory was left in doubt), and every record is accounted for.
    """
    host, assigned, last = operate(
        seed, tz=tz, horizon=dt.timedelta(hours=horizon), lag_hours=40, late="report"
    )
    rating = batch(host, assigned, last)
    usage, doubt = named_usage(host.lines(), [a for run in host.named.values() for a in run])
    batch_usage: dict[tuple[str, str | None], list[Decimal]] = defaultdict(list)
    for charge in rating.charges:
        if charge.kind == "usage":
            batch_usage[(charge.account, charge.meter)].append(charge.quantity)
    for account, meter in set(usage) | set(batch_usage):
        if account not in doubt:
            assert exact_sum(usage[(account, meter)]) == exact_sum(batch_usage[(account, meter)])
    assert {record.id for _, record in host.source} <= accounted(host)


@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_one_pollers_stream_adds_up_to_one_batch_rate() -> None:
    """One stream of the law in the example suite: it restarts, is killed and goes back."""
    host, assigned, last = operate(7)
    assert (host.killed, host.gone_back) == (6, 4)  # runs killed, backups restored
    rating = batch(host, assigned, last)
    assert differences(by_key(host.lines()), by_key(rating.charges)) == {}
    assert {record.id for _, record in host.source} <= accounted(host)


def _said(anomalies: Iterable[rk.Anomaly]) -> tuple[tuple[Any, ...], ...]:
    return tuple(
        (a.kind, a.record_ids, a.account, a.resource, a.at, a.meter, a.quantity, a.message)
        for a in anomalies
    )


def _told(seed: int, *, restored: bool, horizon: dt.timedelta, late: str) -> list[Any]:
    """Everything a poller's feeds and statements say over six days, restored after every call or never."""
    rng = random.Random(seed)
    hobby, pro = plans("Europe/Zurich")
    t0 = hobby.cycle.containing(dt.datetime(2026, 3, 28, 12, tzinfo=UTC)).start
    records = source(rng, t0, 3, 30)
    assigned = [
        rk.Assignment("a", hobby),
        rk.Assignment("b", hobby),
        rk.Assignment("c", pro),
        rk.Assignment("d", pro, start=t0 + dt.timedelta(hours=1)),
    ]
    rater = rk.Rater(assigned, METERS, start=t0, horizon=horizon, late=late, tz="Europe/Zurich")  # type: ignore[arg-type]
    told: list[Any] = []
    now = watermark = cursor = t0
    while now < t0 + dt.timedelta(days=6):
        now += dt.timedelta(minutes=rng.choice([30, 60, 120]))
        watermark = max(watermark, now - dt.timedelta(minutes=rng.choice([0, 10, 60])))
        fetched = [r for seen, r in records if cursor - dt.timedelta(hours=3) <= seen < now]
        rng.shuffle(fetched)
        while fetched:
            cut = rng.randrange(1, len(fetched) + 1)
            feed = rater.feed(fetched[:cut])
            fetched = fetched[cut:]
            told.append((feed, _said(feed.anomalies)))
            if restored:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
        statement = rater.statement(watermark)
        cursor = watermark
        told.append(
            (
                statement.lines,
                statement.reported_only,
                statement.invoices,
                statement.closed,
                statement.no_effect,
                _said(statement.anomalies),
            )
        )
        if restored:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
    return told


@pytest.mark.property
@settings(max_examples=3, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    horizon=st.sampled_from([0, 1, 5]),
    late=st.sampled_from(["correct", "report"]),
)
def test_a_rater_restored_after_every_call_says_what_one_never_restored_says(
    seed: int, horizon: int, late: str
) -> None:
    """Records up to 30 hours late, horizons of 0 to 5 hours: restored through JSON after
    every feed and statement, the rater's feeds and statements are those of the rater
    never restored: lines, invoices, closings, no-effect lists and anomalies, to the word.
    """
    hours = dt.timedelta(hours=horizon)
    assert _told(seed, restored=True, horizon=hours, late=late) == _told(
        seed, restored=False, horizon=hours, late=late
    )
