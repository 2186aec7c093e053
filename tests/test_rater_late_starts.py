"""A START stamped in a compacted cycle, of a resource an inventory compacted since may have closed.

In batch ``rate()``, an inventory whose scope covers a resource and does not list it
closes it (at its instant, or at its last sign of life under ``close="last_seen"``), for
good. A START fed after its cycle was compacted, of a resource no compacted state has
running, would be placed in the compacted state and billed from the kept cycles on; but
an inventory compacted after it may have covered that resource (an unscoped one covers
every account) and closed it, and the rater keeps the last inventory compacted per
account scoped, not what each covered. So the rater leaves such a resource as it
stands when an inventory of its account (or of every account) came after it, as it leaves one
a too-late inventory would open (`_rater_late_inventories.may_have_closed()`, shared):
the START is not applied, and a ``"too_late"`` anomaly names the resource, the meter and
the quantity in doubt before the kept cycles. The stream then never bills what batch
does not. Worked by hand in the comments: daily UTC cycles, 1 EUR per VM hour, one hour
of horizon (1 and 2 March compacted by a statement at 4 March 06:00).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "B", rk.Counter())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)), rk.PriceEntry("e", "egress", rk.PerUnit(1))],
)
START = "2026-03-01T00:00:00Z"
END = "2026-03-05T06:00:00Z"
# acme's a1 runs from 1 March 00:00, a2 from 2 March 12:00.
ACME = [
    rk.Event("acme", "a1", "2026-03-01T00:00:00Z", kind="start", id="a1"),
    rk.Event("acme", "a2", "2026-03-02T12:00:00Z", kind="start", id="a2"),
]
Key = tuple[str, str | None, int]
Record = rk.Event | rk.Sample | rk.Inventory


def _compacted(records: list[Record]) -> tuple[rk.Rater, list[rk.StatementLine]]:
    """``records`` fed in time; 1 and 2 March compacted, 3 March closed but kept (base 3 March)."""
    rater = rk.Rater(PLAN, [VM, EGRESS], start=START, horizon=dt.timedelta(hours=1))
    rater.feed(records)
    lines = [
        line for day in (2, 3, 4) for line in rater.statement(f"2026-03-0{day}T06:00:00Z").lines
    ]
    assert rater._base_us == rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").start_us
    return rater, lines


def _days(lines: list[rk.StatementLine], *, kept: bool = True) -> dict[Key, Decimal]:
    """The lines' amounts per account, resource and day: from 3 March (or before it)."""
    out: dict[Key, Decimal] = {}
    for line in lines:
        if (line.cycle.start.day >= 3) == kept:
            key = (line.account, line.resource, line.cycle.start.day)
            out[key] = out.get(key, Decimal(0)) + line.amount
    return {key: amount for key, amount in out.items() if amount}


def _batch(records: list[Record], *, kept: bool = True) -> dict[Key, Decimal]:
    """Batch rate() of ``records`` up to the last watermark, as `_days()` sums them."""
    rating = rk.rate(records, PLAN, span=rk.Span(START, END), meters=[VM, EGRESS], as_of=END)
    out: dict[Key, Decimal] = {}
    for charge in rating.charges:
        assert charge.cycle is not None
        if (charge.cycle.start.day >= 3) == kept:
            key = (charge.account, charge.resource, charge.cycle.start.day)
            out[key] = out.get(key, Decimal(0)) + charge.amount
    return {key: amount for key, amount in out.items() if amount}


def _unopened(event: str, resource: str, account: str, quantity: str) -> str:
    """The message of a START left as it stands (inventory compacted since at 2 March 18:00)."""
    return (
        f"event {event!r} (start) of {resource!r} of {account!r} stamped 2026-03-01T12:00:00Z "
        "is older than every cycle the rater keeps (from 2026-03-03T00:00:00Z) and would open "
        f"{resource!r}, which an inventory compacted since (the last at 2026-03-02T18:00:00Z) "
        "may have covered and closed: the compacted state does not keep what each inventory "
        "covered, so it is not applied; what it would add of 'vm.hours' before "
        f"2026-03-03T00:00:00Z, {quantity} hour under description {{}}, is in doubt (batch "
        "rate() bills it up to where such an inventory closed it, at most all of it); from "
        f"then on the rater meters {resource!r} from its kept records alone, as a resource it "
        "does not know, where batch rate() meters it running from this event on, unless such "
        "an inventory closed it (for good: batch then bills nothing of it after). It may be "
        "a replay of an event applied before and forgotten with its compacted cycle."
    )


def test_a_too_late_start_closed_by_an_unscoped_inventory_compacted_since_is_not_billed() -> None:
    # An unscoped inventory at 2 March 18:00 lists acme's a1 and a2: in batch it covers
    # beta's vm-new too (started 1 March 12:00, fed once 2 March is compacted) and closes
    # it there. Batch bills vm-new 12 h of 1 March and 18 h of 2 March, nothing after.
    unscoped = rk.Inventory("2026-03-02T18:00:00Z", [("acme", "a1"), ("acme", "a2")], id="j")
    rater, before = _compacted([*ACME, unscoped])
    start = rk.Event("beta", "vm-new", "2026-03-01T12:00:00Z", kind="start", id="n")
    feed = rater.feed([start])
    assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("n",))
    (doubt,) = feed.anomalies
    # in doubt before 3 March: at most 12 h of 1 March and 24 h of 2 March, 36 h
    assert (doubt.kind, doubt.account, doubt.resource, doubt.meter, doubt.quantity) == (
        "too_late",
        "beta",
        "vm-new",
        "vm.hours",
        Decimal(36),
    )
    assert (doubt.record_ids, doubt.at_us) == (("n",), start.at_us)
    assert doubt.message == _unopened("n", "vm-new", "beta", "36")
    statement = rater.statement(END)
    assert statement.anomalies == ()  # the feed said it
    assert [line for line in statement.lines if line.account == "beta"] == []
    # the kept and open cycles are batch's to the last digit: vm-new bills nothing there
    records: list[Record] = [*ACME, unscoped, start]
    assert _days([*before, *statement.lines]) == _batch(records)
    # batch's compacted part of vm-new, 12 + 18 = 30 h, lies within the 36 in doubt
    early = _batch(records, kept=False)
    assert (early[("beta", "vm-new", 1)], early[("beta", "vm-new", 2)]) == (12, 18)
    assert doubt.quantity is not None
    assert doubt.quantity >= 12 + 18


def test_a_last_seen_inventory_compacted_since_closes_it_at_its_start() -> None:
    # Under close="last_seen" batch closes acme's vm-new at its last sign of life, its
    # START: it bills nothing of it at all. The stream neither; 36 h were in doubt.
    last_seen = rk.Inventory(
        "2026-03-02T18:00:00Z", [("acme", "a1"), ("acme", "a2")], close="last_seen", id="j"
    )
    rater, before = _compacted([*ACME, last_seen])
    start = rk.Event("acme", "vm-new", "2026-03-01T12:00:00Z", kind="start", id="n")
    feed = rater.feed([start])
    (doubt,) = feed.anomalies
    assert (doubt.resource, doubt.meter, doubt.quantity) == ("vm-new", "vm.hours", 36)
    assert doubt.message == _unopened("n", "vm-new", "acme", "36")
    statement = rater.statement(END)
    records: list[Record] = [*ACME, last_seen, start]
    assert _days([*before, *statement.lines]) == _batch(records)
    assert not any(key[1] == "vm-new" for key in _batch(records, kept=False))


def test_an_inventory_of_another_account_does_not_hold_it_back() -> None:
    # An inventory of acme's resources alone at 2 March 18:00: in batch it does not cover
    # beta's vm-new, which runs from 1 March 12:00 on. The rater keeps the last inventory
    # compacted per account scoped, so it knows none of beta's came after the START: it
    # is placed, as batch places it, 12 + 24 = 36 h named too late, and vm-new billed
    # from the kept cycles on: 24 h on 3 and 4 March, 6 h on 5 March.
    scoped = rk.Inventory(
        "2026-03-02T18:00:00Z", [("acme", "a1"), ("acme", "a2")], accounts=["acme"], id="j"
    )
    rater, before = _compacted([*ACME, scoped])
    start = rk.Event("beta", "vm-new", "2026-03-01T12:00:00Z", kind="start", id="n")
    (part,) = rater.feed([start]).anomalies
    assert (part.resource, part.meter, part.quantity) == ("vm-new", "vm.hours", 36)
    assert "its effect from then on is applied" in part.message
    statement = rater.statement(END)
    records: list[Record] = [*ACME, scoped, start]
    got = _days([*before, *statement.lines])
    assert got == _batch(records)
    assert {key: amount for key, amount in got.items() if key[1] == "vm-new"} == {
        ("beta", "vm-new", 3): 24,
        ("beta", "vm-new", 4): 24,
        ("beta", "vm-new", 5): 6,
    }
    early = _batch(records, kept=False)
    assert early[("beta", "vm-new", 1)] + early[("beta", "vm-new", 2)] == part.quantity


def test_an_inventory_of_its_own_account_that_lists_nothing_holds_it_back() -> None:
    # beta's inventory at 2 March 18:00 lists nothing: in batch it closes vm-new there
    # (12 h of 1 March, 18 h of 2 March, nothing after). It lists nothing any compacted
    # state keeps, yet the rater knows it was compacted after the START: the START is
    # left as it stands, 36 h in doubt, and vm-new bills nothing in the kept cycles.
    empty = rk.Inventory("2026-03-02T18:00:00Z", [], accounts=["beta"], id="j")
    rater, before = _compacted([*ACME, empty])
    start = rk.Event("beta", "vm-new", "2026-03-01T12:00:00Z", kind="start", id="n")
    (doubt,) = rater.feed([start]).anomalies
    assert (doubt.resource, doubt.meter, doubt.quantity) == ("vm-new", "vm.hours", 36)
    assert doubt.message == _unopened("n", "vm-new", "beta", "36")
    statement = rater.statement(END)
    records: list[Record] = [*ACME, empty, start]
    assert _days([*before, *statement.lines]) == _batch(records)
    early = _batch(records, kept=False)
    assert (early[("beta", "vm-new", 1)], early[("beta", "vm-new", 2)]) == (12, 18)


def test_a_kept_start_of_a_resource_left_in_doubt_is_metered_from_the_kept_records() -> None:
    # vm-new stopped at 3 March 06:00 and started again at 12:00 (kept cycles, on time);
    # its START of 1 March 12:00 comes late. Batch: closed for good by the unscoped
    # inventory at 2 March 18:00, the later START does not reopen it: nothing after. The
    # stream, knowing nothing of it before, bills it from 3 March 12:00: 12 h on 3 March,
    # 24 on 4 March, 6 on 5 March. The anomaly says it meters it from its kept records
    # alone, where batch may not.
    unscoped = rk.Inventory("2026-03-02T18:00:00Z", [("acme", "a1"), ("acme", "a2")], id="j")
    kept = [
        rk.Event("acme", "vm-new", "2026-03-03T06:00:00Z", kind="stop", id="x"),
        rk.Event("acme", "vm-new", "2026-03-03T12:00:00Z", kind="start", id="s"),
    ]
    rater, before = _compacted([*ACME, unscoped, *kept])
    start = rk.Event("acme", "vm-new", "2026-03-01T12:00:00Z", kind="start", id="n")
    (doubt,) = rater.feed([start]).anomalies
    assert "the rater meters 'vm-new' from its kept records alone" in doubt.message
    assert (doubt.resource, doubt.meter, doubt.quantity) == ("vm-new", "vm.hours", 36)
    got = _days([*before, *rater.statement(END).lines])
    want = _batch([*ACME, unscoped, *kept, start])
    assert {key: amount for key, amount in got.items() if key[1] == "vm-new"} == {
        ("acme", "vm-new", 3): 12,
        ("acme", "vm-new", 4): 24,
        ("acme", "vm-new", 5): 6,
    }
    assert not any(key[1] == "vm-new" for key in want)


def test_a_too_late_start_after_every_compacted_inventory_is_placed() -> None:
    # An unscoped inventory at 1 March 06:00, before the START: none compacted after it
    # may have closed vm-new, so it is placed, and billed from the kept cycles on, as in
    # batch (12 h of 1 March and 24 of 2 March named too late, not applied).
    early = rk.Inventory("2026-03-01T06:00:00Z", [("acme", "a1")], id="j")
    rater, before = _compacted([*ACME, early])
    start = rk.Event("beta", "vm-new", "2026-03-01T12:00:00Z", kind="start", id="n")
    (part,) = rater.feed([start]).anomalies
    assert (part.resource, part.meter, part.quantity) == ("vm-new", "vm.hours", 36)
    assert "its effect from then on is applied" in part.message
    statement = rater.statement(END)
    assert _days([*before, *statement.lines]) == _batch([*ACME, early, start])
    assert ("beta", "vm-new", 4) in _days(statement.lines)


def test_a_too_late_start_of_a_running_resource_is_placed_whatever_the_inventories() -> None:
    # a1 runs in the compacted state: a START of it re-describes nothing and opens
    # nothing, and is placed (it changes nothing), though an inventory was compacted since.
    unscoped = rk.Inventory("2026-03-02T18:00:00Z", [("acme", "a1"), ("acme", "a2")], id="j")
    rater, before = _compacted([*ACME, unscoped])
    again = rk.Event("acme", "a1", "2026-03-01T12:00:00Z", kind="start", id="again")
    (said,) = rater.feed([again]).anomalies
    assert (said.meter, said.quantity) == (None, None)
    assert "it is placed among the events the compacted state keeps" in said.message
    statement = rater.statement(END)
    assert _days([*before, *statement.lines]) == _batch([*ACME, unscoped, again])


def test_a_counter_reading_of_a_new_resource_has_no_such_gap() -> None:
    # A counter is not closed by an inventory that does not list it: its readings count
    # from the one before, listed or not. beta's ip reads 0 at 1 March 12:00 (fed once 2
    # March is compacted) and 1000 at 3 March 12:00 (on time): 1000 B over 48 h, 750 of
    # them before 3 March (named too late), 250 on 3 March, as batch counts them with
    # the unscoped inventory at 2 March 18:00.
    unscoped = rk.Inventory("2026-03-02T18:00:00Z", [("acme", "a1"), ("acme", "a2")], id="j")
    kept = rk.Sample("beta", "ip", "egress", "2026-03-03T12:00:00Z", 1000, kind="counter", id="k")
    rater, before = _compacted([*ACME, unscoped, kept])
    first = rk.Sample("beta", "ip", "egress", "2026-03-01T12:00:00Z", 0, kind="counter", id="f")
    feed = rater.feed([first])
    (part,) = feed.anomalies
    assert (part.resource, part.meter, part.quantity) == ("ip", "egress", 750)
    statement = rater.statement(END)
    got = _days([*before, *statement.lines])
    assert got == _batch([*ACME, unscoped, kept, first])
    assert got[("beta", "ip", 3)] == 250


def test_an_inventory_at_the_starts_own_instant_comes_after_it() -> None:
    # Metering applies an inventory after the events stamped up to its instant: a START
    # at 2 March 18:00 is closed by the unscoped inventory of that instant, which does not
    # list it, and batch bills nothing of it. The stream neither: 6 h of 2 March in doubt.
    unscoped = rk.Inventory("2026-03-02T18:00:00Z", [("acme", "a1"), ("acme", "a2")], id="j")
    rater, before = _compacted([*ACME, unscoped])
    start = rk.Event("acme", "vm-new", "2026-03-02T18:00:00Z", kind="start", id="n")
    (doubt,) = rater.feed([start]).anomalies
    assert (doubt.resource, doubt.meter, doubt.quantity) == ("vm-new", "vm.hours", 6)
    assert "would open 'vm-new'" in doubt.message
    statement = rater.statement(END)
    records: list[Record] = [*ACME, unscoped, start]
    assert _days([*before, *statement.lines]) == _batch(records)
    assert not any(key[1] == "vm-new" for key in _batch(records, kept=False))
