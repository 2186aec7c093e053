"""The rater remembers each account's last inventory compacted, whatever it listed.

In batch ``rate()`` an inventory closes every resource of its scope it does not list
(at its instant; for good). A record fed after its cycle was compacted is placed in the
compacted state; when it would open a resource there (a START), or make one no state
knows stopped (an orphan STOP), an inventory compacted after it may have covered that
resource and closed it, and the rater cannot tell whether it did. So it leaves the
resource as it stands and names the quantity in doubt (`test_rater_late_starts`).

It used to know such an inventory only by what the compacted states kept of its
listings: one that listed nothing any state kept (an account's inventory listing no
resource, one of an account whose resources had all gone) was forgotten, the START
opened its resource from the kept cycles on and billed it there every hour, where batch
closed it at the inventory. The rater now keeps, per account an inventory was scoped to
(and for those of every account), the instant of the last one compacted or placed too
late: bounded by the accounts, not by history, and written in a snapshot
(``body.inventoried``). Worked by hand: daily UTC cycles, 1 EUR per hour running; a
statement at 4 March 00:00 compacts 1 and 2 March (the rater keeps 3 March on).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from tests._snapshots import resealed

import ratekit as rk

HOURS = rk.Meter("hours", "hour", rk.OnOff())
PLAN = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("h", "hours", rk.PerUnit(1))])
START = "2026-03-01T00:00:00Z"
END = "2026-03-05T00:00:00Z"
Record = rk.Event | rk.Sample | rk.Inventory
# a's r starts at 1 March 03:00; it reaches the rater after 1 and 2 March were compacted
LATE_START = rk.Event("a", "r", "2026-03-01T03:00:00Z", kind="start", id="s")
# a's inventory at 1 March 21:00 lists nothing: in batch it closes r there (18 h in all)
EMPTY = rk.Inventory("2026-03-01T21:00:00Z", [], accounts=["a"], id="inv")
UNSCOPED = rk.Inventory("2026-03-01T21:00:00Z", [], id="inv")
OTHER = rk.Inventory("2026-03-01T21:00:00Z", [], accounts=["b"], id="inv")


def _rater(on_time: list[Record]) -> rk.Rater:
    rater = rk.Rater(PLAN, [HOURS], start=START)
    rater.feed(on_time)
    rater.statement("2026-03-04T00:00:00Z")
    assert rater._base_us == rk.Span("2026-03-03T00:00:00Z", END).start_us
    return rater


def _restored(rater: rk.Rater) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [HOURS])


def _per_day(items: list[Any]) -> dict[tuple[str, int], Decimal]:
    """Hours per resource and day, of statement lines or batch charges."""
    out: dict[tuple[str, int], Decimal] = {}
    for item in items:
        key = (item.resource, item.cycle.start.day)
        out[key] = out.get(key, Decimal(0)) + item.quantity
    return {key: hours for key, hours in out.items() if hours}


def _batch(records: list[Record]) -> dict[tuple[str, int], Decimal]:
    rating = rk.rate(records, PLAN, span=rk.Span(START, END), meters=[HOURS])
    return _per_day(list(rating.charges))


def _doubt(anomaly: rk.Anomaly, quantity: int) -> None:
    assert (anomaly.kind, anomaly.account, anomaly.resource, anomaly.meter) == (
        "too_late",
        "a",
        "r",
        "hours",
    )
    assert anomaly.quantity == quantity
    assert anomaly.record_ids == ("s",)
    assert (
        "would open 'r', which an inventory compacted since (the last at "
        "2026-03-01T21:00:00Z) may have covered and closed"
    ) in anomaly.message
    assert "is in doubt" in anomaly.message


@pytest.mark.parametrize("restore", [False, True], ids=["kept", "restored"])
@pytest.mark.parametrize("inventory", [EMPTY, UNSCOPED], ids=["of its account", "of every one"])
def test_a_start_before_a_too_late_inventory_that_listed_nothing_is_held_back(
    inventory: rk.Inventory, restore: bool
) -> None:
    # The inventory comes too late too, before the START. Batch: r runs 03:00 to 21:00
    # on 1 March, 18 h, nothing after. Was: the START opened r, 21 + 24 = 45 h named too
    # late and 24 + 24 = 48 h billed on 3 and 4 March (93 where batch bills 18).
    rater = _rater([])
    (said,) = rater.feed([inventory]).anomalies
    assert "it changes nothing metered before 2026-03-03T00:00:00Z" in said.message
    if restore:
        rater = _restored(rater)
    feed = rater.feed([LATE_START])
    assert (feed.accepted, feed.too_late) == ((), ("s",))
    (doubt,) = feed.anomalies
    _doubt(doubt, 45)  # 1 March 03:00 to 3 March 00:00, at most: batch's 18 lie within
    statement = rater.statement(END)
    assert statement.lines == ()  # the kept cycles are batch's: nothing of r there
    assert _batch([inventory, LATE_START]) == {("r", 1): 18}


@pytest.mark.parametrize("restore", [False, True], ids=["kept", "restored"])
def test_a_start_before_an_inventory_compacted_on_time_that_listed_nothing_is_held_back(
    restore: bool,
) -> None:
    # The same inventory fed on time, compacted with 1 March by the statement.
    rater = _rater([EMPTY])
    if restore:
        rater = _restored(rater)
    (doubt,) = rater.feed([LATE_START]).anomalies
    _doubt(doubt, 45)
    assert rater.statement(END).lines == ()
    assert _batch([EMPTY, LATE_START]) == {("r", 1): 18}


def test_an_inventory_of_another_account_is_no_reason_to_doubt() -> None:
    # b's inventory does not cover a's r: the START is placed, as batch places it. 21 h
    # of 1 March and 24 of 2 March named too late; 24 h on 3 and 4 March billed.
    rater = _rater([OTHER])
    (part,) = rater.feed([LATE_START]).anomalies
    assert (part.resource, part.meter, part.quantity) == ("r", "hours", 45)
    assert "its effect from then on is applied" in part.message
    lines = rater.statement(END).lines
    assert _per_day(list(lines)) == {("r", 3): 24, ("r", 4): 24}
    assert _batch([OTHER, LATE_START]) == {
        ("r", 1): 21,
        ("r", 2): 24,
        ("r", 3): 24,
        ("r", 4): 24,
    }


def test_an_orphan_stop_before_an_inventory_that_listed_nothing_is_left_as_it_stands() -> None:
    # Batch: a STOP of r, never started, at 1 March 03:00; a's inventory at 21:00 closes
    # it for good (deleted); a's inventory at 3 March 06:00 lists r: a deleted resource
    # listed again opens, 18 h on 3 March and 24 on 4 March. A stopped one would stay
    # stopped: the rater cannot tell which r was, so it leaves r as it does not know it,
    # and the listing opens it, as in batch. Was: placed as stopped, the 18 h of 3 March
    # reversed, nothing billed after (0 where batch bills 42).
    listing = rk.Inventory("2026-03-03T06:00:00Z", [("a", "r")], accounts=["a"], id="i3")
    rater = _rater([EMPTY, listing])
    first = rater.statement("2026-03-04T00:00:00Z").lines  # nothing new since the last
    stop = rk.Event("a", "r", "2026-03-01T03:00:00Z", kind="stop", id="x")
    (said,) = rater.feed([stop]).anomalies
    assert (said.kind, said.quantity) == ("too_late", None)
    assert (
        "an inventory compacted since (the last at 2026-03-01T21:00:00Z) may have covered "
        "it and closed it"
    ) in said.message
    lines = rater.statement(END).lines
    assert [(line.role, line.cycle.start.day, line.quantity) for line in lines] == [
        ("charge", 4, 24)
    ]
    assert first == ()
    assert _batch([EMPTY, listing, stop]) == {("r", 3): 18, ("r", 4): 24}


def test_the_snapshot_writes_the_last_inventory_per_account_scoped() -> None:
    # a's at 1 March 21:00, every account's at 22:00; b's at 23:00 is kept (3 March on
    # is not compacted: it is not written here, but among the kept records).
    rater = _rater(
        [
            rk.Inventory("2026-03-01T20:00:00Z", [], accounts=["a"], id="i0"),
            EMPTY,
            rk.Inventory("2026-03-01T22:00:00Z", [], id="i1"),
            rk.Inventory("2026-03-03T23:00:00Z", [], accounts=["b"], id="i2"),
        ]
    )
    body = json.loads(json.dumps(rater.snapshot()))["body"]
    at = rk.Span("2026-03-01T21:00:00Z", "2026-03-01T22:00:00Z")
    assert body["inventoried"] == [[None, at.end_us], ["a", at.start_us]]
    assert _restored(rater)._inventoried == {None: at.end_us, "a": at.start_us}


def test_a_snapshot_written_before_it_was_kept_holds_back_as_before() -> None:
    # Without body.inventoried, the rater knows the inventories compacted before by what
    # the states kept of their listings, for every account: acme's inventory listing
    # vm at 1 March 21:00 then holds back a START of b's r (in doubt, as it used to be);
    # the rater that wrote the snapshot places it (b is not in its scope).
    listing = rk.Inventory("2026-03-01T21:00:00Z", [("acme", "vm")], accounts=["acme"], id="j")
    on = rk.Event("acme", "vm", "2026-03-01T01:00:00Z", kind="start", id="on")
    rater = _rater([on, listing])
    data = json.loads(json.dumps(rater.snapshot()))
    start = rk.Event("b", "r", "2026-03-01T03:00:00Z", kind="start", id="s")
    assert (
        "its effect from then on is applied" in _restored(rater).feed([start]).anomalies[0].message
    )
    del data["body"]["inventoried"]
    older = rk.Rater.restore(resealed(data), PLAN, [HOURS])
    assert older._inventoried == {None: listing.at_us}
    (doubt,) = older.feed([start]).anomalies
    assert "may have covered and closed" in doubt.message


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("x", "at body.inventoried: it must be a list, not str: 'x'"),
        ([["a"]], "an inventory compacted must be [account or null, at_us], not ['a']"),
        ([["", 5]], "an account is a non-empty string or null, not ''"),
        ([[5, 5]], "an account is a non-empty string or null, not 5"),
        (
            [["a", "5"]],
            "an inventory compacted must be an int of microseconds since the epoch, not str",
        ),
        ([["a", 10**20]], "an inventory compacted 100000000000000000000 µs lies outside"),
    ],
)
def test_a_malformed_entry_is_refused_naming_where(value: object, problem: str) -> None:
    data = json.loads(json.dumps(_rater([EMPTY]).snapshot()))
    data["body"]["inventoried"] = value
    with pytest.raises(rk.BadSnapshotError) as raised:
        rk.Rater.restore(resealed(data), PLAN, [HOURS])
    assert problem in str(raised.value)
    assert "restore an unaltered copy" in str(raised.value)


def test_an_account_listed_twice_is_refused() -> None:
    data = json.loads(json.dumps(_rater([EMPTY]).snapshot()))
    data["body"]["inventoried"] = [["a", 1], ["a", 2]]
    with pytest.raises(rk.BadSnapshotError, match=r"body\.inventoried\[1\] repeats 'a'"):
        rk.Rater.restore(resealed(data), PLAN, [HOURS])


def test_an_entry_at_or_after_the_kept_cycles_is_refused() -> None:
    # Only inventories before the kept cycles (3 March on) are compacted.
    data = json.loads(json.dumps(_rater([EMPTY]).snapshot()))
    data["body"]["inventoried"] = [["a", rk.Span("2026-03-03T00:00:00Z", END).start_us]]
    with pytest.raises(rk.BadSnapshotError) as raised:
        rk.Rater.restore(resealed(data), PLAN, [HOURS])
    assert str(raised.value) == (
        "Rater snapshot is inconsistent: an inventory compacted (inventoried) is stamped at "
        "or after base_us: only inventories before the kept cycles are compacted; it was "
        "altered by hand or damaged: restore an unaltered copy."
    )


def test_an_entry_in_no_cycle_of_the_plans_is_refused() -> None:
    # Year 1 lies before every calendar cycle ratekit computes (from year 2).
    data = json.loads(json.dumps(_rater([EMPTY]).snapshot()))
    data["body"]["inventoried"] = [["a", rk.Span("0001-01-01T00:00:00Z", END).start_us]]
    with pytest.raises(rk.BadSnapshotError) as raised:
        rk.Rater.restore(resealed(data), PLAN, [HOURS])
    assert str(raised.value).startswith(
        "Rater snapshot inventoried -62135596800000000 (0001-01-01T00:00:00Z) lies outside "
        "the cycles of its plans ("
    )
    assert str(raised.value).endswith("); restore an unaltered copy.")
