"""Too-late records that meet ``last_seen`` closings: the part in compacted cycles is batch's.

A record stamped in a compacted cycle is placed in the compacted state (an event) or
reconciled with it (an inventory); what it changes there is named in a ``"too_late"``
anomaly, not applied, and what it changes from the kept cycles on is applied. A kept
``last_seen`` inventory that does not list its resource closes it at its last sign of
life, which may lie in the compacted cycles: batch ``rate()`` bills nothing of it from
there on. So the part a too-late record names is judged up to that closing (a listing or
a START that is itself the last sign of life names nothing there), and a record that
moves the closing within the compacted cycles names the hours it moves. An orphan STOP
(of a resource no compacted state knows) is not applied when an inventory compacted
since may have closed its resource: batch holds that resource deleted, and a listing
after opens it again. Worked by hand in the comments: daily UTC cycles, 1 EUR per VM
hour, one hour of horizon (1 and 2 March compacted by a statement at 4 March 06:00).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal

import pytest

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
START = "2026-03-01T00:00:00Z"
END = "2026-03-05T06:00:00Z"
A1 = rk.Event("acme", "a1", "2026-03-01T00:00:00Z", kind="start", id="a1")
Key = tuple[str, str | None, int]
Record = rk.Event | rk.Sample | rk.Inventory


def _compacted(
    records: list[Record], later: Sequence[Record] = ()
) -> tuple[rk.Rater, list[rk.StatementLine]]:
    """``records`` fed first; 1 and 2 March compacted, 3 March closed but kept.

    ``later``: fed once 1 March is compacted (after the statement of 3 March 06:00).
    """
    rater = rk.Rater(PLAN, [VM], start=START, horizon=dt.timedelta(hours=1))
    assert rater.feed(records).too_late == ()
    lines = []
    for day in (2, 3, 4):
        lines += rater.statement(f"2026-03-0{day}T06:00:00Z").lines
        if day == 3 and later:
            assert rater.feed(later).too_late == ()
    assert rater._base_us == rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").start_us
    return rater, lines


def _days(lines: list[rk.StatementLine], account: str) -> dict[Key, Decimal]:
    """The lines' amounts of ``account`` per resource and day."""
    out: dict[Key, Decimal] = {}
    for line in lines:
        if line.account == account:
            key = (line.account, line.resource, line.cycle.start.day)
            out[key] = out.get(key, Decimal(0)) + line.amount
    return {key: amount for key, amount in out.items() if amount}


def _batch(records: list[Record], account: str) -> dict[Key, Decimal]:
    """Batch rate() of ``records`` to the last watermark, ``account``'s charges per day."""
    rating = rk.rate(records, PLAN, span=rk.Span(START, END), meters=[VM], as_of=END)
    out: dict[Key, Decimal] = {}
    for charge in rating.charges:
        assert charge.cycle is not None
        if charge.account == account:
            key = (charge.account, charge.resource, charge.cycle.start.day)
            out[key] = out.get(key, Decimal(0)) + charge.amount
    return {key: amount for key, amount in out.items() if amount}


def _placed(event: str, what: str) -> str:
    """The message of a too-late event that changes nothing metered before 3 March."""
    return (
        f"event {event!r} ({what}) of 'b1' of 'beta' stamped 2026-03-02T02:00:00Z is older "
        "than every cycle the rater keeps (from 2026-03-03T00:00:00Z): it is placed among "
        "the events the compacted state keeps, as metering them at once places it; it "
        "changes nothing metered before 2026-03-03T00:00:00Z, and its effect from then on "
        "is applied, as batch rating applies it."
    )


# 1. An orphan STOP and an inventory compacted since.

# An unscoped last_seen inventory on 1 March 18:00 lists a1 only.
UNSCOPED = rk.Inventory("2026-03-01T18:00:00Z", [("acme", "a1")], close="last_seen", id="ls")
# b1 of beta: stopped on 1 March 06:00 (no START before: an orphan), listed on 3 March.
ORPHAN = rk.Event("beta", "b1", "2026-03-01T06:00:00Z", kind="stop", id="x")
LISTED = rk.Inventory("2026-03-03T00:00:00Z", [("beta", "b1")], accounts=["beta"], id="i")


def _orphaned(later: str) -> str:
    return (
        "event 'x' (stop) of 'b1' of 'beta' stamped 2026-03-01T06:00:00Z is older than every "
        "cycle the rater keeps (from 2026-03-03T00:00:00Z) and would make 'b1', which no "
        f"compacted state knows, stopped; an inventory compacted since (the last at {later}) "
        "may have covered it and closed it, and the compacted state does not keep what each "
        "inventory covered, so it is not applied. It changes nothing metered before "
        "2026-03-03T00:00:00Z; from then on the rater meters 'b1' from its kept records "
        "alone, as a resource it does not know, as batch rate() does where such an inventory "
        "closed it (a listing after opens it again), but for a START after, which batch does "
        "not let open it again (what the rater bills from that START on, batch does not); "
        "where none covered it, batch holds it stopped, and a listing after does not open it "
        "(what the rater bills from that listing on, batch does not). It may be a replay of "
        "an event applied before and forgotten with its compacted cycle."
    )


def test_an_orphan_stop_closed_by_an_inventory_compacted_since_lets_a_listing_open_it() -> None:
    # Batch: the STOP leaves b1 stopped at 06:00; the unscoped last_seen inventory of
    # 18:00 covers it and closes it there (deleted); the listing of 3 March 00:00 opens
    # it again: 24 h of 3 March, 24 of 4 March, 6 of 5 March to the watermark = 54 h.
    records: list[Record] = [A1, UNSCOPED, ORPHAN, LISTED]
    expected = {
        ("beta", "b1", 3): Decimal(24),
        ("beta", "b1", 4): Decimal(24),
        ("beta", "b1", 5): Decimal(6),
    }
    assert _batch(records, "beta") == expected
    for together in (True, False):
        rater, lines = _compacted([A1, UNSCOPED])
        if together:  # the STOP too late, the listing late, in one batch
            feed = rater.feed([LISTED, ORPHAN])
            assert (feed.too_late, feed.late) == (("x",), ("i",))
        else:  # the listing first, then the STOP
            assert rater.feed([LISTED]).late == ("i",)
            feed = rater.feed([ORPHAN])
            assert feed.too_late == ("x",)
        (anomaly,) = feed.anomalies
        assert (anomaly.kind, anomaly.account, anomaly.resource, anomaly.record_ids) == (
            "too_late",
            "beta",
            "b1",
            ("x",),
        )
        assert (anomaly.meter, anomaly.quantity) == (None, None)  # nothing metered before
        assert anomaly.message == _orphaned("2026-03-01T18:00:00Z")
        statement = rater.statement(END)
        assert _days([*lines, *statement.lines], "beta") == expected
        # 3 March is closed but kept: its 24 h are a late charge, for the next invoice.
        beta = [line for line in statement.lines if line.account == "beta"]
        assert [(line.cycle.start.day, line.late) for line in beta] == [
            (3, True),
            (4, False),
            (5, False),
        ]


def test_an_orphan_stop_after_every_compacted_inventory_is_placed() -> None:
    # Stopped on 2 March 06:00, after the inventory of 1 March 18:00: batch holds b1
    # stopped (no inventory after it covers it), and the listing of 3 March does not
    # open a stopped resource: nothing billed, the stream neither.
    orphan = rk.Event("beta", "b1", "2026-03-02T06:00:00Z", kind="stop", id="x")
    assert _batch([A1, UNSCOPED, orphan, LISTED], "beta") == {}
    rater, lines = _compacted([A1, UNSCOPED])
    feed = rater.feed([orphan, LISTED])
    assert feed.anomalies[0].message.endswith(
        "it changes nothing metered before 2026-03-03T00:00:00Z, and its effect from then on "
        "is applied, as batch rating applies it."
    )
    assert _days([*lines, *rater.statement(END).lines], "beta") == {}


def test_an_orphan_stop_under_an_inventory_of_another_account_is_placed() -> None:
    # The inventory compacted since is scoped to acme: it did not cover b1, so batch
    # holds b1 stopped, and the listing of 3 March does not open it (0 h). The rater
    # keeps the last inventory compacted per account scoped: none of beta's came after
    # the STOP, so it is placed, b1 stays stopped, and the stream bills nothing either.
    # (It used to leave the STOP unapplied and bill b1 from the listing on, 54 h.)
    scoped = rk.Inventory(
        "2026-03-01T18:00:00Z", [("acme", "a1")], accounts=["acme"], close="last_seen", id="ls"
    )
    assert _batch([A1, scoped, ORPHAN, LISTED], "beta") == {}
    rater, lines = _compacted([A1, scoped])
    feed = rater.feed([ORPHAN, LISTED])
    assert feed.anomalies[0].message.endswith(
        "it changes nothing metered before 2026-03-03T00:00:00Z, and its effect from then on "
        "is applied, as batch rating applies it."
    )
    assert _days([*lines, *rater.statement(END).lines], "beta") == {}


# 2. A too-late part judged up to a kept closing.

# An unscoped last_seen inventory on 3 March 12:00 (kept), listing a1 only.
KEPT = rk.Inventory("2026-03-03T12:00:00Z", [("acme", "a1")], close="last_seen", id="ls")


def test_a_too_late_listing_closed_back_by_a_kept_inventory_names_nothing_before() -> None:
    # b1 listed on 2 March 02:00 (too late), its only sign of life: the kept inventory
    # closes it there. Batch bills b1 nothing at all (not the 22 h of 2 March, 02:00 to
    # 24:00): nothing is named before the kept cycles, nothing billed after.
    listing = rk.Inventory("2026-03-02T02:00:00Z", [("beta", "b1")], accounts=["beta"], id="i")
    assert _batch([A1, KEPT, listing], "beta") == {}
    rater, lines = _compacted([A1, KEPT])
    feed = rater.feed([listing])
    assert feed.too_late == ("i",)
    (anomaly,) = feed.anomalies
    assert (anomaly.meter, anomaly.quantity) == (None, None)
    assert anomaly.message == (
        "inventory 'i' at 2026-03-02T02:00:00Z is older than every cycle the rater keeps "
        "(from 2026-03-03T00:00:00Z): it is reconciled with the compacted state, as metering "
        "every record at once reconciles it; it changes nothing metered before "
        "2026-03-03T00:00:00Z, and its effect from then on is applied, as batch rating "
        "applies it."
    )
    assert _days([*lines, *rater.statement(END).lines], "beta") == {}


def test_a_too_late_start_under_a_kept_unscoped_inventory_names_nothing_before() -> None:
    # The same with a START of b1 on 2 March 02:00: the kept inventory covers b1 (it is
    # unscoped) and closes it at the START. Batch bills 0 h, not the 22 h.
    start = rk.Event("beta", "b1", "2026-03-02T02:00:00Z", kind="start", id="s")
    assert _batch([A1, KEPT, start], "beta") == {}
    rater, lines = _compacted([A1, KEPT])
    feed = rater.feed([start])
    assert [(a.meter, a.quantity, a.message) for a in feed.anomalies] == [
        (None, None, _placed("s", "start"))
    ]
    assert _days([*lines, *rater.statement(END).lines], "beta") == {}


def test_a_too_late_update_moves_the_kept_closing_of_a_too_late_start() -> None:
    # START on 2 March 02:00, UPDATE on 2 March 10:00, both too late, in one batch: the
    # kept inventory closes b1 at its last sign of life, the UPDATE. Batch bills the 8 h
    # from 02:00 to 10:00 of 2 March (compacted), nothing after. The START names nothing
    # (the closing is at it when it is placed alone); the UPDATE moves the closing from
    # 02:00 to 10:00: 8 h the stream does not bill, "stays unbilled". 0 + 8 = 8.
    start = rk.Event("beta", "b1", "2026-03-02T02:00:00Z", kind="start", id="s")
    update = rk.Event("beta", "b1", "2026-03-02T10:00:00Z", {"f": "b"}, kind="update", id="u")
    assert _batch([A1, KEPT, start, update], "beta") == {("beta", "b1", 2): Decimal(8)}
    rater, lines = _compacted([A1, KEPT])
    feed = rater.feed([update, start])
    assert feed.too_late == ("u", "s")
    started, moved = feed.anomalies
    assert started.message == _placed("s", "start")
    # the 8 h from 02:00 to 10:00, under the START's description (none): +8 to the lines
    assert (moved.record_ids, moved.resource, moved.meter, moved.quantity) == (
        ("u", "ls"),
        "b1",
        "vm.hours",
        Decimal(8),
    )
    assert moved.message == (
        "event 'u' of 'b1' of 'beta' moves where inventory 'ls' at 2026-03-03T12:00:00Z "
        "(close='last_seen') closes it (its last sign of life) from 2026-03-02T02:00:00Z to "
        "2026-03-02T10:00:00Z, before the start of the cycles the rater keeps "
        "(2026-03-03T00:00:00Z): the part from 2026-03-02T02:00:00Z to 2026-03-02T10:00:00Z "
        "(8 hours running) belonged to cycles already compacted and stays unbilled "
        "('vm.hours': 8 hour under description {}): not applied (what it changes in the kept "
        "cycles is)."
    )
    assert _days([*lines, *rater.statement(END).lines], "beta") == {}


# 3. A closing moved within the compacted cycles.


def _moves(event: str, kind: str, to: str, hours: str) -> str:
    return (
        f"event {event!r} of 'a1' of 'acme' moves where inventory 'ls' at "
        "2026-03-03T12:00:00Z (close='last_seen') closes it (its last sign of life) from "
        f"2026-03-01T00:00:00Z to {to}, before the start of the cycles the rater keeps "
        f"(2026-03-03T00:00:00Z): the part from 2026-03-01T00:00:00Z to {to} ({hours} hours "
        f"running) belonged to cycles already compacted and stays unbilled ('vm.hours': {hours} "
        "hour under description {}): not applied (what it changes in the kept cycles is)."
    )


def test_a_too_late_event_that_moves_a_closing_within_the_compacted_cycles_says_so() -> None:
    # a1 runs from 1 March 00:00; the kept inventory of 3 March 12:00 lists nothing and
    # closes it at 1 March 00:00. Fed once 1 March was compacted, when it was metered
    # (base 2 March) the rater took back 2 March and said 1 March's 24 h stay billed:
    # the stream bills 24, batch 0. (Fed with a1's START, it would have kept 1 March.)
    empty = rk.Inventory("2026-03-03T12:00:00Z", [], close="last_seen", id="ls")
    rater, lines = _compacted([A1], [empty])
    assert _days(lines, "acme") == {("acme", "a1", 1): Decimal(24)}
    for event, to, hours in (
        # A START of the running a1 on 1 March 01:00: the closing moves to 01:00, and
        # batch bills 1 h (00:00 to 01:00). 24 - 24 + 1 = 1.
        (rk.Event("acme", "a1", "2026-03-01T01:00:00Z", kind="start", id="s"), "01:00", "1"),
        # A STOP on 1 March 05:00: batch bills 5 h. 24 - 24 + 5 = 5.
        (rk.Event("acme", "a1", "2026-03-01T05:00:00Z", kind="stop", id="s"), "05:00", "5"),
    ):
        copy = rater.copy()
        expected = _batch([A1, empty, event], "acme")
        assert expected == {("acme", "a1", 1): Decimal(hours)}
        feed = copy.feed([event])
        assert feed.too_late == ("s",)
        (anomaly,) = feed.anomalies
        # the hours batch bills from 00:00 that the stream took back: + to its lines
        assert (anomaly.record_ids, anomaly.meter, anomaly.quantity) == (
            ("s", "ls"),
            "vm.hours",
            Decimal(hours),
        )
        assert anomaly.message == _moves("s", event.kind, f"2026-03-01T{to}:00Z", hours)
        # Nothing changes from the kept cycles on (a1 is closed there either way).
        assert _days(list(copy.statement(END).lines), "acme") == {}


def test_a_closing_back_metered_after_a_too_late_listing_is_said_once_restored_or_not() -> None:
    # b1 listed on 2 March 02:00, fed too late: 22 h named (no closing known yet). A
    # last_seen inventory of 5 March 12:00, fed then, closes b1 back at 02:00: its
    # statement says the part to the kept cycles' start stays billed. A restored rater
    # meters b1 again from the kept cycles' start, where that closing reads as a "late"
    # change before them: not said again, as the rater never restored does not say it.
    rater, _ = _compacted([A1])
    listing = rk.Inventory("2026-03-02T02:00:00Z", [("beta", "b1")], accounts=["beta"], id="i")
    assert [a.quantity for a in rater.feed([listing]).anomalies] == [Decimal(22)]
    closing = rk.Inventory("2026-03-05T12:00:00Z", [("acme", "a1")], close="last_seen", id="ls")
    rater.feed([closing])
    kinds = [a.kind for a in rater.statement("2026-03-06T06:00:00Z").anomalies]
    assert kinds == ["reconciled_close", "too_late"]
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM])
    for one in (rater, restored):
        statement = one.statement("2026-03-07T06:00:00Z")
        assert statement.anomalies == ()
        assert statement.total() == Decimal(24)  # a1's 24 h of 6 March


# 4. A too-late re-description that takes a resource out of a where scope, or into one.

WHERE = rk.Inventory(
    "2026-03-04T12:00:00Z", [], close="last_seen", where={"f": "s"}, id="inv4"
)  # closes what it does not list among resources described f=s, at their last sign of life


# Priced per flavor: a line's entry is its flavor (1 EUR an hour of f=s, 10 of f=b).
FLAVORS = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("s", "vm.hours", rk.PerUnit(1), where={"f": "s"}),
        rk.PriceEntry("b", "vm.hours", rk.PerUnit(10), where={"f": "b"}),
    ],
)


def _rescoped(first: str, then: str) -> tuple[list[rk.StatementLine], list[rk.Anomaly], Record]:
    """vm-4 started 1 March 06:00 (f=first), WHERE metered by 5 March; then an UPDATE of
    2 March 10:00 (f=then), fed once 1 to 3 March are compacted; a last statement."""
    rater = rk.Rater(FLAVORS, [VM], start="2026-03-01T00:00:00Z")
    start = rk.Event("acme", "vm-4", "2026-03-01T06:00:00Z", {"f": first}, kind="start", id="s4")
    reports: list[rk.Feed | rk.Statement] = [rater.feed([start, WHERE])]
    reports += [rater.statement("2026-03-03T00:00:00Z"), rater.statement("2026-03-05T00:00:00Z")]
    update = rk.Event("acme", "vm-4", "2026-03-02T10:00:00Z", {"f": then}, kind="update", id="u4")
    feed = rater.feed([update])
    assert feed.too_late == ("u4",)
    reports += [feed, rater.statement("2026-03-06T00:00:00Z")]
    lines = [line for r in reports if isinstance(r, rk.Statement) for line in r.lines]
    said = [a for r in reports for a in r.anomalies if a.kind in {"late", "too_late"}]
    return lines, said, update


def _per_description(lines: list[rk.StatementLine], said: list[rk.Anomaly]) -> dict[str, Decimal]:
    """Hours per flavor: the lines' and the quantities named (by the description they name)."""
    out: dict[str, Decimal] = {}
    for line in lines:
        assert line.entry is not None, line
        out[line.entry] = out.get(line.entry, Decimal(0)) + line.quantity
    for anomaly in said:
        if anomaly.quantity is not None:
            flavor = "s" if "description {'f': 's'}" in anomaly.message else "b"
            out[flavor] = out.get(flavor, Decimal(0)) + anomaly.quantity
    return out


def _batch_per_description(records: list[Record]) -> dict[str, Decimal]:
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")
    out: dict[str, Decimal] = {}
    usage = rk.meter(records, [VM], span=span, cycle=PLAN.cycle, as_of=span.end)
    for row in usage.rows:
        out[row.description["f"]] = out.get(row.description["f"], Decimal(0)) + row.quantity
    return out


def test_a_too_late_update_out_of_a_where_scope_names_the_closing_it_undoes() -> None:
    # Batch: f=s from 1 March 06:00 to 2 March 10:00 (28 h), then f=b, out of WHERE's
    # scope: not closed, 86 h to 6 March. The stream closed vm-4 back at its START (1
    # March 06:00) and bills 48 h of f=b from 4 March on. The UPDATE takes the closing
    # away: the part from 06:00 to the kept cycles, 66 h under f=s, stays unbilled, and
    # its own re-description moves 38 h (2 March 10:00 to 4 March) from f=s to f=b:
    # f=s 66 - 38 = 28, f=b 48 + 38 = 86. (Was: the closing's part named nothing, 48.)
    lines, said, update = _rescoped("s", "b")
    start = rk.Event("acme", "vm-4", "2026-03-01T06:00:00Z", {"f": "s"}, kind="start", id="s4")
    want = _batch_per_description([start, WHERE, update])
    assert want == {"s": Decimal(28), "b": Decimal(86)}
    assert _per_description(lines, said) == want
    moved = [a for a in said if "moves where inventory 'inv4'" in a.message]
    assert [(a.meter, a.quantity, a.record_ids) for a in moved] == [
        ("vm.hours", Decimal(66), ("u4", "inv4"))
    ]


def test_a_too_late_update_into_a_where_scope_names_the_closing_it_makes() -> None:
    # Batch: f=b from 1 March 06:00, f=s from 2 March 10:00, its last sign of life: WHERE
    # closes it there, 28 h of f=b in all. The stream billed f=b to the kept cycles (66
    # h) and nothing after (the kept closing had none to close). The UPDATE brings the
    # closing to 10:00: 2 March 10:00 to 4 March, 38 h of f=b, stays billed: 66 - 38 =
    # 28. (Was: +28 "stays unbilled", as if WHERE had closed f=b back at 06:00: 94.)
    lines, said, update = _rescoped("b", "s")
    start = rk.Event("acme", "vm-4", "2026-03-01T06:00:00Z", {"f": "b"}, kind="start", id="s4")
    want = _batch_per_description([start, WHERE, update])
    assert want == {"b": Decimal(28)}
    assert {k: v for k, v in _per_description(lines, said).items() if v} == want
    moved = [a for a in said if "moves where inventory 'inv4'" in a.message]
    assert [(a.meter, a.quantity) for a in moved] == [("vm.hours", Decimal(-38))]
    assert "stays billed ('vm.hours': -38 hour under description {'f': 'b'})" in moved[0].message


# 5. A late record that moves a closing, fed with an earlier inventory that takes it over.


@pytest.mark.parametrize("together", [True, False], ids=["one batch", "two batches"])
def test_a_closing_moved_and_taken_over_in_one_batch_says_what_stays_unbilled(
    together: bool,
) -> None:
    # a1 runs from 1 March 14:00. The inventory of 3 March 09:00 (no horizon), fed with
    # its START, closes it there, its last sign of life: the statement that meters it
    # (3 March 12:00) takes back the 10 h of 1 March and 24 of 2 March, which the next
    # one compacts (base 3 March). Then a STOP of 3 March 02:00 and an unscoped inventory
    # of 3 March 04:30, both late for the kept 3 March: batch closes a1 at the STOP,
    # 10 + 24 + 2 = 36 h. The STOP moves the closing out of the compacted cycles: +34 h
    # stay unbilled, whether the inventory that now closes it first comes with it (was:
    # nothing said, 2 h in all) or after. The lines: 2 h of 3 March.
    start = rk.Event("acme", "a1", "2026-03-01T14:00:00Z", kind="start", id="s")
    first = rk.Inventory("2026-03-03T09:00:00Z", [], close="last_seen", id="i16")
    stop = rk.Event("acme", "a1", "2026-03-03T02:00:00Z", kind="stop", id="x")
    earlier = rk.Inventory("2026-03-03T04:30:00Z", [], close="last_seen", id="i17")
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([start, first])
    reports: list[rk.Feed | rk.Statement] = [
        rater.statement(at)
        for at in ("2026-03-02T00:00:00Z", "2026-03-03T12:00:00Z", "2026-03-04T00:00:00Z")
    ]
    batches = [[stop, earlier]] if together else [[stop], [earlier]]
    reports += [rater.feed(batch) for batch in batches]
    reports.append(rater.statement("2026-03-05T00:00:00Z"))
    lines = [line for r in reports if isinstance(r, rk.Statement) for line in r.lines]
    said = [a for r in reports for a in r.anomalies if a.kind == "too_late"]
    base = rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").start_us
    assert [(a.meter, a.quantity, a.at_us) for a in said] == [("vm.hours", Decimal(34), base)]
    assert "the part from 2026-03-01T14:00:00Z to 2026-03-03T00:00:00Z (34 hours" in (
        said[0].message
    )
    assert "stays unbilled" in said[0].message
    assert sum(line.quantity for line in lines) == Decimal(2)
    assert sum(line.quantity for line in lines) + sum(
        a.quantity for a in said if a.quantity is not None
    ) == Decimal(36)
    batch = rk.rate(
        [start, first, stop, earlier],
        PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z"),
        meters=[VM],
    )
    assert sum(c.quantity for c in batch.charges) == Decimal(36)


# 6. A too-late part judged up to a closing inside one of its pieces, exactly.


def test_a_part_cut_at_a_closing_is_metered_to_it_exactly() -> None:
    # Horizon 6 h, 1 EUR a unit. vm-b0 starts 2 March 21:15 at 2 GB and grows to 5 GB
    # at 3 March 20:15; an inventory of 4 March 23:30 closes what it does not list at
    # the last sign of life. Fed once 2 March is compacted; then an inventory of 3 March
    # 22:00 of the 5 GB resources (it lists none), once 3 March is compacted too. Batch:
    # 2.75 + 20.25 = 23 h; 2 x 23 = 46 GB*h, closed at 20:15 either way. The late
    # inventory's part, cut at that closing inside its piece of 20:15 to 24:00: 1.75 h x
    # 5 GB = 8.75 GB*h exactly (was 8.75 less 1E-59: a share of 3.75 h in proportion).
    memory = rk.Meter("mem", "GB*hour", rk.Continuous("mem"))
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)),
            rk.PriceEntry("mem", "mem", rk.PerUnit(1)),
        ],
    )
    on_time = [
        rk.Event("beta", "vm-b0", "2026-03-02T21:15:00Z", {"mem": 2}, kind="start", id="s4"),
        rk.Event("beta", "vm-b0", "2026-03-03T20:15:00Z", {"mem": 5}, kind="update", id="e6"),
        rk.Inventory("2026-03-04T23:30:00Z", [], close="last_seen", id="inv14"),
    ]
    late = rk.Inventory("2026-03-03T22:00:00Z", [], close="last_seen", where={"mem": 5}, id="inv13")
    rater = rk.Rater(
        plan, [VM, memory], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=6)
    )
    reports: list[rk.Feed | rk.Statement] = [rater.statement("2026-03-04T06:00:00Z")]
    reports += [rater.feed(on_time), rater.statement("2026-03-05T06:00:00Z")]
    feed = rater.feed([late])
    reports += [feed, rater.statement("2026-03-07T00:00:00Z")]
    own = [(a.meter, a.quantity) for a in feed.anomalies if a.record_ids == ("inv13",)]
    assert sorted(own, key=str) == [("mem", Decimal("-8.75")), ("vm.hours", Decimal("-1.75"))]
    lines = [line for r in reports if isinstance(r, rk.Statement) for line in r.lines]
    for meter, want in (("vm.hours", Decimal(23)), ("mem", Decimal(46))):
        named = sum(
            a.quantity
            for r in reports
            for a in r.anomalies
            if a.meter == meter and a.quantity is not None
        )
        assert sum(line.quantity for line in lines if line.meter == meter) + named == want
    batch = rk.rate(
        [*on_time, late],
        plan,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-07T00:00:00Z"),
        meters=[VM, memory],
    )
    assert sum(c.quantity for c in batch.charges if c.meter == "mem") == Decimal(46)
