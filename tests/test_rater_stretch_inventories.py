"""Inventories and the running stretch a first reading from zero counts from.

A `Counter(from_zero=True)` first reading counts from the start of its resource's
running stretch. An inventory settles a resource's history, so the compacted state it
leaves keeps that start alone; a kept inventory may close the stretch before the
reading, or, listing the resource at the instant another closed it, keep it running. In
each case the stream's lines plus the quantities its anomalies name add up to one batch
``rate()`` (docs/streaming.md, Late and too late). Worked by hand in the comments (daily
UTC cycles, 1 EUR a unit, no horizon).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

CPU = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
HOURS = rk.Meter("hours", "hour", rk.OnOff())
METERS = [CPU, HOURS]
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("cpu", "cpu", rk.PerUnit(1)), rk.PriceEntry("h", "hours", rk.PerUnit(1))],
)
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z")


def start(at: str, record_id: str) -> rk.Event:
    return rk.Event("a", "vm", at, kind="start", id=record_id)


def update(at: str, record_id: str, size: int) -> rk.Event:
    return rk.Event("a", "vm", at, {"size": size}, kind="update", id=record_id)


def reading(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("a", "vm", "cpu", at, value, kind="counter", id=record_id)


def listing(at: str, record_id: str) -> rk.Inventory:
    return rk.Inventory(at, {("a", "vm"): {"size": 1}}, id=record_id)


def closing(at: str, record_id: str) -> rk.Inventory:
    return rk.Inventory(at, [], accounts=["a"], id=record_id)


def streamed(
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]], restore: bool
) -> tuple[dict[tuple[str, int], Decimal], list[rk.Anomaly]]:
    """Each batch fed, then a statement at its watermark, restored after each if asked.

    Returns the lines' quantities per meter and day, and every ``"too_late"`` anomaly.
    """
    rater = rk.Rater(PLAN, METERS, start=SPAN.start)
    lines: dict[tuple[str, int], Decimal] = {}
    said: list[rk.Anomaly] = []
    for batch, watermark in [*steps, ([], SPAN.end)]:
        feed = rater.feed(batch)
        statement = rater.statement(watermark)
        for line in statement.lines:
            key = (line.meter, line.cycle.start.day)
            lines[key] = lines.get(key, Decimal(0)) + line.quantity
        said += [a for a in (*feed.anomalies, *statement.anomalies) if a.kind == "too_late"]
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    return {key: quantity for key, quantity in lines.items() if quantity}, said


def batch_rated(
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]],
) -> dict[tuple[str, int], Decimal]:
    records = [record for batch, _ in steps for record in batch]
    out: dict[tuple[str, int], Decimal] = {}
    for charge in rk.rate(records, PLAN, span=SPAN, meters=METERS).charges:
        key = (charge.meter, charge.cycle.start.day)
        out[key] = out.get(key, Decimal(0)) + charge.quantity
    return out


def _cpu(lines: dict[tuple[str, int], Decimal]) -> dict[int, Decimal]:
    return {day: quantity for (meter, day), quantity in lines.items() if meter == "cpu"}


@pytest.mark.parametrize("restore", [False, True])
def test_a_settled_state_keeps_the_start_of_the_stretch(restore: bool) -> None:
    # START 1 March 12:00, update 2 March 06:00, inventory 2 March 12:00 (it settles the
    # history), first reading 720 at 4 March 12:00, from zero: 72 h from the START, 10 an
    # hour: 12 h on the 1st (120), 240, 240, and 12 h on the 4th (120). Fed at once; once
    # 1-3 March are compacted, the 4th is metered again from the settled state, which
    # used to spread the reading from the update (54 h: 320 on the 3rd, 160 on the 4th).
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]] = [
        (
            [
                start("2026-03-01T12:00:00Z", "s"),
                update("2026-03-02T06:00:00Z", "u", 2),
                listing("2026-03-02T12:00:00Z", "inv"),
                reading("2026-03-04T12:00:00Z", 720, "r"),
            ],
            "2026-03-04T18:00:00Z",
        ),
        ([], "2026-03-06T00:00:00Z"),
    ]
    lines, said = streamed(steps, restore)
    assert _cpu(lines) == {1: 120, 2: 240, 3: 240, 4: 120}
    assert said == []
    assert lines == batch_rated(steps)


@pytest.mark.parametrize("restore", [False, True])
def test_a_reading_after_settled_compactions_names_its_share_from_the_start(restore: bool) -> None:
    # START 1 March 12:00; update and inventory on the 2nd, update on the 3rd, inventory
    # on the 4th, each compacted before the next comes; first reading 960 at 5 March
    # 12:00: 96 h from the START, 10 an hour. Fed after 1-3 March were compacted: 240 on
    # the 4th and 120 on the 5th are billed, 120 + 240 + 240 = 600 named too late, from
    # the START (it used to spread from the last update, 78 h: 295.38... and 147.69...).
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]] = [
        ([start("2026-03-01T12:00:00Z", "s")], "2026-03-02T01:00:00Z"),
        (
            [update("2026-03-02T06:00:00Z", "u1", 2), listing("2026-03-02T12:00:00Z", "i1")],
            "2026-03-03T01:00:00Z",
        ),
        ([update("2026-03-03T06:00:00Z", "u2", 3)], "2026-03-04T01:00:00Z"),
        ([listing("2026-03-04T12:00:00Z", "i2")], "2026-03-05T01:00:00Z"),
        ([reading("2026-03-05T12:00:00Z", 960, "r")], "2026-03-07T00:00:00Z"),
    ]
    lines, said = streamed(steps, restore)
    assert _cpu(lines) == {4: 240, 5: 120}
    assert [(a.meter, a.quantity) for a in said] == [("cpu", 600)]
    assert "running stretch at 2026-03-01T12:00:00Z" in said[0].message
    batch = batch_rated(steps)
    assert _cpu(batch) == {1: 120, 2: 240, 3: 240, 4: 240, 5: 120}


def test_an_inventory_fed_with_the_reading_takes_back_the_share_it_named() -> None:
    # START 1 March 00:00; 1 March compacted (kept from the 2nd). Then, in one batch, an
    # inventory of 2 March 00:00 that does not list the VM (it closes it there) and a
    # first reading of 300 at 2 March 06:00. Samples are judged first: the reading
    # spreads from the START over 30 h and names 24/30 x 300 = 240 before the 2nd; the
    # inventory then ends the stretch before it (it counts at its instant: 300 on the
    # 2nd, as batch bills it) and takes the 240 back: -240.
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]] = [
        ([start("2026-03-01T00:00:00Z", "s")], "2026-03-03T00:00:00Z"),
        (
            [closing("2026-03-02T00:00:00Z", "i"), reading("2026-03-02T06:00:00Z", 300, "r")],
            "2026-03-03T00:00:00Z",
        ),
    ]
    lines, said = streamed(steps, restore=False)
    assert _cpu(lines) == {2: 300} == _cpu(batch_rated(steps))
    assert [(a.meter, a.quantity, a.record_ids) for a in said] == [
        ("cpu", 240, ("r",)),
        ("cpu", -240, ("i",)),
    ]
    assert said[1].message == (
        "inventory 'i' (covering 'vm' at 2026-03-02T00:00:00Z) moves the running stretch "
        "that the first reading from zero of 'cpu' counts from: it takes back 240 s under "
        "description {} before 2026-03-02T00:00:00Z, which cycles already compacted were "
        "charged: not applied (the rest is)."
    )


@pytest.mark.parametrize("restore", [False, True])
def test_an_inventory_that_keeps_the_stretch_running_names_the_share_it_adds(
    restore: bool,
) -> None:
    # START 1 March 00:00, an inventory of 2 March 00:00 that does not list the VM, and a
    # first reading of 300 at 2 March 06:00: the stretch is closed before the reading,
    # which counts at its instant (300 on the 2nd). Fed after 1 March was compacted, an
    # inventory of the same instant that lists the VM keeps it present (a resource listed
    # by any inventory of an instant is): the stretch runs on from 1 March 00:00, 30 h:
    # 240 on the 1st (named), 60 on the 2nd (corrected), as batch bills it.
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]] = [
        (
            [
                start("2026-03-01T00:00:00Z", "s"),
                closing("2026-03-02T00:00:00Z", "i0"),
                reading("2026-03-02T06:00:00Z", 300, "r"),
            ],
            "2026-03-03T00:00:00Z",
        ),
        ([listing("2026-03-02T00:00:00Z", "i1")], "2026-03-03T00:00:00Z"),
    ]
    lines, said = streamed(steps, restore)
    assert _cpu(lines) == {2: 60}
    assert [(a.meter, a.quantity, a.record_ids) for a in said] == [("cpu", 240, ("i1",))]
    # (under the description the VM had before the 2nd: the listing's size begins there)
    assert "it adds 240 s under description {} before 2026-03-02T00:00:00Z" in said[0].message
    assert _cpu(batch_rated(steps)) == {1: 240, 2: 60}


def test_a_placed_reading_counts_the_kept_inventory_that_closed_the_stretch() -> None:
    # START 1 March 00:00, an inventory of 2 March 00:00 that does not list the VM, and a
    # first reading of 180 at 2 March 06:00 (after the closing: 180 on the 2nd). Fed
    # after 1 March was compacted, readings of 60 at 1 March 06:00 and 120 at 12:00 are
    # placed in the compacted state. Batch: 60 over 00-06, 60 over 06-12, and 60 over
    # 12:00-06:00 (18 h): 160 on the 1st, 20 on the 2nd. The first names 60 + 18/24 x
    # 120 = 150 (the 180 then counts from it over 24 h), the second 60 + 12/18 x 60 - 90
    # = 10: 160. Counted without the inventory, they named 1/10 and 1/6 of 180 in all.
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]] = [
        (
            [
                start("2026-03-01T00:00:00Z", "s"),
                closing("2026-03-02T00:00:00Z", "i"),
                reading("2026-03-02T06:00:00Z", 180, "c2"),
            ],
            "2026-03-03T00:00:00Z",
        ),
        (
            [reading("2026-03-01T12:00:00Z", 120, "c1"), reading("2026-03-01T06:00:00Z", 60, "c0")],
            "2026-03-03T00:00:00Z",
        ),
    ]
    lines, said = streamed(steps, restore=False)
    assert _cpu(lines) == {2: 20}
    assert [(a.quantity, a.record_ids) for a in said] == [(150, ("c0",)), (10, ("c1",))]
    assert _cpu(batch_rated(steps)) == {1: 160, 2: 20}


# A too-late record placed in the compacted state makes the state anew: the start of the
# stretch is written again, so the kept cycles still count the reading from it.


def listed_as_is(at: str, record_id: str) -> rk.Inventory:
    """An inventory that lists the VM without attributes: it describes it as it is."""
    return rk.Inventory(at, [("a", "vm")], id=record_id)


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_listing_of_the_running_resource_keeps_the_stretch_start(
    restore: bool,
) -> None:
    # START 1 March 00:00, update 2 March 06:00 (size 1), first reading 90 at 4 March
    # 18:00: 90 h from the START, 1 an hour: 24, 24, 24, 18. 1-3 March compacted. Then,
    # too late, an inventory of 3 March 06:00 that lists the VM as it is: it changes no
    # hour and no share. Placing it used to settle the state and lose the START: the 4th
    # spread from the update (60 h: 27), and -9 named before the 4th.
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]] = [
        (
            [
                start("2026-03-01T00:00:00Z", "s"),
                update("2026-03-02T06:00:00Z", "u", 1),
                reading("2026-03-04T18:00:00Z", 90, "r"),
            ],
            "2026-03-05T12:00:00Z",
        ),
        ([listed_as_is("2026-03-03T06:00:00Z", "i")], "2026-03-06T00:00:00Z"),
    ]
    lines, said = streamed(steps, restore)
    assert _cpu(lines) == {1: 24, 2: 24, 3: 24, 4: 18} == _cpu(batch_rated(steps))
    assert [(a.record_ids, a.meter, a.quantity) for a in said] == [(("i",), None, None)]


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_update_of_a_settled_state_moves_the_share_from_the_stretch_start(
    restore: bool,
) -> None:
    # START 1 March 00:00, update 06:00 (size 1), an inventory of 12:00 listing the VM as
    # it is (it settles the history), first reading 84 at 4 March 12:00: 84 h from the
    # START, 1 an hour: 24, 24, 24, 12. 1-3 March compacted. Then, too late, an update of
    # 2 March 00:00 (size 2): the 48 h of 2-3 March move from size 1 to size 2 (-48,
    # +48, named), the 4th keeps 12, now under size 2. Placed in the settled state, it
    # used to spread the reading from the first update (78 h: 12.923... on the 4th).
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]] = [
        (
            [
                start("2026-03-01T00:00:00Z", "s"),
                update("2026-03-01T06:00:00Z", "u1", 1),
                listed_as_is("2026-03-01T12:00:00Z", "i"),
                reading("2026-03-04T12:00:00Z", 84, "r"),
            ],
            "2026-03-04T18:00:00Z",
        ),
        ([], "2026-03-05T00:00:00Z"),
        ([update("2026-03-02T00:00:00Z", "u2", 2)], "2026-03-06T00:00:00Z"),
    ]
    lines, said = streamed(steps, restore)
    assert _cpu(lines) == {1: 24, 2: 24, 3: 24, 4: 12} == _cpu(batch_rated(steps))
    cpu = [a for a in said if a.meter == "cpu"]
    assert [a.quantity for a in cpu] == [-48, 48]
    assert "before 2026-03-04T00:00:00Z, -48 s under description {'size': 1}," in cpu[0].message
    assert "before 2026-03-04T00:00:00Z, 48 s under description {'size': 2}," in cpu[1].message


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_delete_a_listing_reopens_restarts_the_stretch_there(restore: bool) -> None:
    # START 1 March 00:00, an inventory of 2 March 00:00 listing the VM as it is, first
    # reading 60 at 3 March 12:00 (60 h from the START: 24, 24, 12). 1-2 March
    # compacted. Then, too late, a DELETE of 1 March 06:00: batch deletes the VM there
    # and the listing opens it again, a new stretch: 60 over 36 h, 40 on the 2nd and 20
    # on the 3rd. The kept 3rd is corrected to 20; before it, 48 billed where batch bills
    # 40: -8 named, in doubt (a listing between, forgotten, may have opened it sooner),
    # beside the 18 hours of 1 March 06:00-24:00 it names for the OnOff meter.
    steps: list[tuple[list[rk.Event | rk.Sample | rk.Inventory], str]] = [
        (
            [
                start("2026-03-01T00:00:00Z", "s"),
                listed_as_is("2026-03-02T00:00:00Z", "i"),
                reading("2026-03-03T12:00:00Z", 60, "r"),
            ],
            "2026-03-04T12:00:00Z",
        ),
        ([rk.Event("a", "vm", "2026-03-01T06:00:00Z", kind="delete", id="d")], SPAN.end),
    ]
    lines, said = streamed(steps, restore)
    assert _cpu(lines) == {1: 24, 2: 24, 3: 20}
    assert _cpu(batch_rated(steps)) == {2: 40, 3: 20}
    assert [(a.meter, a.quantity) for a in said] == [("hours", -18), ("cpu", -8)]
    assert said[1].message == (
        "event 'd' (delete) of 'vm' of 'a' stamped 2026-03-01T06:00:00Z is older than every "
        "cycle the rater keeps (from 2026-03-03T00:00:00Z); the listing at "
        "2026-03-02T00:00:00Z that opened 'vm' again begins a new running stretch, from "
        "which the first reading from zero of 'cpu' counts, as in batch rate(): the kept "
        "cycles count from there, and what that moves before 2026-03-03T00:00:00Z, -8 s "
        "under description {}, belonged to cycles already compacted: not applied, and in "
        "doubt (an inventory between, forgotten with its compacted cycle, may have opened "
        "it sooner)."
    )
