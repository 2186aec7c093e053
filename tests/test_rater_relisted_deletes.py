"""Too-late records of a VM that an inventory compacted since listed again after a DELETE.

Batch ``rate()`` ends the VM at the DELETE and opens it again at the listing, as the
listing lists it (a listing without attributes: no memory). A DELETE fed too late, once
such a listing is compacted, is judged with the records the compacted state placed
before it (a START that resized the VM, say) and with that listing: its part before the
kept cycles is named per meter and description, and the state is made what the two make
of it, so the kept cycles are metered as listed. A record stamped before the DELETE that
comes after it is placed where the resource stood before the DELETE, which the state
keeps, the DELETE and the listing applied after it (docs/streaming.md, Lateness). Worked by hand in the comments (daily UTC cycles, 0.10
EUR an hour, 0.0001 EUR an MB*hour); the property draws such streams against batch
``rate()`` and the rater never restored.
"""

from __future__ import annotations

import json
import random
import typing
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._lines_named import lines_and_named
from tests._relisted import METERS, PLAN, T0, Record, Report, batch_quantity, stated_twice

import ratekit as rk
from ratekit._instants import format_us, to_us

LISTED = rk.Inventory("2026-03-01T12:30:00Z", [("a", "vm")], id="l1")
AGAIN = rk.Inventory("2026-03-03T18:30:00Z", [("a", "vm")], close="last_seen", id="l2")
START = rk.Event("a", "vm", "2026-03-01T19:30:00Z", {"memory_mb": 1024}, kind="start", id="s")
DELETE = rk.Event("a", "vm", "2026-03-03T04:45:00Z", kind="delete", id="d")
WATERMARK = "2026-03-05T23:00:00Z"  # 1 to 3 March compacted


def _parts(reports: list[Report]) -> list[tuple[tuple[str, ...], str | None, Decimal | None]]:
    """The ``"too_late"`` anomalies of the feeds after the first: ids, meter, quantity."""
    return [
        (a.record_ids, a.meter, a.quantity)
        for r in reports[2:]
        if isinstance(r, rk.Feed)
        for a in r.anomalies
        if a.kind == "too_late"
    ]


@pytest.mark.parametrize(
    "later", [[[START], [DELETE]], [[START, DELETE]], [[DELETE, START]]], ids=["two", "one", "back"]
)
def test_a_late_delete_after_a_placed_start_opens_the_vm_again_as_listed(
    later: list[list[Record]],
) -> None:
    # l1 lists vm on 1 March 12:30 (opened, no memory), l2 (last_seen) lists it again
    # on 3 March 18:30; stated at 5 March 23:00 (1 to 3 March compacted): 11.5 + 24 +
    # 24 h, then 24 + 23 (and 1 more at the last statement). s, a START of 1 March
    # 19:30 (1024 MB), is placed: vm runs under 1024 MB from 19:30 to 4 March, 52.5 h
    # taken back under {} and given under 1024 MB, 53,760 MB*h (52.5 x 1024). d, the
    # DELETE of 3 March 04:45, ends it there, and l2 opens it again as listed, without
    # memory: 19.25 h (04:45 to 24:00) and 19,712 MB*h taken back under 1024 MB, 5.5 h
    # (18:30 to 24:00) given under {}; 4 and 5 March bill no memory. Batch: 11.5 + 24 +
    # 4.75 + 5.5 + 24 + 24 = 93.75 h (9.375 EUR) and 33.25 h x 1024 = 34,048 MB*h
    # (3.4048 EUR); the stream: 107.5 - 52.5 + 52.5 - 19.25 + 5.5 = 93.75 h and 53,760
    # - 19,712 = 34,048 MB*h. Before, d was not applied ("not known here"): 107.5 h,
    # and 4 and 5 March billed 1024 MB. In one batch, either order, the same: the
    # batch's events are placed in time order.
    reports = stated_twice([LISTED, AGAIN], WATERMARK, later)
    assert _parts(reports) == [
        (("s",), "memory", Decimal(53760)),
        (("s",), "runtime", Decimal("-52.5")),
        (("s",), "runtime", Decimal("52.5")),
        (("d",), "memory", Decimal(-19712)),
        (("d",), "runtime", Decimal("-19.25")),
        (("d",), "runtime", Decimal("5.5")),
    ]
    assert not [line for line in reports[-1].lines if line.meter == "memory"]
    records = [LISTED, AGAIN, START, DELETE]
    for meter, total in (("runtime", Decimal("93.75")), ("memory", Decimal(34048))):
        assert lines_and_named(reports, meter) == total == batch_quantity(records, meter)


def test_a_late_delete_between_two_listings_opens_the_vm_again_at_the_second() -> None:
    # As above, with l3, an inventory of 3 March 21:00 that lists vm too, and e, a
    # DELETE of 3 March 19:00, after l2: l3 opens vm again (the last listing the
    # compacted state keeps). Batch: 11.5 + 24 + 19 + 3 + 24 + 24 = 105.5 h (10.55
    # EUR), 47.5 h x 1024 = 48,640 MB*h (4.864 EUR). e takes back 5 h and 5,120 MB*h
    # under 1024 MB (19:00 to 24:00) and gives 3 h under {} (21:00 to 24:00): 107.5 -
    # 5 + 3 = 105.5 h, 53,760 - 5,120 = 48,640 MB*h.
    third = rk.Inventory("2026-03-03T21:00:00Z", [("a", "vm")], id="l3")
    delete = rk.Event("a", "vm", "2026-03-03T19:00:00Z", kind="delete", id="e")
    reports = stated_twice([LISTED, AGAIN, third], WATERMARK, [[START], [delete]])
    assert _parts(reports)[3:] == [
        (("e",), "memory", Decimal(-5120)),
        (("e",), "runtime", Decimal(-5)),
        (("e",), "runtime", Decimal(3)),
    ]
    records = [LISTED, AGAIN, third, START, delete]
    for meter, total in (("runtime", Decimal("105.5")), ("memory", Decimal(48640))):
        assert lines_and_named(reports, meter) == total == batch_quantity(records, meter)


@pytest.mark.parametrize("fed", ["too late", "in time"])
def test_a_start_before_a_relisted_delete_fed_after_it_is_placed_before_it(fed: str) -> None:
    # d first: its 13.75 h (04:45 to 18:30) are named, and the state is made what d
    # and l2 make of vm: running without memory since 18:30 (l2's instant its clock),
    # as when d comes in time. s, stamped before d, could then not be placed: not
    # applied, no quantity, and its 34,048 MB*h were named by none. Now the state keeps
    # where vm stood before d (running without memory since l1, 1 March 12:30), and s
    # is placed there, d and l2 applied after it: vm runs under 1024 MB from 19:30 to
    # 04:45 (33.25 h), so s names +34,048 MB*h (33.25 x 1024) under 1024 MB and moves
    # 33.25 h from no memory (-33.25) to 1024 MB (+33.25); from 18:30 on vm runs as l2
    # listed it, without memory, as without s: 4 and 5 March bill no memory, as batch.
    first = [LISTED, AGAIN, DELETE] if fed == "in time" else [LISTED, AGAIN]
    later = [[START]] if fed == "in time" else [[DELETE], [START]]
    reports = stated_twice(first, WATERMARK, later)  # restored before each feed, or never
    named = [(("d",), "runtime", Decimal("-13.75"))] if fed == "too late" else []
    assert _parts(reports) == [
        *named,
        (("s",), "memory", Decimal(34048)),
        (("s",), "runtime", Decimal("-33.25")),
        (("s",), "runtime", Decimal("33.25")),
    ]
    (placed, *_) = [a for a in reports[-2].anomalies if a.record_ids == ("s",)]
    assert placed.message == (
        "event 's' (start) of 'vm' of 'a' stamped 2026-03-01T19:30:00Z is older than every "
        "cycle the rater keeps (from 2026-03-04T00:00:00Z) and before the DELETE at "
        "2026-03-03T04:45:00Z that an inventory compacted since (at 2026-03-03T18:30:00Z) "
        "listed 'vm' after and opened it again, as batch rate() does: it is placed before "
        "that DELETE, and changes nothing from then on; what it changes of 'memory' before "
        "2026-03-04T00:00:00Z, 34048 MB*hour under description {'memory_mb': 1024}, "
        "belonged to cycles already compacted: not applied, and in doubt (an inventory "
        "between, forgotten with its compacted cycle, may have changed the resource)."
    )
    statements = [r for r in reports if isinstance(r, rk.Statement)]
    assert not [line for s in statements for line in s.lines if line.meter == "memory"]
    records = [LISTED, AGAIN, DELETE, START]
    for meter, total in (("runtime", Decimal("93.75")), ("memory", Decimal(34048))):
        assert lines_and_named(reports, meter) == total == batch_quantity(records, meter)


HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US


def _draw(rng: random.Random) -> tuple[list[Record], list[Record], list[list[Record]]]:
    """A VM listed again after a DELETE: the records, those fed first, the later batches.

    A listing or a START opens vm on 1 March; one or two STARTs, UPDATEs (256 or 1024
    MB) or a STOP follow; a DELETE on 2 or 3 March; an inventory lists vm again within a
    day after it (a listing or last_seen, of vm's account or of every account, with a
    memory size now and then), and sometimes a second one after that, or an event
    between the two. Everything is stamped before 4 March 00:00. What opened vm, the
    inventories and some events are fed first; the others, the DELETE among them, come
    too late, in batches of one or two: in any order, the DELETE first, or in time
    order.
    """
    numbers = iter(range(100))

    def at(low: int, high: int) -> int:
        return T0 + rng.randrange(low, max(high, low + 1), 15 * 60_000_000)

    def event(kind: str, instant: int) -> rk.Event:
        size = {"memory_mb": rng.choice((256, 1024))} if kind in ("start", "update") else {}
        return rk.Event("a", "vm", format_us(instant), size, kind=kind, id=f"e{next(numbers)}")

    def listing(instant: int) -> rk.Inventory:
        size = rng.choice(({}, {}, {}, {"memory_mb": 256}))
        close = rng.choice(("snapshot", "last_seen"))
        scope = rng.choice((None, ["a"]))
        return rk.Inventory(
            format_us(instant), [("a", "vm", size)], close=close, accounts=scope,
            id=f"i{next(numbers)}",
        )  # fmt: skip

    def since(instant: int) -> int:  # in quarter hours, from T0
        return instant - T0 + 15 * 60_000_000

    opened = at(0, DAY_US)
    gone = at(DAY_US, 3 * DAY_US - 2 * HOUR_US)
    records: list[Record] = [listing(opened) if rng.random() < 0.5 else event("start", opened)]
    for _ in range(rng.randint(1, 2)):
        kind = rng.choice(("start", "update", "update", "stop"))
        records.append(event(kind, at(since(opened), gone - T0)))
    records.append(event("delete", gone))
    again = at(since(gone), min(since(gone) + DAY_US, 3 * DAY_US))
    records.append(listing(again))
    if rng.random() < 0.4:
        records.append(event(rng.choice(("start", "update", "stop")), at(since(gone), again - T0)))
    if rng.random() < 0.2:
        records.append(listing(at(since(again), 3 * DAY_US)))
    first = [
        r for r in records if r is records[0] or isinstance(r, rk.Inventory) or rng.random() < 0.2
    ]
    if all(r is not records[-1] for r in first) and isinstance(records[-1], rk.Event):
        first.append(records[-1])  # (an event after the DELETE, sometimes in time)
    late = [r for r in records if all(r is not f for f in first)]
    order = rng.random()  # in any order, the DELETE first (the others judged with
    if order < 0.6:  # it), or in time order (each placed after the one before)
        rng.shuffle(late)
    if order < 0.3:
        late.sort(key=lambda r: not (isinstance(r, rk.Event) and r.kind == "delete"))
    batches: list[list[Record]] = []
    while late:
        size = rng.randint(1, 2)
        batches.append(late[:size])
        late = late[size:]
    return records, first, batches


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32), restore=st.booleans())
def test_law_too_late_records_of_a_vm_listed_again_add_up_to_batch(
    seed: int, restore: bool
) -> None:
    # Oracle: one batch rate() of every record. The stream's lines plus the quantities
    # its anomalies name come to batch's, per meter, restored before each later feed or
    # never (both say the same, word for word); unless a record is not applied, its
    # anomaly saying what it changes is not known here (no quantity), or an
    # inventory listed vm between a DELETE and the listing its anomaly names (forgotten
    # with its compacted cycle: the part named is in doubt, at most this much).
    rng = random.Random(seed)
    records, first, batches = _draw(rng)
    said = []
    for again in (False, True):
        rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
        reports: list[Report] = [rater.feed(first), rater.statement(WATERMARK)]
        for batch in [*batches, None]:
            if again and restore:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
            reports.append(
                rater.statement("2026-03-06T00:00:00Z") if batch is None else rater.feed(batch)
            )
            rater._check()
        said.append(reports)
    assert said[0] == said[1]
    reports = said[0]
    anomalies = [a for r in reports for a in r.anomalies if a.kind == "too_late"]
    if any(_unknown(a) or _sooner(records, a) for a in anomalies):
        return
    for meter in ("runtime", "memory"):
        assert lines_and_named(reports, meter) == batch_quantity(records, meter), meter


def _unknown(anomaly: rk.Anomaly) -> bool:
    """Whether ``anomaly`` names a record not applied, what it changes not known here."""
    return anomaly.quantity is None and "changes nothing metered before" not in anomaly.message


def _sooner(records: list[Record], anomaly: rk.Anomaly) -> bool:
    """Whether an inventory listed vm between a relisted DELETE and the listing it names."""
    words = "; an inventory compacted since (at "
    if words not in anomaly.message or " and opened it again" not in anomaly.message:
        return False
    low = typing.cast(int, anomaly.at_us)
    high = to_us(anomaly.message.split(words)[1].split(")")[0])
    return any(isinstance(r, rk.Inventory) and low < r.at_us < high for r in records)
