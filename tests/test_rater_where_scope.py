"""A too-late event and the ``where`` of an inventory compacted after it.

An inventory with a ``where`` covers a resource it does not list only while the
resource's description matches it; batch ``rate()`` closes a running resource it covers
and does not list. A too-late ``update`` placed in the compacted state may bring a
running resource into such a scope: the compacted state keeps neither what the inventory
listed nor what it made of the resource, so the rater does not apply the event and says
so (docs/streaming.md, Late and too late). Worked by hand in the comments (daily UTC
cycles, 1 EUR an hour).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

HOURS = rk.Meter("hours", "hour", rk.OnOff())
PLAN = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("h", "hours", rk.PerUnit(1))])
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")
Record = rk.Event | rk.Sample | rk.Inventory


def start() -> rk.Event:
    return rk.Event("a", "x", "2026-03-01T00:00:00Z", {"entity": "db"}, kind="start", id="s")


def vms(listed: list[tuple[str, str]]) -> rk.Inventory:
    """An inventory of 2 March 00:00 of account a's VMs (``where``), listing ``listed``."""
    return rk.Inventory(
        "2026-03-02T00:00:00Z", listed, accounts=["a"], where={"entity": "vm"}, id="i"
    )


def update(attributes: dict[str, object]) -> rk.Event:
    return rk.Event("a", "x", "2026-03-01T12:00:00Z", attributes, kind="update", id="u")


def streamed(
    first: list[Record], late: list[Record], restore: bool
) -> tuple[dict[int, Decimal], rk.Feed]:
    """``first`` fed, 1-2 March compacted; then ``late``: the lines per day, the late feed."""
    rater = rk.Rater(PLAN, [HOURS], start=SPAN.start)
    rater.feed(first)
    lines = list(rater.statement("2026-03-04T12:00:00Z").lines)  # 1-2 March compacted
    if restore:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [HOURS])
    feed = rater.feed(late)
    lines += rater.statement(SPAN.end).lines
    days: dict[int, Decimal] = {}
    for line in lines:
        days[line.cycle.start.day] = days.get(line.cycle.start.day, Decimal(0)) + line.quantity
    return days, feed


def batch_rated(records: list[Record]) -> dict[int, Decimal]:
    days: dict[int, Decimal] = {}
    for charge in rk.rate(records, PLAN, span=SPAN, meters=[HOURS]).charges:
        days[charge.cycle.start.day] = (
            days.get(charge.cycle.start.day, Decimal(0)) + charge.quantity
        )
    return days


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_update_into_a_compacted_where_is_not_applied_and_says_so(
    restore: bool,
) -> None:
    # A database started 1 March 00:00; an inventory of the account's VMs of 2 March
    # 00:00 lists none (the database is not in its scope). 1-2 March compacted. Then, too
    # late, an update of 1 March 12:00 describes it as a VM: batch has the inventory
    # cover it and close it at 2 March 00:00 (24 hours in all), where the stream bills
    # it on (24 a day). It used to be applied, its anomalies saying its effect from then
    # on is batch's; now it is not applied, and the anomaly says what is not known.
    records: list[Record] = [start(), vms([])]
    days, feed = streamed(records, [update({"entity": "vm"})], restore)
    assert batch_rated([*records, update({"entity": "vm"})]) == {1: 24}
    assert days == {1: 24, 2: 24, 3: 24, 4: 24, 5: 24}  # left as it stands
    assert feed.too_late == ("u",)
    [anomaly] = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == ("too_late", None, None)
    assert anomaly.message == (
        "event 'u' (update) of 'x' of 'a' stamped 2026-03-01T12:00:00Z is older than every "
        "cycle the rater keeps (from 2026-03-03T00:00:00Z) and describes 'x' anew into the "
        "where {'entity': 'vm'} of an inventory compacted since (the last at "
        "2026-03-02T00:00:00Z): batch rate() closes a resource such an inventory covers "
        "and does not list (a START after does not open it again), and the compacted state "
        "keeps neither what it listed nor what each such inventory made of the resource, so "
        "the event is not applied "
        "and 'x' is left as it stands. What it changes before 2026-03-03T00:00:00Z and from "
        "then on is not known here: compare with batch rate() over your stored records. It "
        "may be a replay of an event applied before and forgotten with its compacted cycle."
    )


@pytest.mark.parametrize("restore", [False, True])
def test_an_update_that_stays_out_of_the_where_is_applied(restore: bool) -> None:
    # The same, but the update keeps the database a database (a size): the inventory
    # never covers it, and the update re-describes 36 hours before the 3rd (named twice,
    # -36 and +36), and the kept days, as batch does.
    records: list[Record] = [start(), vms([])]
    late = update({"entity": "db", "size": 2})
    days, feed = streamed(records, [late], restore)
    assert days == batch_rated([*records, late]) == {1: 24, 2: 24, 3: 24, 4: 24, 5: 24}
    assert [a.quantity for a in feed.anomalies] == [-36, 36]


@pytest.mark.parametrize("restore", [False, True])
def test_an_update_into_the_where_of_an_inventory_that_listed_it_is_applied(
    restore: bool,
) -> None:
    # The inventory lists the database (a listed resource is in its scope whatever its
    # description): batch keeps it running under any description, so the update is
    # applied as any other.
    records: list[Record] = [start(), vms([("a", "x")])]
    late = update({"entity": "vm"})
    days, feed = streamed(records, [late], restore)
    assert days == batch_rated([*records, late]) == {1: 24, 2: 24, 3: 24, 4: 24, 5: 24}
    assert [a.quantity for a in feed.anomalies] == [-36, 36]


def test_an_inventory_of_another_account_or_before_the_event_does_not_hold_it() -> None:
    # Scoped to account b, or stamped before the update: the inventory never covers x
    # under its new description, and the update is applied.
    for inventory in (
        rk.Inventory("2026-03-02T00:00:00Z", [], accounts=["b"], where={"entity": "vm"}),
        rk.Inventory("2026-03-01T06:00:00Z", [], accounts=["a"], where={"entity": "vm"}),
    ):
        records: list[Record] = [start(), inventory]
        late = update({"entity": "vm"})
        days, feed = streamed(records, [late], restore=False)
        assert days == batch_rated([*records, late])
        assert [a.quantity for a in feed.anomalies] == [-36, 36], inventory


def test_the_last_inventory_per_scope_is_kept_and_travels_in_the_snapshot() -> None:
    rater = rk.Rater(PLAN, [HOURS], start=SPAN.start)
    rater.feed(
        [
            start(),
            rk.Inventory("2026-03-01T06:00:00Z", [], accounts=["a"], where={"entity": "vm"}),
            vms([]),
            rk.Inventory("2026-03-01T06:00:00Z", [], where={"entity": "vm"}, close="last_seen"),
        ]
    )
    rater.statement("2026-03-04T12:00:00Z")
    scoped = rater.snapshot()["body"]["scoped"]
    # the later of the two of account a (its id and listing dropped), and the one of every account
    assert scoped == [  # in the order of their text: stable
        ["I", 1772344800000000, [], "last_seen", None, None, [["entity", "vm"]]],
        ["I", 1772409600000000, [], "snapshot", None, ["a"], [["entity", "vm"]]],
    ]


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_update_of_a_stopped_resource_into_a_where_is_not_applied(
    restore: bool,
) -> None:
    # A database started 1 March 00:00, stopped 05:00 (5 hours); an inventory of the
    # VMs of 2 March 00:00 lists none; started again 3 March 06:00 (kept). 1-2 March
    # compacted; then an update of 1 March 12:00 makes it a VM: batch has the inventory
    # cover the stopped VM and delete it, and the START of the 3rd does not open a
    # deleted one: 5 hours in all. It used to be applied ("changes nothing metered"),
    # the stream billing the START's 66 hours; now it is not, and says so.
    stopped = rk.Event("a", "x", "2026-03-01T05:00:00Z", kind="stop", id="t")
    again = rk.Event("a", "x", "2026-03-03T06:00:00Z", kind="start", id="s2")
    records: list[Record] = [start(), stopped, vms([]), again]
    late = update({"entity": "vm"})
    days, feed = streamed(records, [late], restore)
    assert batch_rated([*records, late]) == {1: 5}
    assert days == {1: 5, 3: 18, 4: 24, 5: 24}  # left as it stands, and said
    assert feed.too_late == ("u",)
    [anomaly] = feed.anomalies
    assert (anomaly.meter, anomaly.quantity) == (None, None)
    assert "describes 'x' anew into the where {'entity': 'vm'}" in anomaly.message
    assert "is not known here" in anomaly.message
