"""A PaaS's billing, built from the docs alone, worked by hand: a poller, its store, its ledger.

Each example is a stream a provider backend meets (a plan change at a watermark, a STOP
before its START, replays across restarts, records late within and beyond the horizon,
a damaged snapshot, a backup restored and everything fed again, an inventory), with the
figures worked out in comments, and the stream checked against one batch ``rk.rate()``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal

import pytest
from tests.test_operator_newcomer_law import by_key, differences, exact_sum

import ratekit as rk

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
REQUESTS = rk.Meter("requests", "call", rk.Discrete())
METERS = [RUNTIME, MEMORY, REQUESTS]
ZURICH_DAYS = rk.cycles.daily(tz="Europe/Zurich")
HOBBY = rk.Plan(
    "hobby",
    "EUR",
    ZURICH_DAYS,
    [
        rk.PriceEntry("run", "runtime", rk.PerUnit("0.10")),
        rk.PriceEntry("mem", "memory", rk.PerUnit("0.0001")),
        rk.PriceEntry("req", "requests", rk.PerUnit("0.001")),
    ],
    fees=[rk.Fee("base", "2.40")],
    minimums=[rk.Minimum("4.80")],
)
PRO = rk.Plan(
    "pro",
    "EUR",
    ZURICH_DAYS,
    [
        rk.PriceEntry("run", "runtime", rk.PerUnit("0.06")),
        rk.PriceEntry("mem", "memory", rk.PerUnit("0.00008")),
        rk.PriceEntry("req", "requests", rk.PerUnit("0.0005")),
    ],
    fees=[rk.Fee("pro", "5.52")],
)
START = "2026-03-28T00:00:00+01:00"  # 27 March 23:00Z; 29 March in Zurich lasts 23 hours
UTC_DAYS = rk.Plan(
    "d",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("run", "runtime", rk.PerUnit("0.50")),
        rk.PriceEntry("mem", "memory", rk.PerUnit("0.0001")),
        rk.PriceEntry("req", "requests", rk.PerUnit("0.01")),
    ],
)


def web(at: str, kind: str, record_id: str, **attributes: int) -> rk.Event:
    """An event of the shop's web app."""
    return rk.Event("shop", "web", at, attributes or None, kind=kind, id=record_id)  # type: ignore[arg-type]


def calls(at: str, value: int, record_id: str, account: str = "shop") -> rk.Sample:
    """A delta of requests through the shop's gateway."""
    return rk.Sample(account, "gw", "requests", at, value, id=record_id)


class Store:
    """The poller's JSON store (rater, assignments as rows, cursor) and its ledger."""

    def __init__(self, plans: dict[str, rk.Plan]) -> None:
        self.plans = plans
        self.text: str | None = None
        self.ledger: dict[str, list[rk.StatementLine]] = {}  # by the statement's watermark
        self.closing: dict[str, list[rk.Invoice]] = {}

    def save(self, rater: rk.Rater, assigned: Sequence[rk.Assignment], cursor: str) -> None:
        rows = [
            [a.account, a.plan.id, a.start and a.start.isoformat(), a.end and a.end.isoformat()]
            for a in assigned
        ]
        self.text = json.dumps({"rater": rater.snapshot(), "assigned": rows, "cursor": cursor})

    def load(self) -> tuple[rk.Rater, list[rk.Assignment]]:
        assert self.text is not None
        saved = json.loads(self.text)
        assigned = [
            rk.Assignment(account, self.plans[plan], start=start, end=end)
            for account, plan, start, end in saved["assigned"]
        ]
        for written in [at for at in self.ledger if at > saved["cursor"]]:  # killed before saving
            del self.ledger[written], self.closing[written]
        return rk.Rater.restore(saved["rater"], assigned, METERS), assigned

    def state(self, rater: rk.Rater, as_of: str) -> rk.Statement:
        statement = rater.statement(as_of)
        self.ledger[as_of], self.closing[as_of] = list(statement.lines), list(statement.invoices)
        return statement

    def lines(self) -> list[rk.StatementLine]:
        return [line for given in self.ledger.values() for line in given]


def test_a_day_in_zurich_with_an_upgrade_at_a_watermark_through_a_json_store() -> None:
    """A poller restarting from its JSON store every run, killed once, the shop upgrading at 18:00Z.

    The web app (2 instances of 250 MB) runs 08:00Z to 22:30Z on 28 March (a Zurich day,
    27 March 23:00Z to 28 March 23:00Z, 24 hours); the shop is on hobby until 18:00Z,
    then pro. The closing invoice, worked by hand:
    hobby: 10 h x 0.10 = 1.00; 10 h x 500 MB = 5000 MB*hour x 0.0001 = 0.50; its fee
    2.40 x 19/24 = 1.90; its minimum 4.80 x 19/24 = 3.80, less the 1.50 spent: 2.30.
    pro: 4.5 h x 0.06 = 0.27; 2250 MB*hour x 0.00008 = 0.18; its fee 5.52 x 5/24 = 1.15.
    Total 1.00 + 0.50 + 1.90 + 2.30 + 0.27 + 0.18 + 1.15 = 7.30.
    """
    store = Store({"hobby": HOBBY, "pro": PRO})
    start = web("2026-03-28T08:00:00Z", "start", "e1", memory_mb=250, instances=2)
    stop = web("2026-03-28T22:30:00Z", "stop", "e2")
    rater = rk.Rater(
        [rk.Assignment("shop", HOBBY)],
        METERS,
        start=START,
        horizon=dt.timedelta(hours=1),
        tz="Europe/Zurich",
    )
    assert rater.feed([start]).accepted == ("e1",)
    noon = store.state(rater, "2026-03-28T12:00:00Z")
    # 13 h of the day: fee 2.40 x 13/24 = 1.30; 4 h = 0.40 and 2000 MB*hour = 0.20;
    # minimum 4.80 x 13/24 = 2.60 less 0.60 spent = 2.00.
    assert {(line.entry, line.amount) for line in noon.lines} == {
        ("base", Decimal("1.3")),
        ("minimum", Decimal(2)),
        ("mem", Decimal("0.2")),
        ("run", Decimal("0.4")),
    }
    store.save(rater, [rk.Assignment("shop", HOBBY)], "2026-03-28T12:00:00Z")

    rater, assigned = store.load()
    assigned = list(rater.assign(rk.Assignment("shop", PRO, start="2026-03-28T18:00:00Z")))
    six = store.state(rater, "2026-03-28T18:00:00Z")  # 6 h more, all on hobby
    assert [(line.role, line.entry, line.amount) for line in six.lines] == [
        ("increment", "base", Decimal("0.6")),  # 2.40 x 6/24
        ("increment", "minimum", Decimal("0.3")),  # 3.80 - 1.50 = 2.30, 0.30 more
        ("increment", "mem", Decimal("0.3")),
        ("increment", "run", Decimal("0.6")),
    ]
    store.save(rater, assigned, "2026-03-28T18:00:00Z")

    rater, assigned = store.load()  # a run killed after writing, before saving
    rater.feed([stop, start])
    store.state(rater, "2026-03-28T23:30:00Z")
    rater, assigned = store.load()  # its lines are dropped: the next run gives them again
    assert list(store.ledger) == ["2026-03-28T12:00:00Z", "2026-03-28T18:00:00Z"]
    feed = rater.feed([stop, start])
    assert (feed.accepted, feed.duplicates) == (("e2",), ("e1",))
    store.state(rater, "2026-03-28T23:30:00Z")
    store.save(rater, assigned, "2026-03-28T23:30:00Z")

    rater, assigned = store.load()
    closing = store.state(rater, "2026-03-29T00:00:00Z")  # 28 March's end plus the horizon
    (invoice,) = closing.invoices
    assert invoice.total == Decimal("7.30")
    assert closing.closed == (rk.Span("2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z"),)
    # 29 March (23 h) owes pro's fee from its start: 5.52 x 1/23 = 0.24 to 00:00Z.
    lines = store.lines()
    march_29 = [
        line for line in lines if line.cycle.start.day == 28 and line.cycle.start.hour == 23
    ]
    assert exact_sum(line.amount for line in march_29) == Decimal("0.24")
    rating = rk.rate(
        [start, stop],
        assigned,
        meters=METERS,
        as_of="2026-03-29T00:00:00Z",
        span=rk.Span("2026-03-27T23:00:00Z", "2026-03-29T22:00:00Z"),
    )
    assert differences(by_key(lines), by_key(rating.charges)) == {}
    assert next(str(i) for i in rk.bill(rating, tz="Europe/Zurich")) == str(invoice)


def test_a_stop_before_its_start() -> None:
    """A STOP of 10:00 fed and metered first is an orphan; its START of 07:00 then corrects.

    At 11:00 the STOP has no START: nothing is charged, an ``"orphan_stop"``. The START
    of 07:00 fed after is stamped before the watermark: 07:00 to 10:00 is 3 h x 0.50 =
    1.50, a new line, as batch ``rate()`` of both bills it.
    """
    rater = rk.Rater(UTC_DAYS, METERS, start="2026-03-01T00:00:00Z")
    stop = rk.Event("acme", "vm", "2026-03-01T10:00:00Z", kind="stop", id="s")
    start = rk.Event("acme", "vm", "2026-03-01T07:00:00Z", kind="start", id="g")
    rater.feed([stop])
    first = rater.statement("2026-03-01T11:00:00Z")
    assert first.lines == ()
    assert [(a.kind, a.record_ids) for a in first.anomalies] == [("orphan_stop", ("s",))]
    rater.feed([start])
    second = rater.statement("2026-03-01T12:00:00Z")
    assert [(line.role, line.quantity, line.amount) for line in second.lines] == [
        ("charge", Decimal(3), Decimal("1.50"))
    ]
    rating = rk.rate(
        [stop, start],
        UTC_DAYS,
        meters=METERS,
        as_of="2026-03-01T12:00:00Z",
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
    )
    assert differences(by_key(second.lines), by_key(rating.charges)) == {}
    assert rating.anomalies == ()


def test_replays_across_restarts_are_duplicates_and_a_second_version_conflicts() -> None:
    """A batch fed again after a restore is duplicates; another version of an id conflicts.

    120 calls at 0.01 = 1.20; the second version of ``c1`` (500 calls) is not taken.
    """
    rater = rk.Rater(UTC_DAYS, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=6))
    batch = [calls("2026-03-01T01:00:00Z", 100, "c1"), calls("2026-03-01T02:00:00Z", 20, "c2")]
    assert rater.feed(batch).accepted == ("c1", "c2")
    for _ in range(3):  # three restarts, each feeding the same batch again
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), UTC_DAYS, METERS)
        assert rater.feed(batch).duplicates == ("c1", "c2")
    feed = rater.feed([calls("2026-03-01T01:00:00Z", 500, "c1")])
    assert feed.conflicting == ("c1",)
    assert rater.statement("2026-03-02T06:00:00Z").invoices[0].total == Decimal("1.20")


@pytest.mark.parametrize(
    ("late", "charged", "reported"), [("correct", "0.50", "0"), ("report", "0", "0.50")]
)
def test_late_within_the_horizon_under_both_policies(
    late: str, charged: str, reported: str
) -> None:
    """50 calls of 1 March 20:00 fed after 1 March closed (at 2 March 06:00), before it is compacted.

    Under ``late="correct"`` the closed cycle's line is corrected on the next statement
    (50 x 0.01 = 0.50, a late ``charge``); under ``late="report"`` it is reported only.
    Charged plus reported is what batch ``rate()`` bills: 100 + 50 calls = 1.50.
    """
    rater = rk.Rater(
        UTC_DAYS, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=6), late=late
    )
    on_time = calls("2026-03-01T10:00:00Z", 100, "c1")
    rater.feed([on_time])
    assert rater.statement("2026-03-02T06:00:00Z").invoices[0].total == Decimal("1.00")
    late_one = calls("2026-03-01T20:00:00Z", 50, "c2")
    assert rater.feed([late_one]).late == ("c2",)
    statement = rater.statement("2026-03-02T07:00:00Z")
    assert exact_sum(line.amount for line in statement.lines) == Decimal(charged)
    assert exact_sum(line.amount for line in statement.reported_only) == Decimal(reported)
    assert all(line.late for line in (*statement.lines, *statement.reported_only))
    rating = rk.rate(
        [on_time, late_one],
        UTC_DAYS,
        meters=METERS,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
    )
    assert rating.total() == Decimal("1.50")


def test_a_record_late_beyond_the_horizon_is_named_with_its_quantity() -> None:
    """30 calls of 1 March fed at 3 March 07:00, after 1 March was compacted: too late.

    1 March closed at 2 March 06:00 and was compacted when 2 March closed (3 March
    06:00): the feed names the record in ``too_late``, with its meter and quantity, and
    nothing is billed for it; fed again after a restore, it is a duplicate.
    """
    rater = rk.Rater(UTC_DAYS, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=6))
    rater.feed([calls("2026-03-01T10:00:00Z", 100, "c1")])
    rater.statement("2026-03-03T07:00:00Z")
    old = calls("2026-03-01T11:00:00Z", 30, "c9")
    feed = rater.feed([old])
    assert feed.too_late == ("c9",)
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == ("too_late", "requests", Decimal(30))
    assert "c9" in anomaly.message
    assert rater.statement("2026-03-04T00:00:00Z").lines == ()
    again = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), UTC_DAYS, METERS)
    assert again.feed([old]).duplicates == ("c9",)


def test_statements_at_the_same_watermark_are_empty_and_one_going_back_is_refused() -> None:
    """Twice at one watermark: empty, also after a restore and an upgrade at that watermark.

    A watermark going back is a ``BadTimeError`` naming both instants, and leaves the
    rater as it was (its snapshot unchanged).
    """
    rater = rk.Rater([rk.Assignment("shop", HOBBY)], METERS, start=START, tz="Europe/Zurich")
    rater.feed([web("2026-03-28T08:00:00Z", "start", "e1", memory_mb=250, instances=2)])
    assert rater.statement("2026-03-28T12:00:00Z").lines
    assert rater.statement("2026-03-28T12:00:00Z").lines == ()
    assert set(rater.feed([]).counts.values()) == {0}
    assert rater.statement("2026-03-28T13:00:00+01:00").lines == ()  # the same instant
    assigned = rater.assign(rk.Assignment("shop", PRO, start="2026-03-28T12:00:00Z"))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
    again = rater.statement("2026-03-28T12:00:00Z")
    assert (again.lines, again.anomalies, again.invoices) == ((), (), ())
    before = rater.snapshot()
    with pytest.raises(
        rk.BadTimeError,
        match="2026-03-28T11:59:00Z goes back before the last watermark 2026-03-28T12:00:00Z",
    ):
        rater.statement("2026-03-28T11:59:00Z")
    assert rater.snapshot() == before
    # From the upgrade on, pro: 1 h x 0.06 = 0.06, 500 MB*hour x 0.00008 = 0.04, fee 5.52/24 = 0.23.
    after = rater.statement("2026-03-28T13:00:00Z")
    assert exact_sum(line.amount for line in after.lines if line.plan == "pro") == Decimal("0.33")


def test_a_damaged_or_foreign_snapshot_is_refused_naming_why() -> None:
    """Truncated, edited, of another version or of other plans: a ``BadSnapshotError`` each.

    The intact copy then restores, and continues as the rater never stored.
    """
    rater = rk.Rater(UTC_DAYS, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([calls("2026-03-01T10:00:00Z", 100, "c1")])
    rater.statement("2026-03-01T12:00:00Z")
    text = json.dumps(rater.snapshot())
    with pytest.raises(json.JSONDecodeError):  # the host's own reading fails first
        json.loads(text[: len(text) // 2])
    edited = json.loads(text)
    edited["body"]["as_of_us"] += 1
    with pytest.raises(rk.BadSnapshotError, match="altered or damaged"):
        rk.Rater.restore(edited, UTC_DAYS, METERS)
    newer = json.loads(text)
    newer["version"] = 6
    with pytest.raises(rk.BadSnapshotError, match="version 6 is unknown"):
        rk.Rater.restore(newer, UTC_DAYS, METERS)
    short = json.loads(text)
    del short["body"]
    with pytest.raises(rk.BadSnapshotError, match="body"):
        rk.Rater.restore(short, UTC_DAYS, METERS)
    with pytest.raises(rk.BadSnapshotError, match="other plans or meters"):
        rk.Rater.restore(json.loads(text), HOBBY, METERS)
    restored = rk.Rater.restore(json.loads(text), UTC_DAYS, METERS)
    assert restored.statement("2026-03-02T00:00:00Z") == rater.statement("2026-03-02T00:00:00Z")


def test_a_backup_restored_and_everything_fed_again_bills_once() -> None:
    """Back to the store of 1 March 06:00 after three days, fed every record again.

    The host drops the ledger written after the backup's cursor, restores it, feeds the
    whole source again (what the backup holds are duplicates) and states on: the ledger
    adds up to batch ``rate()``. VM 06:00 to 2 March 18:00 (36 h x 0.50 = 18.00),
    2 x 256 MB (18,432 MB*hour x 0.0001 = 1.8432), 40 + 60 calls (1.00): 20.8432.
    """
    source = [
        rk.Event(
            "acme",
            "vm",
            "2026-03-01T06:00:00Z",
            {"memory_mb": 256, "instances": 2},
            kind="start",
            id="e1",
        ),
        calls("2026-03-01T05:00:00Z", 40, "c1", "acme"),
        calls("2026-03-02T05:00:00Z", 60, "c2", "acme"),
        rk.Event("acme", "vm", "2026-03-02T18:00:00Z", kind="stop", id="e2"),
    ]
    rater = rk.Rater(UTC_DAYS, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=3))
    ledger: dict[str, list[rk.StatementLine]] = {}
    backups: dict[str, str] = {}
    for watermark in [
        "2026-03-01T06:00:00Z",
        "2026-03-01T12:00:00Z",
        "2026-03-02T12:00:00Z",
        "2026-03-03T00:00:00Z",
    ]:
        rater.feed(
            [record for record in source if record.at < dt.datetime.fromisoformat(watermark)]
        )
        ledger[watermark] = list(rater.statement(watermark).lines)
        backups[watermark] = json.dumps(rater.snapshot())
    for written in [at for at in ledger if at > "2026-03-01T06:00:00Z"]:
        del ledger[written]
    rater = rk.Rater.restore(json.loads(backups["2026-03-01T06:00:00Z"]), UTC_DAYS, METERS)
    feed = rater.feed(source)
    assert (feed.duplicates, feed.accepted) == (("c1",), ("e1", "c2", "e2"))
    ledger["2026-03-06T00:00:00Z"] = list(rater.statement("2026-03-06T00:00:00Z").lines)
    lines = [line for given in ledger.values() for line in given]
    assert exact_sum(line.amount for line in lines) == Decimal("20.8432")
    rating = rk.rate(
        source,
        UTC_DAYS,
        meters=METERS,
        as_of="2026-03-06T00:00:00Z",
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z"),
    )
    assert differences(by_key(lines), by_key(rating.charges)) == {}


def test_a_plan_change_at_a_cycle_boundary_told_at_that_watermark() -> None:
    """The shop moves to pro at Zurich's midnight (28 March 23:00Z), told at that watermark.

    The app runs 20:00Z to 29 March 01:00Z: 3 h on hobby (0.30 and 1500 MB*hour, 0.15),
    2 h on pro (0.12 and 1000 MB*hour, 0.08); hobby's fee and minimum are for all of
    28 March (2.40; 4.80 - 0.45 = 4.35), pro's fee to the watermark 02:00Z is
    5.52 x 3/23 = 0.72.
    """
    rater = rk.Rater([rk.Assignment("shop", HOBBY)], METERS, start=START, tz="Europe/Zurich")
    records = [
        web("2026-03-28T20:00:00Z", "start", "e1", memory_mb=250, instances=2),
        web("2026-03-29T01:00:00Z", "stop", "e2"),
    ]
    rater.feed(records)
    lines = list(rater.statement("2026-03-28T23:00:00Z").lines)
    assigned = rater.assign(rk.Assignment("shop", PRO, start="2026-03-28T23:00:00Z"))
    lines += rater.statement("2026-03-29T02:00:00Z").lines
    hobby_day = exact_sum(line.amount for line in lines if line.plan == "hobby")
    pro_part = exact_sum(line.amount for line in lines if line.plan == "pro")
    assert (hobby_day, pro_part) == (
        Decimal("7.20"),
        Decimal("0.92"),
    )  # 0.45 + 2.40 + 4.35; 0.20 + 0.72
    rating = rk.rate(
        records,
        assigned,
        meters=METERS,
        as_of="2026-03-29T02:00:00Z",
        span=rk.Span("2026-03-27T23:00:00Z", "2026-03-29T22:00:00Z"),
    )
    assert differences(by_key(lines), by_key(rating.charges)) == {}


def test_a_reconcilers_inventory_closes_a_lost_delete_and_opens_an_unknown_app() -> None:
    """An inventory at 12:00 lists ``api`` (never seen) and not ``web`` (its delete was lost).

    ``web`` runs 08:00 to 12:00 (4 h), ``api`` from 12:00 to the watermark 18:00 (6 h):
    10 h x 0.50 = 5.00, with ``"reconciled_close"`` and ``"reconciled_open"`` anomalies.
    """
    rater = rk.Rater(UTC_DAYS, METERS, start="2026-03-01T00:00:00Z")
    records = [
        rk.Event("acme", "web", "2026-03-01T08:00:00Z", kind="start", id="e1"),
        rk.Inventory("2026-03-01T12:00:00Z", [("acme", "api")], id="inv1"),
    ]
    rater.feed(records[::-1])
    statement = rater.statement("2026-03-01T18:00:00Z")
    assert statement.total() == Decimal("5.00")
    assert sorted(a.kind for a in statement.anomalies) == ["reconciled_close", "reconciled_open"]
    rating = rk.rate(
        records,
        UTC_DAYS,
        meters=METERS,
        as_of="2026-03-01T18:00:00Z",
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
    )
    assert differences(by_key(statement.lines), by_key(rating.charges)) == {}


@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_a_huge_batch_of_one_flapping_app_and_many_apps() -> None:
    """20,000 records in one batch: one app started and stopped 5,000 times, 10,000 apps.

    The app runs 6 s of every 12 from 00:00 (5,000 runs of 6 s, 30,000 s = 8 h 20 min,
    4.1666... EUR at 0.50); each of 10,000 apps runs from 23:00 to the watermark at
    midnight: 10,000 h, 5,000 EUR. Total 5,004.1666... (a time quantity is exact to
    1E-24 hour, see the usage page), 5,004.17 billed.
    """
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    flapping = [
        rk.Event(
            "acme",
            "vm",
            t0 + dt.timedelta(seconds=6 * n),
            kind="start" if n % 2 == 0 else "stop",
            id=f"f{n}",
        )
        for n in range(10_000)
    ]
    many = [
        rk.Event("acme", f"app{n}", "2026-03-01T23:00:00Z", kind="start", id=f"a{n}")
        for n in range(10_000)
    ]
    rater = rk.Rater(UTC_DAYS, METERS, start="2026-03-01T00:00:00Z")
    assert rater.feed([*flapping, *many]).counts["accepted"] == 20_000
    statement = rater.statement("2026-03-02T00:00:00Z")
    assert abs(exact_sum([statement.total()] * 6) - Decimal(30_025)) < Decimal("1E-20")
    assert statement.invoices[0].total == Decimal("5004.17")
