"""Too-late records and the inventories compacted after them.

An event placed in the compacted state is ordered among the events the state keeps, but
the inventories compacted after it are not replayed by that history: a listing after a
DELETE opens the resource again in batch ``rate()``, and a STOP stays stopped. The
state keeps the inventories that covered the resource at the last instant any did, so
those are applied after the event: a DELETE of a running resource listed after it
changes nothing from the kept cycles on, and its part before them is named in doubt (an
inventory between, forgotten, may have opened it sooner). A too-late inventory that
covers a resource whose compacted state has a later sign of life cannot be reconciled
with it: the resource is left as it stands and named. Worked by hand in the comments:
daily UTC cycles, 1 EUR per VM hour, no horizon (1 and 2 March compacted by a statement
at 4 March 00:00).
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
START = "2026-03-01T00:00:00Z"
Record = rk.Event | rk.Inventory
Days = dict[tuple[str | None, int], Decimal]


def _stream(
    first: list[Record], late: list[Record], days: tuple[int, ...] = (5, 6, 7)
) -> tuple[rk.Feed, Days]:
    """``first`` fed, 1 and 2 March compacted; then ``late``; statements at ``days``."""
    rater = rk.Rater(PLAN, [VM], start=START)
    assert rater.feed(first).too_late == ()
    lines = list(rater.statement("2026-03-04T00:00:00Z").lines)
    assert rater._base_us == rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").start_us
    feed = rater.feed(late)
    for day in days:
        lines += rater.statement(f"2026-03-0{day}T00:00:00Z").lines
    out: Days = {}
    for line in lines:
        key = (line.resource, line.cycle.start.day)
        out[key] = out.get(key, Decimal(0)) + line.amount
    return feed, {key: amount for key, amount in out.items() if amount}


def _batch(records: list[Record], end: str = "2026-03-07T00:00:00Z") -> Days:
    rating = rk.rate(records, PLAN, span=rk.Span(START, end), meters=[VM], as_of=end)
    out: Days = {}
    for charge in rating.charges:
        assert charge.cycle is not None
        key = (charge.resource, charge.cycle.start.day)
        out[key] = out.get(key, Decimal(0)) + charge.amount
    return {key: amount for key, amount in out.items() if amount}


GO = rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="go")
LISTED = rk.Inventory("2026-03-02T12:00:00Z", [("a", "vm-1")], id="inv")


def test_a_late_delete_before_a_compacted_listing_leaves_the_resource_running() -> None:
    # Batch: vm-1 runs 1 March (24), 2 March 00:00-06:00 (6), is deleted at 06:00, and
    # the listing at 12:00 opens it again: 12:00-24:00 (12), then 24 a day, 3 to 6
    # March: 24 + 6 + 12 + 4 * 24 = 138. The stream billed 1 and 2 March whole (48)
    # before the DELETE came; it bills 3 to 6 March as batch (4 * 24 = 96), 144 in all,
    # and names what it cannot apply: 06:00-12:00 on 2 March, -6 h (144 - 6 = 138).
    delete = rk.Event("a", "vm-1", "2026-03-02T06:00:00Z", kind="delete", id="del")
    feed, stream = _stream([GO, LISTED], [delete])
    batch = _batch([GO, LISTED, delete])
    assert batch == {
        ("vm-1", 1): Decimal(24),
        ("vm-1", 2): Decimal(18),
        ("vm-1", 3): Decimal(24),
        ("vm-1", 4): Decimal(24),
        ("vm-1", 5): Decimal(24),
        ("vm-1", 6): Decimal(24),
    }
    assert stream == {**batch, ("vm-1", 2): Decimal(24)}  # 3 March not reversed
    assert feed.too_late == ("del",)
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.resource, anomaly.meter, anomaly.quantity) == (
        "too_late",
        "vm-1",
        "vm.hours",
        Decimal(-6),
    )
    assert anomaly.record_ids == ("del",)
    assert anomaly.message == (
        "event 'del' (delete) of 'vm-1' of 'a' stamped 2026-03-02T06:00:00Z is older than "
        "every cycle the rater keeps (from 2026-03-03T00:00:00Z); an inventory compacted "
        "since (at 2026-03-02T12:00:00Z) listed 'vm-1' and opened it again, as batch "
        "rate() does, so it changes nothing from then on; what it changes of 'vm.hours' "
        "before 2026-03-03T00:00:00Z, -6 hour under description {}, belonged to cycles "
        "already compacted: not applied, and in doubt (at most this much: an inventory "
        "between, forgotten with its compacted cycle, may have opened it sooner)."
    )
    assert sum(stream.values()) + anomaly.quantity == sum(batch.values()) == 138


def test_a_late_delete_before_a_last_seen_listing_too() -> None:
    # As above, the listing close="last_seen": it lists vm-1, so closes nothing.
    listed = rk.Inventory("2026-03-02T12:00:00Z", [("a", "vm-1")], close="last_seen", id="inv")
    delete = rk.Event("a", "vm-1", "2026-03-02T06:00:00Z", kind="delete", id="del")
    feed, stream = _stream([GO, listed], [delete])
    batch = _batch([GO, listed, delete])
    assert sum(batch.values()) == 138  # 24 + 6 + 12 + 4 * 24
    assert stream == {**batch, ("vm-1", 2): Decimal(24)}
    assert [(a.kind, a.quantity) for a in feed.anomalies] == [("too_late", Decimal(-6))]


def test_a_late_stop_before_a_compacted_listing_still_stops_it() -> None:
    # A listing keeps a stopped resource stopped: batch bills 24 + 6 = 30. The stream
    # billed 48 before the STOP came, takes back 3 March (24), bills nothing after,
    # and names 06:00-24:00 on 2 March, -18 h: 48 - 18 = 30.
    stop = rk.Event("a", "vm-1", "2026-03-02T06:00:00Z", kind="stop", id="halt")
    feed, stream = _stream([GO, LISTED], [stop])
    batch = _batch([GO, LISTED, stop])
    assert batch == {("vm-1", 1): Decimal(24), ("vm-1", 2): Decimal(6)}
    assert stream == {**batch, ("vm-1", 2): Decimal(24)}
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.quantity) == ("too_late", Decimal(-18))
    assert sum(stream.values()) + anomaly.quantity == 30


def test_a_late_delete_of_a_stopped_resource_listed_after_is_left_and_named() -> None:
    # vm-1 stopped at 1 March 12:00, listed (still stopped) at 2 March 12:00. A DELETE at
    # 1 March 18:00 makes the listing open it again in batch: 12 h on 2 March, 24 a day
    # after (12 + 12 + 4 * 24 = 120). The compacted state keeps no inventory between
    # (one may have opened it sooner, under other attributes): the DELETE is not
    # applied, the stream keeps vm-1 stopped (12 h in all) and the anomaly says so,
    # with no quantity.
    stop = rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", kind="stop", id="halt")
    delete = rk.Event("a", "vm-1", "2026-03-01T18:00:00Z", kind="delete", id="del")
    feed, stream = _stream([GO, stop, LISTED], [delete])
    assert sum(_batch([GO, stop, LISTED, delete]).values()) == 120
    assert stream == {("vm-1", 1): Decimal(12)}
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.resource, anomaly.quantity) == ("too_late", "vm-1", None)
    assert feed.too_late == ("del",)
    assert anomaly.message == (
        "event 'del' (delete) of 'vm-1' of 'a' stamped 2026-03-01T18:00:00Z is older than "
        "every cycle the rater keeps (from 2026-03-03T00:00:00Z), and an inventory "
        "compacted since (the last at 2026-03-02T12:00:00Z) covered 'vm-1': the compacted "
        "state keeps where that left it, not what it would have made of the event's "
        "effect, so it is not applied and 'vm-1' is left as it stands. What it changes "
        "before 2026-03-03T00:00:00Z and from then on is not known here: compare with "
        "batch rate() over your stored records. It may be a replay of an event applied "
        "before and forgotten with its compacted cycle."
    )


def _unplaced(inventory: str, at: str, resource: str, account: str, settled: str) -> str:
    return (
        f"inventory {inventory!r} at {at} is older than every cycle the rater keeps (from "
        f"2026-03-03T00:00:00Z) and not after the last sign of life of {resource!r} of "
        f"{account!r} that the compacted state keeps (at {settled}), which it keeps "
        "without what came before: it cannot be reconciled with it, and is not applied to "
        f"{resource!r} (what it would change there is not known here). It may be a replay "
        "of an inventory applied before and forgotten with its compacted cycle."
    )


def test_a_late_listing_before_a_compacted_start_names_the_resource() -> None:
    # r2 starts 2 March 17:30. A listing of 1 March 14:30 opens it in batch: 9.5 h on
    # 1 March, 24 on 2 March (the START re-describes a running one), 24 on 3 March;
    # the stream billed 6.5 h on 2 March and cannot tell whether r2 ran before its
    # START: it leaves r2 as it stands and names it (no quantity).
    go = rk.Event("b", "r2", "2026-03-02T17:30:00Z", kind="start", id="go")
    listing = rk.Inventory("2026-03-01T14:30:00Z", [("b", "r2")], id="inv")
    feed, stream = _stream([go], [listing], days=())
    end = "2026-03-04T00:00:00Z"
    assert _batch([go, listing], end) == {
        ("r2", 1): Decimal("9.5"),
        ("r2", 2): Decimal(24),
        ("r2", 3): Decimal(24),
    }
    assert stream == {("r2", 2): Decimal("6.5"), ("r2", 3): Decimal(24)}
    assert feed.too_late == ("inv",)
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.account, anomaly.resource, anomaly.quantity) == (
        "too_late",
        "b",
        "r2",
        None,
    )
    assert anomaly.message == _unplaced(
        "inv", "2026-03-01T14:30:00Z", "r2", "b", "2026-03-02T17:30:00Z"
    )


def test_a_late_listing_before_a_compacted_orphan_delete_names_the_resource() -> None:
    # r0 is deleted at 2 March 18:00, never started (an orphan: nothing billed). A
    # listing of 12:30 that day opens it in batch: 5.5 h until the DELETE. The stream
    # names it and bills nothing.
    gone = rk.Event("a", "r0", "2026-03-02T18:00:00Z", kind="delete", id="del")
    listing = rk.Inventory("2026-03-02T12:30:00Z", [("a", "r0")], id="inv")
    feed, stream = _stream([gone], [listing], days=())
    assert _batch([gone, listing], "2026-03-04T00:00:00Z") == {("r0", 2): Decimal("5.5")}
    assert stream == {}
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.resource, anomaly.quantity) == ("too_late", "r0", None)
    assert anomaly.message == _unplaced(
        "inv", "2026-03-02T12:30:00Z", "r0", "a", "2026-03-02T18:00:00Z"
    )


def test_a_replayed_compacted_listing_changes_nothing_and_names_no_resource() -> None:
    # The listing of 2 March 12:00, fed again after its cycle was compacted: the state
    # of vm-1 remembers it (its last listing), so nothing is said of vm-1.
    feed, stream = _stream([GO, LISTED], [LISTED], days=())
    assert stream == {("vm-1", 1): Decimal(24), ("vm-1", 2): Decimal(24), ("vm-1", 3): Decimal(24)}
    assert all(a.resource is None for a in feed.anomalies)
