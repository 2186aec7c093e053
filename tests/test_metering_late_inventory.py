"""An inventory stamped before the carried state's clock is late: nothing lost, nothing twice.

Each case meters the same records at once, then in two calls split at 10 March, the
second carrying the first's state and receiving the inventory late; the rows of both
calls plus the late rows equal the rows of metering at once (hours worked by hand).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

VM = rk.Meter("vm", "hour", rk.OnOff())
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
CUT = "2026-03-10T00:00:00Z"
FIRST = rk.Span(MARCH.start, CUT)
REST = rk.Span(CUT, MARCH.end)
START = rk.Event("a", "vm-1", "2026-03-02T00:00:00Z", {"entity": "vm"}, kind="start", id="e1")
VOLUME = rk.Event("a", "vol-1", "2026-03-02T00:00:00Z", {"entity": "volume"}, kind="start", id="v1")


def at_once(records: list[rk.Event | rk.Inventory]) -> rk.Usage:
    return rk.meter(records, [VM], span=MARCH, cycle=None, as_of=MARCH.end)


def split(
    first: list[rk.Event | rk.Inventory], second: list[rk.Event | rk.Inventory]
) -> tuple[rk.Usage, rk.Usage]:
    one = rk.meter(first, [VM], span=FIRST, cycle=None, as_of=CUT)
    state = [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in one.state]
    two = rk.meter(second, [VM], span=REST, cycle=None, as_of=MARCH.end, state=state)
    return one, two


def hours(*usages: rk.Usage) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for usage in usages:
        for row in (*usage.rows, *usage.late):
            out[row.resource] = out.get(row.resource, Decimal(0)) + row.quantity
    return {resource: quantity for resource, quantity in out.items() if quantity}


SCOPES = [
    pytest.param({}, id="unscoped"),
    pytest.param({"accounts": ["a"], "where": {"entity": "vm"}}, id="scoped"),
]


@pytest.mark.parametrize("scope", SCOPES)
def test_a_late_snapshot_not_listing_a_resource_takes_back_what_ran_after_it(
    scope: dict[str, object],
) -> None:
    # vm-1 runs from 2 Mar; the inventory of 5 Mar does not list it. At once: 2 Mar to
    # 5 Mar = 3 d = 72 h. Split: the first call meters 2 Mar to 10 Mar = 8 d = 192 h;
    # the second closes vm-1 at 5 Mar: a late row of -(5 Mar to 10 Mar) = -5 d = -120 h,
    # and no row after: 192 - 120 = 72 h. The volume (outside a VM listing's scope, or
    # listed) runs the whole month: 2 Mar to 1 Apr = 30 d = 720 h.
    inventory = rk.Inventory("2026-03-05T00:00:00Z", [("a", "vol-1")], id="i1", **scope)  # type: ignore[arg-type]
    whole = at_once([START, VOLUME, inventory])
    assert hours(whole) == {"vm-1": Decimal(72), "vol-1": Decimal(720)}
    one, two = split([START, VOLUME], [inventory])
    assert hours(one, two) == hours(whole)
    assert [(r.resource, r.quantity) for r in one.rows] == [
        ("vm-1", Decimal(192)),
        ("vol-1", Decimal(192)),
    ]
    assert [(r.resource, r.quantity) for r in two.rows] == [("vol-1", Decimal(528))]
    assert [(r.resource, r.quantity, r.span, r.record_ids) for r in two.late] == [
        ("vm-1", Decimal(-120), rk.Span("2026-03-05T00:00:00Z", CUT), ("i1",))
    ]
    assert sorted((a.kind, a.record_ids) for a in two.anomalies) == [
        ("late", ("i1",)),
        ("reconciled_close", ("i1", "e1")),
    ]
    late = next(a for a in two.anomalies if a.kind == "late")
    assert late.message == (
        "late records of 'vm-1' of 'a' change meter 'vm' by -120 hour under description "
        "{'entity': 'vm'} over 2026-03-05T00:00:00Z..2026-03-10T00:00:00Z, before what "
        "was already metered: see Usage.late."
    )
    assert (late.meter, late.quantity) == ("vm", Decimal(-120))
    assert two.state[0].status == "deleted"


@pytest.mark.parametrize("scope", SCOPES)
def test_a_late_last_seen_inventory_closes_at_the_last_sign_of_life(
    scope: dict[str, object],
) -> None:
    # vm-1 runs from 2 Mar and is updated on 4 Mar (its last sign of life); the
    # inventory of 5 Mar does not list it and closes it there. At once: 2 Mar to 4 Mar =
    # 48 h. Split: 192 h, then a late row of -(4 Mar to 10 Mar) = -6 d = -144 h: 48 h
    # (the late row spans what changed: from the close, 4 Mar, to the clock).
    update = rk.Event("a", "vm-1", "2026-03-04T00:00:00Z", {"size": 2}, kind="update", id="e2")
    inventory = rk.Inventory("2026-03-05T00:00:00Z", [], close="last_seen", id="i1", **scope)  # type: ignore[arg-type]
    whole = at_once([START, update, inventory])
    assert hours(whole) == {"vm-1": Decimal(48)}
    one, two = split([START, update], [inventory])
    assert hours(one, two) == hours(whole)
    assert two.rows == ()
    assert [(r.quantity, r.span, r.record_ids) for r in two.late] == [
        (Decimal(-144), rk.Span("2026-03-04T00:00:00Z", CUT), ("i1",))
    ]


def test_a_late_scoped_inventory_leaves_what_it_does_not_cover_untouched() -> None:
    # An inventory of account b's VMs, of 5 Mar, listing nothing: a's vm-1 is outside it.
    # At once and split alike: 2 Mar to 1 Apr = 720 h; no late row, no anomaly.
    inventory = rk.Inventory("2026-03-05T00:00:00Z", [], accounts=["b"], id="i1")
    whole = at_once([START, inventory])
    one, two = split([START], [inventory])
    assert hours(whole) == hours(one, two) == {"vm-1": Decimal(720)}
    assert (two.late, two.anomalies) == ((), ())
    assert two.no_effect == (("i1", "confirmed"),)


def test_a_late_inventory_that_confirms_says_nothing_late() -> None:
    # vm-1 is listed, as it runs: nothing changes before the clock, so nothing is late.
    inventory = rk.Inventory("2026-03-05T00:00:00Z", {("a", "vm-1"): {"entity": "vm"}}, id="i1")
    one, two = split([START], [inventory])
    assert hours(one, two) == hours(at_once([START, inventory])) == {"vm-1": Decimal(720)}
    assert (two.late, two.anomalies, two.no_effect) == ((), (), (("i1", "confirmed"),))


def test_a_late_inventory_opens_an_unknown_or_deleted_resource_from_its_instant() -> None:
    # The inventory of 5 Mar lists vm-1 (running), vm-2 (never seen), vm-3 (stopped on
    # 3 Mar) and vm-4 (deleted on 3 Mar). At once: vm-1 2 Mar to 1 Apr = 720 h; vm-2
    # opened at 5 Mar: 5 Mar to 1 Apr = 27 d = 648 h; vm-4 2 Mar to 3 Mar = 24 h, then
    # reopened at 5 Mar: 24 + 648 = 672 h; vm-3 2 Mar to 3 Mar = 24 h (a listing corrects
    # a stopped resource's description, it does not start it). Split: vm-2 and vm-4 get
    # late rows of 5 Mar to 10 Mar = +120 h, then 10 Mar to 1 Apr = 22 d = 528 h of rows:
    # 648 h, and 24 + 120 + 528 = 672 h.
    events = [
        START,
        *(
            rk.Event("a", name, "2026-03-02T00:00:00Z", kind="start", id=f"{name}-s")
            for name in ("vm-3", "vm-4")
        ),
        rk.Event("a", "vm-3", "2026-03-03T00:00:00Z", kind="stop", id="vm-3-x"),
        rk.Event("a", "vm-4", "2026-03-03T00:00:00Z", kind="delete", id="vm-4-x"),
    ]
    inventory = rk.Inventory(
        "2026-03-05T00:00:00Z", [("a", name) for name in ("vm-1", "vm-2", "vm-3", "vm-4")],
        id="i1",
    )  # fmt: skip
    whole = at_once([*events, inventory])
    assert hours(whole) == {
        "vm-1": Decimal(720),
        "vm-2": Decimal(648),
        "vm-3": Decimal(24),
        "vm-4": Decimal(672),
    }
    one, two = split(events, [inventory])
    assert hours(one, two) == hours(whole)
    assert [(r.resource, r.quantity, r.span, r.record_ids) for r in two.late] == [
        ("vm-2", Decimal(120), rk.Span("2026-03-05T00:00:00Z", CUT), ("i1",)),
        ("vm-4", Decimal(120), rk.Span("2026-03-05T00:00:00Z", CUT), ("i1",)),
    ]
    assert [(r.resource, r.quantity) for r in two.rows] == [
        ("vm-1", Decimal(528)),
        ("vm-2", Decimal(528)),
        ("vm-4", Decimal(528)),
    ]
    assert sorted(
        (a.kind, a.message.split("'")[1 if a.kind == "late" else 3]) for a in two.anomalies
    ) == [
        ("late", "vm-2"),
        ("late", "vm-4"),
        ("reconciled_open", "vm-2"),
        ("reconciled_open", "vm-4"),
    ]


def test_a_late_inventory_before_what_the_state_can_order_takes_the_base_clock() -> None:
    # A known limit. The first call's own inventory (3 Mar, listing vm-1) settles vm-1's
    # history, and vm-1 is resized on 8 Mar: the state cannot order anything before 8 Mar.
    # The late inventory of 5 Mar not listing vm-1 closes it at 8 Mar, as a late event
    # stamped before that takes 8 Mar: a late row of -(8 Mar to 10 Mar) = -48 h, so
    # 192 - 48 = 144 h (at once: 72 h, closed on 5 Mar, the resize ignored after it).
    listing = rk.Inventory("2026-03-03T00:00:00Z", [("a", "vm-1")], id="i0")
    resize = rk.Event("a", "vm-1", "2026-03-08T00:00:00Z", {"size": 2}, kind="update", id="e2")
    inventory = rk.Inventory("2026-03-05T00:00:00Z", [], id="i1")
    assert hours(at_once([START, listing, resize, inventory])) == {"vm-1": Decimal(72)}
    one, two = split([START, listing, resize], [inventory])
    assert hours(one, two) == {"vm-1": Decimal(144)}
    assert [(r.quantity, r.span) for r in two.late] == [
        (Decimal(-48), rk.Span("2026-03-08T00:00:00Z", CUT))
    ]
    closed = next(a for a in two.anomalies if a.kind == "reconciled_close")
    assert closed.message == (
        "inventory 'i1' at 2026-03-05T00:00:00Z does not list 'vm-1' of 'a', running since "
        "2026-03-08T00:00:00Z: closed at 2026-03-08T00:00:00Z (the snapshot)."
    )


def test_a_late_inventory_before_the_listing_that_opened_a_resource_takes_its_instant() -> None:
    # A known limit, the same rule. The first call's inventory of 6 Mar lists vm-1, which
    # no record named before: it opens vm-1 at 6 Mar and settles its history, so the
    # state's base clock is 6 Mar: 6 Mar to 10 Mar = 4 d = 96 h. The inventory of 5 Mar,
    # delivered late and listing nothing, closes vm-1 at 6 Mar (as a late event stamped
    # before that takes 6 Mar): a late row of -96 h, no row after, 0 h in all. At once it
    # comes first and closes nothing (vm-1 is not known yet), and the listing of 6 Mar
    # opens vm-1: 6 Mar to 1 Apr = 26 d = 624 h.
    listing = rk.Inventory("2026-03-06T00:00:00Z", [("a", "vm-1")], id="i0")
    inventory = rk.Inventory("2026-03-05T00:00:00Z", [], id="i1")
    assert hours(at_once([listing, inventory])) == {"vm-1": Decimal(624)}
    one, two = split([listing], [inventory])
    assert [(r.quantity, r.span) for r in one.rows] == [
        (Decimal(96), rk.Span("2026-03-06T00:00:00Z", CUT))
    ]
    assert two.rows == ()
    assert [(r.quantity, r.span, r.record_ids) for r in two.late] == [
        (Decimal(-96), rk.Span("2026-03-06T00:00:00Z", CUT), ("i1",))
    ]
    assert hours(one, two) == {}
    closed = next(a for a in two.anomalies if a.kind == "reconciled_close")
    assert closed.message == (
        "inventory 'i1' at 2026-03-05T00:00:00Z does not list 'vm-1' of 'a', running since "
        "2026-03-06T00:00:00Z: closed at 2026-03-06T00:00:00Z (the snapshot)."
    )
    assert two.state[0].status == "deleted"


def test_a_late_listing_does_not_reopen_what_the_state_closed_after_it() -> None:
    # vm-1 runs 2 Mar to its deletion on 8 Mar (6 d = 144 h), in a call whose own
    # inventory (3 Mar) settles its history. A listing of 5 Mar, delivered late, cannot
    # be ordered before the deletion: it does not reopen vm-1 (at once it confirms vm-1
    # running on 5 Mar, and the deletion follows: 144 h as well), and says so.
    listing = rk.Inventory("2026-03-03T00:00:00Z", [("a", "vm-1")], id="i0")
    delete = rk.Event("a", "vm-1", "2026-03-08T00:00:00Z", kind="delete", id="e2")
    inventory = rk.Inventory("2026-03-05T00:00:00Z", [("a", "vm-1")], id="i1")
    whole = at_once([START, listing, delete, inventory])
    one, two = split([START, listing, delete], [inventory])
    assert hours(whole) == hours(one, two) == {"vm-1": Decimal(144)}
    assert (two.rows, two.late) == ((), ())
    assert [(a.kind, a.record_ids, a.message) for a in two.anomalies] == [
        (
            "late",
            ("i1",),
            (
                "inventory 'i1' at 2026-03-05T00:00:00Z lists 'vm-1' of 'a', which the carried "
                "state has deleted at 2026-03-08T00:00:00Z, after it, and cannot order anything "
                "before (an inventory settles a resource's history, and the state keeps its "
                "last 16 events): it does not reopen 'vm-1'; meter the span at once to apply it."
            ),
        )
    ]
    assert two.state[0].status == "deleted"


def test_a_late_listing_does_not_reopen_what_an_inventory_after_it_left_deleted() -> None:
    # The same limit when the first call's inventory changed nothing: vm-1 runs 2 Mar to
    # its deletion on 3 Mar (24 h), and the inventory of 6 Mar does not list it (nothing
    # to close: the state's clock stays at 3 Mar), but it settles vm-1's history at
    # 6 Mar. A listing of 5 Mar, delivered late, cannot be ordered before 6 Mar: it does
    # not reopen vm-1, and says so: 24 h. (At once it reopens vm-1 on 5 Mar and the
    # inventory of 6 Mar closes it: 24 + 24 = 48 h. Reopened on 5 Mar and never closed,
    # as the state forgot that inventory, it would run to 1 Apr: 24 + 648 = 672 h.)
    delete = rk.Event("a", "vm-1", "2026-03-03T00:00:00Z", kind="delete", id="e2")
    empty = rk.Inventory("2026-03-06T00:00:00Z", [], id="i0")
    listing = rk.Inventory("2026-03-05T00:00:00Z", [("a", "vm-1")], id="i1")
    assert hours(at_once([START, delete, empty, listing])) == {"vm-1": Decimal(48)}
    one, two = split([START, delete, empty], [listing])
    assert hours(one, two) == {"vm-1": Decimal(24)}
    assert (two.rows, two.late) == ((), ())
    assert [(a.kind, a.record_ids, a.message) for a in two.anomalies] == [
        (
            "late",
            ("i1",),
            (
                "inventory 'i1' at 2026-03-05T00:00:00Z lists 'vm-1' of 'a', which the carried "
                "state has deleted at 2026-03-06T00:00:00Z, after it, and cannot order anything "
                "before (an inventory settles a resource's history, and the state keeps its "
                "last 16 events): it does not reopen 'vm-1'; meter the span at once to apply it."
            ),
        )
    ]
    assert two.state[0].status == "deleted"


def test_a_last_seen_inventory_reports_late_only_what_it_closed() -> None:
    # vm-1 and vm-2 run from 2 Mar; an inventory of 12 Mar (after the clock) lists vm-1
    # only and closes vm-2 at its last sign of life, its start: a late row of -(2 Mar to
    # 10 Mar) = -192 h for vm-2, and nothing late about vm-1, which it left as it was.
    started = [
        rk.Event("a", name, "2026-03-02T00:00:00Z", kind="start", id=name)
        for name in ("vm-1", "vm-2")
    ]
    inventory = rk.Inventory("2026-03-12T00:00:00Z", [("a", "vm-1")], close="last_seen", id="i")
    whole = at_once([*started, inventory])
    one, two = split(started, [inventory])
    assert hours(whole) == hours(one, two) == {"vm-1": Decimal(720)}
    assert [(r.resource, r.quantity) for r in two.late] == [("vm-2", Decimal(-192))]
    assert [(a.kind, a.record_ids) for a in two.anomalies] == [
        ("late", ("i",)),
        ("reconciled_close", ("i", "vm-2")),
    ]


def test_an_event_after_a_late_closing_is_no_record_of_it() -> None:
    # vm-1 starts 2 Mar 11:30 and stops 3 Mar 07:30; the first call meters it to 4 Mar
    # (20 h) and carries it stopped. The second gets a last_seen inventory of 4 Mar
    # 06:00 that lists nothing: it closes vm-1 at its last sign of life, the STOP, before
    # the clock: a late change of no quantity (stopped, it ran no hour more or less),
    # whose record is the inventory (its "reconciled_close" names it, and the STOP). An UPDATE of 4 Mar 07:00, after the inventory, is
    # ignored (after the delete) and changes nothing of that closing: it is no record of
    # the late change (it was named with the inventory, as if it had moved it).
    cut = "2026-03-04T00:00:00Z"
    first = [
        rk.Event("a", "vm-1", "2026-03-02T11:30:00Z", kind="start", id="s"),
        rk.Event("a", "vm-1", "2026-03-03T07:30:00Z", kind="stop", id="x"),
    ]
    one = rk.meter(first, [VM], span=rk.Span(MARCH.start, cut), cycle=None, as_of=cut)
    assert hours(one) == {"vm-1": Decimal(20)}  # 12.5 + 7.5
    closing = rk.Inventory("2026-03-04T06:00:00Z", [], close="last_seen", id="inv")
    update = rk.Event("a", "vm-1", "2026-03-04T07:00:00Z", {"entity": "vm"}, kind="update", id="u")
    two = rk.meter(
        [closing, update], [VM], span=rk.Span(cut, MARCH.end), cycle=None, as_of=MARCH.end,
        state=one.state,
    )  # fmt: skip
    assert hours(two) == {}
    late = [(a.record_ids, a.quantity) for a in two.anomalies if a.kind == "late"]
    assert late == [(("inv",), None)]
    others = [(a.kind, a.record_ids) for a in two.anomalies if a.kind != "late"]
    assert others == [("reconciled_close", ("inv", "x")), ("after_delete", ("u", "inv"))]
