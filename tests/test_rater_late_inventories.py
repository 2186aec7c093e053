"""An inventory stamped in a compacted cycle: too late there, reconciled from the kept cycles on.

Dropping such an inventory whole would never bill a resource it opens (a new account's
first resource, listed by a reconciler's listing that came late), and would bill every
cycle from then on a resource it closes. The rater reconciles it with the compacted
metering state, as metering every record at once reconciles it: the kept and open
cycles are metered from the state batch reaches at their start, and what it changes
before them is named per resource and meter in a ``"too_late"`` anomaly with its
``meter`` and ``quantity`` (not applied); an account it makes known there owes its fees
from the kept cycles on, and the dues of the compacted ones are named, as for an event.
Worked by hand in the comments: daily UTC cycles, 1 EUR per VM hour (10 for flavor
``b``), a fee of 5 a day, one hour of horizon.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)),
        rk.PriceEntry("big", "vm.hours", rk.PerUnit(10), where={"f": "b"}, priority=1),
    ],
    fees=[rk.Fee("base", 5)],
)
START = "2026-03-01T00:00:00Z"
END = "2026-03-05T06:00:00Z"
# acme's a1 runs from 1 March 00:00; a2 from 2 March 12:00.
ACME = [
    rk.Event("acme", "a1", "2026-03-01T00:00:00Z", kind="start", id="a1"),
    rk.Event("acme", "a2", "2026-03-02T12:00:00Z", kind="start", id="a2"),
]
Key = tuple[str, str | None, int, str]


def _compacted() -> tuple[rk.Rater, list[rk.StatementLine]]:
    """1 and 2 March compacted, 3 March closed but kept, 4 March open (base 3 March)."""
    rater = rk.Rater(PLAN, [VM], start=START, horizon=dt.timedelta(hours=1))
    rater.feed(ACME)
    lines = [
        line for day in (2, 3, 4) for line in rater.statement(f"2026-03-0{day}T06:00:00Z").lines
    ]
    assert rater._base_us == rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").start_us
    return rater, lines


def _kept(lines: list[rk.StatementLine]) -> dict[Key, Decimal]:
    """The lines' amounts per account, resource, day and kind, from 3 March (the kept cycles)."""
    out: dict[Key, Decimal] = {}
    for line in lines:
        if line.cycle.start.day >= 3:
            key = (line.account, line.resource, line.cycle.start.day, line.kind)
            out[key] = out.get(key, Decimal(0)) + line.amount
    return {key: amount for key, amount in out.items() if amount}


def _batch(records: list[rk.Event | rk.Inventory]) -> dict[Key, Decimal]:
    """Batch rate() of ``records`` up to the last watermark, from 3 March (as `_kept()`)."""
    rating = rk.rate(records, PLAN, span=rk.Span(START, END), meters=[VM], as_of=END)
    out: dict[Key, Decimal] = {}
    for charge in rating.charges:
        assert charge.cycle is not None
        if charge.cycle.start.day >= 3:
            key = (charge.account, charge.resource, charge.cycle.start.day, charge.kind)
            out[key] = out.get(key, Decimal(0)) + charge.amount
    return {key: amount for key, amount in out.items() if amount}


def _part(what: str, resource: str, account: str, quantity: str, description: str) -> str:
    """The message of one resource's part before the kept cycles (3 March)."""
    return (
        f"{what} is older than every cycle the rater keeps (from 2026-03-03T00:00:00Z): it is "
        "reconciled with the compacted state, as metering every record at once reconciles it; "
        f"what it changes of 'vm.hours' of {resource!r} of {account!r} before "
        f"2026-03-03T00:00:00Z, {quantity} hour under description {description}, belonged to "
        "cycles already compacted: not applied, and its effect from then on is applied, as "
        "batch rating applies it."
    )


def test_a_too_late_inventory_first_naming_a_new_account_bills_it_from_the_kept_cycles() -> None:
    rater, before = _compacted()
    # beta is known from nothing else: its b1, listed at 1 March 12:00, runs from there.
    listing = rk.Inventory("2026-03-01T12:00:00Z", [("beta", "b1")], accounts=["beta"], id="i")
    feed = rater.feed([listing])
    assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("i",))
    part, dues = feed.anomalies
    # before 3 March: 12 h of 1 March and 24 h of 2 March, not applied
    assert (part.kind, part.account, part.resource, part.meter, part.quantity) == (
        "too_late",
        "beta",
        "b1",
        "vm.hours",
        Decimal(36),
    )
    assert part.message == _part("inventory 'i' at 2026-03-01T12:00:00Z", "b1", "beta", "36", "{}")
    # beta owes its fee of 1 and 2 March in batch: named, not charged
    assert (dues.kind, dues.account, dues.resource, dues.record_ids) == (
        "too_late",
        "beta",
        "b1",
        ("i",),
    )
    assert dues.message == (
        "inventory 'i' makes account 'beta' known from 2026-03-01T12:00:00Z, before the "
        "cycles the rater keeps (from 2026-03-03T00:00:00Z): what plan 'p' has due for it "
        "from 2026-03-01T00:00:00Z to 2026-03-03T00:00:00Z (its fees, bases and minimums, "
        "which batch rate() charges from the cycle of an account's first record) is not "
        "charged; the rater charges it from 2026-03-03T00:00:00Z on."
    )
    statement = rater.statement(END)
    beta = sorted(
        (f"{x.cycle.start:%d}", x.kind, x.role, x.quantity, x.amount, x.late)
        for x in statement.lines
        if x.account == "beta"
    )
    # 3 March (closed, kept: late lines) 24 h and the fee of 5; 4 March the same; 5 March
    # up to 06:00: 6 h and 6/24 of the fee, 1.25
    assert beta == [
        ("03", "fee", "charge", Decimal(1), Decimal(5), True),
        ("03", "usage", "charge", Decimal(24), Decimal(24), True),
        ("04", "fee", "charge", Decimal(1), Decimal(5), False),
        ("04", "usage", "charge", Decimal(24), Decimal(24), False),
        ("05", "fee", "charge", Decimal("0.25"), Decimal("1.25"), False),
        ("05", "usage", "charge", Decimal(6), Decimal(6), False),
    ]
    assert statement.anomalies == ()  # the feed said it all
    # the kept and open cycles are batch's to the last digit, acme's and beta's
    assert _kept([*before, *statement.lines]) == _batch([*ACME, listing])
    # batch bills beta 12 + 24 h and two fees of 5 before 3 March: the 36 h named, and
    # the fees of the cycles the dues anomaly names
    rating = rk.rate([*ACME, listing], PLAN, span=rk.Span(START, END), meters=[VM], as_of=END)
    early = [c for c in rating.charges if c.account == "beta" and c.cycle.start.day < 3]
    assert sum(c.quantity for c in early if c.kind == "usage") == part.quantity
    assert sum(c.amount for c in early if c.kind == "fee") == 10


def test_several_resources_known_unknown_and_re_described() -> None:
    rater, before = _compacted()
    # acme (known) gets a3 (unknown: 36 h from 1 March 12:00), and its a1 is listed in
    # flavor b: its 36 h there move from 1 EUR to 10 (-36 under {}, +36 under {'f': 'b'}).
    # beta's b1 and b2 are opened (36 h each, b2 in flavor b). a2, started on 2 March
    # after the listing, is covered without being listed: the compacted state keeps it
    # running since then, not whether it existed at 1 March 12:00, so it is left as it
    # stands (batch: unknown at the listing, not closed; so it bills the same).
    listing = rk.Inventory(
        "2026-03-01T12:00:00Z",
        {("acme", "a1"): {"f": "b"}, ("acme", "a3"): {}, ("beta", "b1"): {}, ("beta", "b2"): {"f": "b"}},
        id="i",
    )  # fmt: skip
    feed = rater.feed([listing])
    what = "inventory 'i' at 2026-03-01T12:00:00Z"
    flavored = "{'f': 'b'}"
    assert [(a.account, a.resource, a.quantity, a.message) for a in feed.anomalies[:5]] == [
        ("acme", "a1", -36, _part(what, "a1", "acme", "-36", "{}")),
        ("acme", "a1", 36, _part(what, "a1", "acme", "36", flavored)),
        ("acme", "a3", 36, _part(what, "a3", "acme", "36", "{}")),
        ("beta", "b1", 36, _part(what, "b1", "beta", "36", "{}")),
        ("beta", "b2", 36, _part(what, "b2", "beta", "36", flavored)),
    ]
    unplaced, dues = feed.anomalies[5:]
    assert (unplaced.account, unplaced.resource, unplaced.quantity) == ("acme", "a2", None)
    assert unplaced.message == (
        "inventory 'i' at 2026-03-01T12:00:00Z is older than every cycle the rater keeps "
        "(from 2026-03-03T00:00:00Z) and not after the last sign of life of 'a2' of 'acme' "
        "that the compacted state keeps (at 2026-03-02T12:00:00Z), which it keeps without "
        "what came before: it cannot be reconciled with it, and is not applied to 'a2' (what "
        "it would change there is not known here). It may be a replay of an inventory "
        "applied before and forgotten with its compacted cycle."
    )
    # acme was known from 1 March: only beta's dues are named
    assert (dues.account, dues.resource) == ("beta", "b1")
    assert "makes account 'beta' known from 2026-03-01T12:00:00Z" in dues.message
    statement = rater.statement(END)
    got = _kept([*before, *statement.lines])
    assert got == _batch([*ACME, listing])
    # a1 in flavor b: 24 h at 10 on 3 and 4 March, 6 h on 5 March
    assert [got[("acme", "a1", day, "usage")] for day in (3, 4, 5)] == [240, 240, 60]
    assert got[("beta", "b2", 3, "usage")] == 240


def test_a_too_late_inventory_listing_nothing_closes_what_ran_then() -> None:
    rater, before = _compacted()
    empty = rk.Inventory("2026-03-01T12:00:00Z", [], id="i")
    feed = rater.feed([empty])
    part = feed.anomalies[0]
    # a1 closed at 1 March 12:00: 12 h of 1 March and 24 of 2 March taken back, not applied
    assert (part.account, part.resource, part.quantity) == ("acme", "a1", -36)
    assert part.message == _part("inventory 'i' at 2026-03-01T12:00:00Z", "a1", "acme", "-36", "{}")
    assert [a.resource for a in feed.anomalies[1:]] == ["a2"]  # left as it stands
    statement = rater.statement(END)
    # a1's 24 h of 3 March (closed, kept) are taken back late; it bills nothing after
    a1 = [
        (x.role, f"{x.cycle.start:%d}", x.amount, x.late)
        for x in statement.lines
        if x.resource == "a1"
    ]
    assert a1 == [("reversal", "03", Decimal(-24), True), ("reversal", "04", Decimal(-6), False)]
    assert _kept([*before, *statement.lines]) == _batch([*ACME, empty])


def test_an_inventory_after_the_last_signs_of_life_it_would_change_is_left_out() -> None:
    rater, before = _compacted()
    # An inventory of 2 March 06:00 not listing a2 (started at 12:00, after it): the
    # compacted state cannot tell a2 did not exist then. It is not applied to a2, and
    # says so; a1 is listed, as it runs: nothing changes, nothing more is said.
    listing = rk.Inventory("2026-03-02T06:00:00Z", [("acme", "a1")], id="i")
    feed = rater.feed([listing])
    (unplaced,) = feed.anomalies
    assert (unplaced.account, unplaced.resource, unplaced.meter) == ("acme", "a2", None)
    assert "(at 2026-03-02T12:00:00Z)" in unplaced.message
    statement = rater.statement(END)
    assert _kept([*before, *statement.lines]) == _batch([*ACME, listing])


def test_a_replay_and_a_restore_change_nothing_more() -> None:
    rater, before = _compacted()
    listing = rk.Inventory("2026-03-01T12:00:00Z", [("beta", "b1")], accounts=["beta"], id="i")
    rater.feed([listing])
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM])
    # the reconciled state and the record judged too late go through the snapshot: a
    # replay is a duplicate, named by no anomaly, and changes nothing
    again = restored.feed([listing])
    assert repr(again) == "Feed(duplicates=1)"
    assert again.duplicates == ("i",)
    assert again.too_late == ()
    lines = restored.statement(END).lines
    assert lines == rater.statement(END).lines
    assert _kept([*before, *lines]) == _batch([*ACME, listing])


def test_a_too_late_inventory_without_an_id_is_named_by_its_instant() -> None:
    rater, _ = _compacted()
    feed = rater.feed([rk.Inventory("2026-03-01T12:00:00Z", [("beta", "b1")], accounts=["beta"])])
    assert repr(feed) == "Feed(too_late=1, anomalies=2)"  # the id lists name ids only
    assert feed.anomalies[0].record_ids == ()
    assert feed.anomalies[0].message.startswith("inventory at 2026-03-01T12:00:00Z is older")
    assert feed.anomalies[1].message.startswith("inventory at 2026-03-01T12:00:00Z makes")


def test_a_confirming_inventory_says_it_changes_nothing() -> None:
    rater, before = _compacted()
    # a1 listed as it runs, at 1 March 12:00, scoped to acme's a1 alone: nothing changes
    listing = rk.Inventory("2026-03-01T12:00:00Z", [("acme", "a1")], where={"n": 1}, id="i")
    feed = rater.feed([listing])
    (confirmed,) = feed.anomalies
    assert (confirmed.account, confirmed.resource, confirmed.meter) == (None, None, None)
    assert confirmed.message == (
        "inventory 'i' at 2026-03-01T12:00:00Z is older than every cycle the rater keeps "
        "(from 2026-03-03T00:00:00Z): it is reconciled with the compacted state, as metering "
        "every record at once reconciles it; it changes nothing metered before "
        "2026-03-03T00:00:00Z, and it changes nothing from then on either (it may be a replay "
        "of an inventory applied before and forgotten with its compacted cycle)."
    )
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM])
    lines = rater.statement(END).lines
    assert restored.statement(END).lines == lines
    assert _kept([*before, *lines]) == _batch([*ACME, listing])


def test_a_too_late_last_seen_inventory_closes_at_the_last_sign_of_life() -> None:
    rater, before = _compacted()
    # a1's last sign of life is its start, 1 March 00:00: closed there, 24 + 24 h taken
    # back before 3 March; a2 (started after the inventory) is left as it stands
    empty = rk.Inventory("2026-03-01T12:00:00Z", [], close="last_seen", id="i")
    feed = rater.feed([empty])
    assert [(a.resource, a.quantity) for a in feed.anomalies] == [("a1", -48), ("a2", None)]
    statement = rater.statement(END)
    assert _kept([*before, *statement.lines]) == _batch([*ACME, empty])


def test_an_inventory_compacted_since_may_have_closed_what_it_would_open() -> None:
    rater = rk.Rater(PLAN, [VM], start=START, horizon=dt.timedelta(hours=1))
    # an inventory of acme's resources at 2 March 18:00, compacted: the states keep what
    # it listed, not its scope, so whether it covered beta's b1 (and closed it) is not known
    scoped = rk.Inventory("2026-03-02T18:00:00Z", [("acme", "a1"), ("acme", "a2")], id="j")
    rater.feed([*ACME, scoped])
    for day in (2, 3, 4):
        rater.statement(f"2026-03-0{day}T06:00:00Z")
    late = rk.Inventory("2026-03-01T12:00:00Z", [("beta", "b1")], accounts=["beta"], id="i")
    feed = rater.feed([late])
    (unplaced,) = feed.anomalies
    assert (unplaced.account, unplaced.resource) == ("beta", "b1")
    assert unplaced.message == (
        "inventory 'i' at 2026-03-01T12:00:00Z is older than every cycle the rater keeps "
        "(from 2026-03-03T00:00:00Z) and would open 'b1' of 'beta', which an inventory "
        "compacted since (the last at 2026-03-02T18:00:00Z) may have covered and closed: the "
        "compacted state does not keep what each inventory covered, so it cannot be "
        "reconciled with it, and is not applied to 'b1' (what it would change there is not "
        "known here). It may be a replay of an inventory applied before and forgotten with "
        "its compacted cycle."
    )
    # (here it did: unscoped, j closed b1 at 2 March 18:00 in batch, which bills beta
    # nothing from 3 March on; the stream neither)
    assert [x for x in rater.statement(END).lines if x.account == "beta"] == []


def test_a_too_late_move_of_one_resource_refuses_nothing_of_the_others() -> None:
    # i9 (last_seen, fed on time) closes v1 at its last sign of life, i11 at 1 March
    # 19:00, while 1 March is kept: applied there. Late e8 moves where i9 closes v2 (from
    # 22:00 into the kept cycles): "too_late" for v2, naming e8 and i9. Restored, every
    # resource is metered again from 2 March 00:00, where v1 still runs: i9's closing at
    # 19:00 is a late row of v1, 19:00..00:00 = -5 hours, applied while 1 March was kept
    # (a false alarm), not refused by the "too_late" about v2: said by neither rater.
    plan = rk.Plan(
        "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("s", "vm.hours", rk.PerUnit(1))]
    )
    early = [
        rk.Inventory("2026-03-01T19:00:00Z", [("c", "v1")], id="i11"),
        rk.Event("c", "v2", "2026-03-01T22:00:00Z", kind="start", id="e7"),
        rk.Inventory("2026-03-02T16:00:00Z", [], close="last_seen", id="i9"),
    ]
    late = rk.Event("c", "v2", "2026-03-02T03:00:00Z", kind="start", id="e8")
    said = []
    for restore in (False, True):
        rater = rk.Rater(plan, [VM], start=START)
        rater.feed(early)
        rater.statement("2026-03-03T04:00:00Z")
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [VM])
        (moved,) = rater.feed([late]).anomalies
        assert (moved.kind, moved.resource, moved.record_ids) == ("too_late", "v2", ("e8", "i9"))
        said.append(rater.statement("2026-03-04T06:00:00Z").anomalies)
    assert said[0] == said[1]
    assert [(a.kind, a.resource, a.record_ids, a.message) for a in said[1]] == [
        (
            "duplicate_start",
            "v2",
            ("e8", "e7"),
            (
                "event 'e8' starts 'v2' at 2026-03-02T03:00:00Z, already running with the "
                "same description since 2026-03-01T22:00:00Z: ignored."
            ),
        ),
        (
            "late",
            "v2",
            ("e8", "i9"),
            (
                "late records of 'v2' of 'c' belong before what was already metered: they "
                "change no quantity of meter 'vm.hours' there (the same before the clock with "
                "them as without)."
            ),
        ),
    ]


# A fee of 10 a day, nothing else due with time; "n" is known only from a late listing.
FEE_PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("s", "vm.hours", rk.PerUnit(1))],
    fees=[rk.Fee("base", "10")],
)
LISTING = rk.Inventory("2026-03-01T12:00:00Z", [("n", "x")], close="last_seen", id="inv")


def _listing_fed_late(kept: rk.Inventory, *, kept_first: bool) -> tuple[rk.Feed, rk.Statement]:
    """``LISTING`` fed with 1 March compacted (base 2 March), ``kept`` before or after it."""
    rater = rk.Rater(FEE_PLAN, [VM], start=START)
    opener = rk.Event("z", "q", "2026-03-02T01:00:00Z", kind="start", id="z")
    rater.feed([opener, kept] if kept_first else [opener])
    rater.statement("2026-03-03T01:00:00Z")
    assert rater._base_us == rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z").start_us
    feed = rater.feed([LISTING])
    if not kept_first:
        rater.feed([kept])
    return feed, rater.statement("2026-03-06T00:00:00Z")


def _n_batch(kept: rk.Inventory) -> dict[tuple[str, int], Decimal]:
    """Batch rate() of ``n``'s charges, per kind and day, from 2 March (the kept cycles)."""
    span = rk.Span(START, "2026-03-06T00:00:00Z")
    rating = rk.rate([LISTING, kept], FEE_PLAN, span=span, meters=[VM])
    out: dict[tuple[str, int], Decimal] = {}
    for charge in rating.charges:
        assert charge.cycle is not None
        assert charge.account == "n"
        if charge.cycle.start.day >= 2:
            key = (charge.kind, charge.cycle.start.day)
            out[key] = out.get(key, Decimal(0)) + charge.amount
    return out


def _n_lines(statement: rk.Statement) -> dict[tuple[str, int], Decimal]:
    out: dict[tuple[str, int], Decimal] = {}
    for line in statement.lines:
        if line.account == "n":
            key = (line.kind, line.cycle.start.day)
            out[key] = out.get(key, Decimal(0)) + line.amount
    return out


def test_an_account_listed_late_and_closed_back_where_listed_owes_no_fee() -> None:
    # A kept last_seen inventory on 2 March 12:00 lists nothing: it closes x at its last
    # sign of life, the late listing itself (1 March 12:00). x has no usage at all, so
    # batch bills n nothing: no fee of 10 on 1..5 March (not 4 x 10 = 40 from 2 March).
    kept = rk.Inventory("2026-03-02T12:00:00Z", [], close="last_seen", id="inv2")
    assert _n_batch(kept) == {}
    for kept_first in (True, False):
        feed, statement = _listing_fed_late(kept, kept_first=kept_first)
        assert _n_lines(statement) == {}
        # Known closed back at the feed: the part said, no dues. Fed after: the dues of
        # 1 March are said at the feed (what was known then), none is charged.
        said = [a.message.startswith("inventory 'inv' makes") for a in feed.anomalies]
        assert said == ([False] if kept_first else [False, True])


def test_an_account_listed_late_and_closed_at_a_kept_snapshot_owes_its_fees() -> None:
    # A kept snapshot inventory on 2 March 12:00 closes x there: x ran 1 March 12:00 to
    # 2 March 12:00, so n is billed from 1 March. Kept cycles: 2 March 12 h x 1 = 12 and
    # the fee of 10; 3, 4 and 5 March the fee of 10 each (1 March is compacted, said).
    kept = rk.Inventory("2026-03-02T12:00:00Z", [], close="snapshot", id="inv2")
    expected = {
        ("usage", 2): Decimal(12),
        ("fee", 2): Decimal(10),
        ("fee", 3): Decimal(10),
        ("fee", 4): Decimal(10),
        ("fee", 5): Decimal(10),
    }
    assert _n_batch(kept) == expected
    for kept_first in (True, False):
        feed, statement = _listing_fed_late(kept, kept_first=kept_first)
        assert _n_lines(statement) == expected
        assert feed.anomalies[-1].message.startswith(
            "inventory 'inv' makes account 'n' known from 2026-03-01T12:00:00Z"
        )


def test_an_account_listed_late_and_closed_at_the_kept_cycles_start_owes_its_fees() -> None:
    # A kept snapshot inventory at 2 March 00:00 (the kept cycles' start) closes x there:
    # x ran 1 March 12:00 to 2 March 00:00 (12 h, compacted), so n is billed from 1 March
    # though it has no usage in the kept cycles: the fee of 10 on 2, 3, 4 and 5 March.
    kept = rk.Inventory("2026-03-02T00:00:00Z", [], close="snapshot", id="inv2")
    expected = {("fee", day): Decimal(10) for day in (2, 3, 4, 5)}
    assert _n_batch(kept) == expected
    for kept_first in (True, False):
        _, statement = _listing_fed_late(kept, kept_first=kept_first)
        assert _n_lines(statement) == expected
