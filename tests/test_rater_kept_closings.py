"""A kept ``last_seen`` inventory whose closing lies in compacted cycles, metered again.

A VM closed by a ``last_seen`` inventory at its last sign of life: the inventory is
kept (stamped in the kept cycles), its closing lies before them, in a cycle metered
with it and compacted since. The compacted state is the fold of the records before the
kept cycles, the inventory not among them: it has the VM running. Metered again from
it (after a restore, or when a new inventory, a late record or an event at the cut
makes the rater meter every resource again), the closing reads as a change of that
state before the kept cycles; but the cycles billed it when they were kept, and what a
record moved of it once they were compacted was said then (``"too_late"``). Nothing is
named of it again: the stream's lines plus the parts its anomalies name come to one
batch ``rate()``, restored or not (docs/streaming.md, Closing and lateness). Worked by
hand in the comments (daily UTC cycles, 0.10 EUR an hour, 0.0001 EUR an MB*hour).

The property draws histories of starts, updates, stops and deletes, ``last_seen``
inventories of any scope, late and too-late arrivals, compactions and restores at
random points, against one batch ``rate()`` and the rater never restored.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import random
import re
import typing
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._lines_named import lines_and_named
from tests._restored_streams import batched

import ratekit as rk
from ratekit._instants import format_us, to_us

DAILY = rk.cycles.daily(tz="UTC")
HOURS = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [
        rk.PriceEntry("vm", "runtime", rk.PerUnit("0.10")),
        rk.PriceEntry("mem", "memory", rk.PerUnit("0.0001")),
    ],
)
METERS = [HOURS, MEMORY]
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")
Record = rk.Event | rk.Sample | rk.Inventory
Report = rk.Feed | rk.Statement

START = rk.Event("b", "vm", "2026-03-02T22:00:00Z", {"memory_mb": 256}, kind="start", id="s")
LISTING = rk.Inventory("2026-03-04T11:00:00Z", [], close="last_seen", id="inv")
UPDATE = rk.Event("b", "vm", "2026-03-03T19:45:00Z", {"memory_mb": 1024}, kind="update", id="u")


def _batch(records: list[Record], meter: str) -> Decimal:
    rating = rk.rate(records, PLAN, span=SPAN, meters=METERS)
    return sum((c.quantity for c in rating.charges if c.meter == meter), Decimal(0))


def _moved(
    then: list[Record], *, restore: bool = False, listing: rk.Inventory = LISTING
) -> list[Report]:
    """START and ``listing`` fed, 1 and 2 March compacted; UPDATE fed, 3 March compacted; ``then``.

    With ``restore``, the rater is restored from its snapshot (through JSON) before
    ``then`` is fed; a statement at 6 March ends it.
    """
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    reports: list[Report] = [rater.feed([listing, START])]
    reports.append(rater.statement("2026-03-04T23:00:00Z"))
    reports.append(rater.feed([UPDATE]))
    reports.append(rater.statement("2026-03-05T07:30:00Z"))
    if restore:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    if then:
        reports.append(rater.feed(then))
    reports.append(rater.statement("2026-03-06T00:00:00Z"))
    return reports


def _late(reports: list[Report]) -> list[tuple[str, str | None, Decimal | None]]:
    return [(a.kind, a.meter, a.quantity) for r in reports for a in r.anomalies if a.kind == "late"]


@pytest.mark.parametrize(
    "then",
    [
        # Another last_seen inventory, of another account's scope: listing nothing of it.
        [rk.Inventory("2026-03-05T10:00:00Z", [], accounts=["c"], close="last_seen", id="i2")],
        # Another last_seen inventory of everything, stamped after the first.
        [rk.Inventory("2026-03-05T10:00:00Z", [], close="last_seen", id="i2")],
        # A listing of another resource, stamped before the last watermark.
        [rk.Inventory("2026-03-05T06:00:00Z", [("c", "x")], id="i2")],
    ],
    ids=["scoped", "whole", "listing"],
)
def test_an_inventory_fed_later_names_no_change_over_the_moved_closing(then: list[Record]) -> None:
    # Fed together, START (2 March 22:00, 256 MB) and LISTING (a last_seen inventory of
    # 4 March 11:00 that lists nothing) close the VM at START, its last sign of life:
    # 0 h. Stated at 4 March 23:00, 1 and 2 March are compacted. UPDATE (3 March 19:45,
    # 1024 MB) is a new last sign of life: the closing moves there, the 2 h of
    # compacted 2 March said too late (22:00 to 24:00, 0.20 EUR; 2 x 256 = 512 MB*h),
    # 19.75 h billed on 3 March (1.975 EUR; 19.75 x 256 = 5056 MB*h). Stated at
    # 5 March 07:30, 3 March is compacted: its state has the VM running since 19:45
    # (LISTING, kept, is not folded in). An inventory fed now makes the rater meter
    # every resource again from there: LISTING's closing at 19:45 reads as -4.25 h
    # (19:45 to 24:00, 1024 MB: -4352 MB*h) of 3 March, which the line of 3 March left
    # out already (it billed up to 19:45). Nothing is named of it, restored or not:
    # 2 + 19.75 = 21.75 h (2.175 EUR) for the VM, as batch; 512 + 5056 = 5568 MB*h
    # (0.5568 EUR). The listing of x (5 March 06:00 to 6 March) adds 18 h (1.80 EUR).
    said = {}
    for restore in (False, True):
        reports = said[restore] = _moved(then, restore=restore)
        assert _late(reports) == [("late", None, None)]  # 3 March: "changes no quantity"
        listed = Decimal(18) if then[0].resources else Decimal(0)
        assert lines_and_named(reports, "runtime") == Decimal("21.75") + listed
        assert lines_and_named(reports, "memory") == Decimal(5568)  # x has no memory_mb
        for meter in ("runtime", "memory"):
            assert lines_and_named(reports, meter) == _batch([START, LISTING, UPDATE, *then], meter)
    assert said[True] == said[False]


def test_an_inventory_without_an_id_names_no_change_over_the_moved_closing() -> None:
    # As above, with LISTING and the next one without ids: 21.75 h, restored or not.
    listing = rk.Inventory("2026-03-04T11:00:00Z", [], close="last_seen")
    later = [rk.Inventory("2026-03-05T10:00:00Z", [], close="last_seen")]
    for restore in (False, True):
        for then in ([], later):
            reports = _moved(then, restore=restore, listing=listing)
            assert lines_and_named(reports, "runtime") == Decimal("21.75")
            assert _late(reports) == [("late", None, None)]


@pytest.mark.parametrize("record_id", [None, "inv"])
def test_an_inventory_fed_once_its_closing_is_compacted_names_it_once(
    record_id: str | None,
) -> None:
    # Stated at 3 March 22:00 with nothing fed: 1 March compacted. s, a START of 1 March
    # 08:30 (1024 MB), comes too late: placed in the compacted state, its 15.5 h of
    # 1 March (15.5 x 1024 = 15872 MB*h) said too late, unbilled. Then a last_seen
    # inventory of 3 March 00:30 that lists nothing closes the VM back at s, its last
    # sign of life: -15.5 h (-15872 MB*h) said too late, stays billed, and the rater's
    # lines of 2 March on are none. Fed, the inventory makes the next statement meter
    # every resource again from the compacted state (running since 08:30), where its
    # closing reads as -15.5 h of 1 March: named again, the stream came to -15.5 h
    # (-1.55 EUR) where batch bills nothing (the VM closed where it started). Now
    # 15.5 - 15.5 = 0 h and 0 MB*h, with an id or without, restored or not.
    start = rk.Event("b", "vm", "2026-03-01T08:30:00Z", {"memory_mb": 1024}, kind="start", id="s")
    closing = rk.Inventory("2026-03-03T00:30:00Z", [], close="last_seen", id=record_id)
    said = {}
    for restore in (False, True):
        rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
        reports: list[Report] = [rater.statement("2026-03-03T22:00:00Z")]
        reports += [rater.feed([start]), rater.feed([closing])]
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        reports.append(rater.statement("2026-03-05T09:45:00Z"))
        reports.append(rater.statement("2026-03-06T00:00:00Z"))
        said[restore] = reports
        parts = [(a.kind, a.meter, a.quantity) for r in reports for a in r.anomalies]
        assert [part for part in parts if part[0] in {"late", "too_late"}] == [
            ("too_late", "memory", Decimal(15872)),
            ("too_late", "runtime", Decimal("15.5")),
            ("too_late", "runtime", Decimal("-15.5")),
            ("too_late", "memory", Decimal(-15872)),
        ]
        for meter in ("runtime", "memory"):
            assert lines_and_named(reports, meter) == 0 == _batch([start, closing], meter)
    assert said[True] == said[False]


def test_records_without_an_id_that_change_nothing_there_are_not_late_once_restored() -> None:
    # r7, a last_seen inventory of 3 March 13:30, lists vm, unknown until then: opened
    # there; another of 4 March 05:45, without an id, lists nothing. Stated at 3 March
    # 17:00: 3.5 h (13:30 to 17:00, 0.35 EUR). d, a DELETE of vm on 2 March 13:30 (never
    # started: an orphan), comes next; stated at 4 March 22:30, the second inventory
    # closes vm at 13:30, its last sign of life (-3.5 h): 0 h, as batch. Metered again
    # from the compacted state of 3 March (vm deleted by d), the inventory without an
    # id read as a late record that changes no quantity there, which the rater restored
    # said and the one never restored did not: now neither says it (with an id, the
    # rater already took it for the false alarm it is).
    listed = rk.Inventory("2026-03-03T13:30:00Z", [("a", "vm")], close="last_seen", id="r7")
    closing = rk.Inventory("2026-03-04T05:45:00Z", [], close="last_seen")
    delete = rk.Event("a", "vm", "2026-03-02T13:30:00Z", kind="delete", id="d")
    said = {}
    for restore in (False, True):
        rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
        reports: list[Report] = [rater.feed([listed, closing])]
        reports.append(rater.statement("2026-03-03T17:00:00Z"))
        reports += [rater.feed([delete]), rater.statement("2026-03-04T22:30:00Z")]
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        reports.append(rater.statement("2026-03-05T22:30:00Z"))
        said[restore] = reports
        assert _late(reports) == []
        assert (
            lines_and_named(reports, "runtime") == 0 == _batch([listed, closing, delete], "runtime")
        )
    assert said[True] == said[False]


def test_restored_or_not_the_stream_says_the_same() -> None:
    # Nothing fed after 3 March is compacted: the last statement, restored or not, has
    # no line (the VM closed at 19:45 on 3 March) and no anomaly.
    never, again = _moved([]), _moved([], restore=True)
    assert never == again
    assert never[-1].lines == never[-1].anomalies == ()


HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
T0 = to_us("2026-03-01T00:00:00Z")
END = T0 + 5 * DAY_US
Op = tuple[str, object]  # ("feed", [record, ...]) | ("statement", watermark) | ("restore", None)


def _draw(seed: int) -> tuple[list[Record], list[Op], int]:
    """Records, the operations that feed and state them (and restore), and a horizon.

    Two accounts, up to three VMs each with one to four events (start, update, stop,
    delete; a memory size), one to three ``last_seen`` inventories (of everything or one
    account) listing some VMs, now and then a listing (``close="snapshot"``); records
    arrive in time order, each up to 6, 30, 60 or 96 hours late (the inventories in
    time order among themselves, half the time first), in batches of one to three,
    with statements at watermarks that follow the arrivals; some events are held back
    until a watermark is two days past them (their cycle compacted: too late); a
    restore after any operation now and then.
    """
    rng = random.Random(seed)
    records: list[Record] = []
    numbers = iter(range(10**6))

    def new_id() -> str | None:
        return None if rng.random() < 0.1 else f"r{next(numbers)}"

    def instant(low: int, high: int) -> int:
        return T0 + rng.randrange(low, high, 15 * 60_000_000)

    keys = [(account, f"{account}-vm{n}") for account in "ab" for n in range(rng.randint(0, 3))]
    for account, resource in keys:
        for at in sorted(instant(0, 4 * DAY_US) for _ in range(rng.randint(1, 4))):
            kind = rng.choice(("start", "start", "update", "stop", "delete"))
            size = {"memory_mb": rng.choice((256, 1024))} if kind in ("start", "update") else {}
            records.append(rk.Event(account, resource, format_us(at), size, kind=kind, id=new_id()))
    for _ in range(rng.randint(1, 3)):
        scope = rng.choice((None, None, ["a"], ["b"]))
        listed = [k for k in keys if (scope is None or k[0] in scope) and rng.random() < 0.3]
        at = format_us(instant(HOUR_US, 4 * DAY_US))
        records.append(rk.Inventory(at, listed, accounts=scope, close="last_seen", id=new_id()))
    if rng.random() < 0.3:
        listed = [key for key in keys if rng.random() < 0.5]
        at = format_us(instant(HOUR_US, 4 * DAY_US))
        records.append(rk.Inventory(at, listed, id=new_id()))
    relisted = _relisted(rng, records, new_id)
    delay = rng.choice((6, 30, 60, 96)) * HOUR_US
    arrivals = sorted(records, key=lambda record: record.at_us + rng.randrange(delay))
    # The inventories in time order among themselves: one fed after a later one is
    # drawn by tests/test_rater_relisted_closings.py (with some known faults apart).
    places = [j for j, r in enumerate(arrivals) if isinstance(r, rk.Inventory)]
    ordered = sorted((arrivals[j] for j in places), key=lambda r: r.at_us)
    for j, inventory in zip(places, ordered, strict=True):
        arrivals[j] = inventory
    if rng.random() < 0.5:  # the inventories first: they close back what comes later
        arrivals.sort(key=lambda r: not isinstance(r, rk.Inventory))
    held = [
        r
        for r in arrivals
        if not isinstance(r, rk.Inventory)
        and (rng.random() < 0.15 or (any(r is x for x in relisted) and rng.random() < 0.7))
    ]
    arrivals = [r for r in arrivals if all(r is not h for h in held)]
    ops: list[Op] = batched(arrivals, rng, END - HOUR_US)
    ops.append(("statement", END - HOUR_US))
    for record in held:  # fed after a statement two days past it, or at the end
        later = [
            j for j, (kind, value) in enumerate(ops)
            if kind == "statement" and typing.cast(int, value) >= record.at_us + 2 * DAY_US
        ]  # fmt: skip
        ops.insert(rng.choice(later) + 1 if later else len(ops), ("feed", [record]))
    ops.append(("statement", END))
    for j in sorted(rng.sample(range(len(ops)), k=min(len(ops), rng.randint(0, 4))), reverse=True):
        ops.insert(j + 1, ("restore", None))
    return records, ops, rng.choice((0, 0, 3)) * HOUR_US


def _relisted(
    rng: random.Random, records: list[Record], new_id: typing.Callable[[], str | None]
) -> list[Record]:
    """Two times in five, an inventory that lists a deleted VM again after its DELETE.

    A VM with events (given a DELETE after its first one when it has none) is listed
    again after its DELETE, within a day: batch ``rate()`` opens it again there, as
    listed. Returns the VM's events up to that DELETE (none when no inventory was
    added): `_draw()` holds them back more often, so that they come too late, in any
    order, the DELETE among them, once the inventory is compacted.
    """
    events = [r for r in records if isinstance(r, rk.Event)]
    if not events or rng.random() < 0.6:
        return []
    deletes = [r for r in events if r.kind == "delete"]
    if deletes:
        gone = rng.choice(deletes)
    else:
        first = rng.choice(events)
        low = first.at_us + 15 * 60_000_000
        at = rng.randrange(low, max(low + 1, T0 + 4 * DAY_US), 15 * 60_000_000)
        gone = rk.Event(first.account, first.resource, format_us(at), kind="delete", id=new_id())
        records.append(gone)
    last = min(T0 + 4 * DAY_US, gone.at_us + DAY_US)  # compacted by the time it comes
    if gone.at_us + HOUR_US >= last:
        return []
    at = rng.randrange(gone.at_us + HOUR_US, last, 15 * 60_000_000)
    scope = rng.choice((None, [gone.account]))
    close = rng.choice(("last_seen", "snapshot"))
    key = (gone.account, gone.resource)
    records.append(rk.Inventory(format_us(at), [key], accounts=scope, close=close, id=new_id()))
    return [
        r
        for r in records
        if isinstance(r, rk.Event) and (r.account, r.resource) == key and r.at_us <= gone.at_us
    ]


_RELISTED = re.compile(
    r"stamped (?P<at>\S+) is older .*?; an inventory compacted since \(at (?P<listing>\S+)\) "
    r"listed '[^']*' and opened it again"
)


def _sooner(records: list[Record], anomaly: rk.Anomaly) -> bool:
    """Whether ``anomaly`` names a relisted DELETE that an inventory between opened sooner.

    The compacted state keeps the inventories of the last instant any covered the
    resource: one that listed it between the DELETE and that instant is forgotten.
    """
    found = _RELISTED.search(anomaly.message)
    if found is None:
        return False
    key = (anomaly.account, anomaly.resource)
    low, high = to_us(found["at"]), to_us(found["listing"])
    return any(
        isinstance(r, rk.Inventory)
        and low < r.at_us < high
        and any((account, resource) == key for account, resource, _ in r.resources)
        for r in records
    )


def _run(ops: list[Op], horizon_us: int, *, restore: bool) -> list[Report]:
    """What each feed and statement gives; with ``restore``, restored where ``ops`` say."""
    rater = rk.Rater(
        PLAN, METERS, start=format_us(T0), horizon=dt.timedelta(microseconds=horizon_us)
    )
    out: list[Report] = []
    for step, (kind, value) in enumerate(ops):
        if kind == "feed":
            out.append(rater.feed(typing.cast(list[Record], value)))
        elif kind == "statement":
            out.append(rater.statement(format_us(typing.cast(int, value))))
        elif restore and step % 2:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        elif restore:
            rater = pickle.loads(pickle.dumps(rater))
        rater._check()
    return out


@pytest.mark.property
@settings(max_examples=max(LAWS // 8, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_law_last_seen_closings_metered_again_add_up_to_batch(seed: int) -> None:
    # Oracle: one batch rate() of every record over the stream's span. The stream's
    # lines plus the quantities its anomalies name come to batch's, per meter, restored
    # at random points or never; and the restored rater says word for word what the
    # never-restored one says.
    records, ops, horizon_us = _draw(seed)
    never = _run(ops, horizon_us, restore=False)
    again = _run(ops, horizon_us, restore=True)
    for one, other in zip(never, again, strict=True):
        assert one.anomalies == other.anomalies
        assert one == other
    # A too-late record whose part is in doubt (an event that would open a resource an
    # inventory compacted since may have closed), or not placed (no quantity): its
    # resource is left out, as its anomaly says; so is one whose DELETE, fed too late, an
    # inventory compacted since listed again when another listed it between (forgotten
    # with its compacted cycle: it opened the VM sooner, and the part named is at most
    # batch's). Other DELETEs among too-late records of a resource listed again count:
    # the records are judged with the DELETE and that listing, whatever the order.
    doubts = {
        (a.account, a.resource)
        for r in never
        for a in r.anomalies
        if a.kind == "too_late"
        and (a.quantity is None or "may have covered" in a.message or _sooner(records, a))
    }
    if (None, None) in doubts:
        return
    span = rk.Span(format_us(T0), format_us(END))
    rating = rk.rate(records, PLAN, span=span, meters=METERS)
    for account, resource in {(r.account, r.resource) for r in records if isinstance(r, rk.Event)}:
        if (account, resource) in doubts:
            continue
        for meter in ("runtime", "memory"):
            batch = sum(
                (
                    c.quantity
                    for c in rating.charges
                    if (c.account, c.resource, c.meter) == (account, resource, meter)
                ),
                Decimal(0),
            )
            assert lines_and_named(never, meter, resource, account=account) == batch, (
                resource,
                meter,
            )
