"""What the streaming rater says of too-late records, restored or not: as batch says it.

A too-late record's part in compacted cycles is named once, under the description it is
metered (priced) under there, and a snapshot/restore changes nothing of what is said.
Worked by hand in the comments: daily UTC cycles, VM hours.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
START = "2026-03-01T00:00:00Z"
FLAVOURED = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("big", "vm.hours", rk.PerUnit(10), where={"f": "b"}, priority=1),
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)),
    ],
)
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)


def _restored(rater: rk.Rater, plan: rk.Plan) -> rk.Rater:
    """``rater`` through a json snapshot and back."""
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [VM])


def test_a_too_late_last_seen_closing_is_named_under_the_description_it_was_billed() -> None:
    # vm-1 {'f': 'b'} runs from 1 March 05:30, priced 10 EUR an hour ('big'): 1 March
    # 18.5 h = 185, 2 and 3 March 24 h = 240 each. The statement at 4 March compacts 1 and
    # 2 March. A last_seen inventory at 2 March 09:00 listing nothing closes vm-1 at its
    # last sign of life, 1 March 05:30: batch bills nothing. Its part in the compacted
    # cycles, -(18.5 + 24) = -42.5 h, was billed under {'f': 'b'} (-425 EUR): one part,
    # all under that description, not -15 h under it and -27.5 h under {}.
    start = rk.Event("acme", "vm-1", "2026-03-01T05:30:00Z", {"f": "b"}, kind="start", id="s")
    inventory = rk.Inventory("2026-03-02T09:00:00Z", [], close="last_seen", id="inv")
    rater = rk.Rater(FLAVOURED, [VM], start=START)
    rater.feed([start])
    billed = rater.statement("2026-03-04T00:00:00Z")
    assert [line.amount for line in billed.lines] == [Decimal(185), Decimal(240), Decimal(240)]
    fed = rater.feed([inventory])
    assert fed.too_late == ("inv",)
    [said] = fed.anomalies
    assert (said.kind, said.account, said.resource, said.meter) == (
        "too_late", "acme", "vm-1", "vm.hours"
    )  # fmt: skip
    assert said.quantity == Decimal("-42.5")
    assert (
        "what it changes of 'vm.hours' of 'vm-1' of 'acme' before 2026-03-03T00:00:00Z, "
        "-42.5 hour under description {'f': 'b'}, belonged to cycles already compacted: "
        "not applied, and its effect from then on is applied" in said.message
    )
    # 3 March, kept, is corrected: -24 h at 10 = -240. 665 billed - 425 named - 240 = 0.
    corrected = rater.statement("2026-03-05T00:00:00Z")
    assert [line.amount for line in corrected.lines] == [Decimal(-240)]
    assert corrected.anomalies == ()
    span = rk.Span(START, "2026-03-05T00:00:00Z")
    batch = rk.rate([start, inventory], FLAVOURED, span=span, meters=[VM], as_of=span.end)
    assert batch.total() == 0 == billed.total() + 10 * said.quantity + corrected.total()


def test_a_too_late_snapshot_closing_is_named_under_the_description_it_was_billed() -> None:
    # As above with close="snapshot": vm-1 is closed at the inventory's instant, 2 March
    # 09:00; batch bills 1 March 185 and 2 March 9 h = 90. Named: -15 h under {'f': 'b'}
    # (-150); 3 March corrected -240: 665 - 150 - 240 = 275 = 185 + 90.
    start = rk.Event("acme", "vm-1", "2026-03-01T05:30:00Z", {"f": "b"}, kind="start", id="s")
    inventory = rk.Inventory("2026-03-02T09:00:00Z", [], id="inv")
    rater = rk.Rater(FLAVOURED, [VM], start=START)
    rater.feed([start])
    billed = rater.statement("2026-03-04T00:00:00Z")
    [said] = rater.feed([inventory]).anomalies
    assert said.quantity == Decimal(-15)
    assert "-15 hour under description {'f': 'b'}, belonged to" in said.message
    corrected = rater.statement("2026-03-05T00:00:00Z")
    span = rk.Span(START, "2026-03-05T00:00:00Z")
    batch = rk.rate([start, inventory], FLAVOURED, span=span, meters=[VM], as_of=span.end)
    assert batch.total() == 275 == billed.total() + 10 * said.quantity + corrected.total()


def _closed_back(restore: bool) -> tuple[list[rk.Statement], tuple[str, ...]]:
    """r0 closed back into compacted cycles, then deleted; restored before the last statement."""
    rater = rk.Rater(PLAN, [VM], start=START, horizon=dt.timedelta(hours=6))
    rater.feed([rk.Event("b", "r0", "2026-03-04T08:00:00Z", kind="start", id="e2")])
    statements = [rater.statement("2026-03-06T06:00:00Z")]
    inventory = rk.Inventory("2026-03-06T00:30:00Z", [], close="last_seen", id="i6")
    fed = rater.feed([inventory])
    statements.append(rater.statement("2026-03-07T00:00:00Z"))
    rater.feed([rk.Event("b", "r0", "2026-03-07T00:30:00Z", kind="delete", id="e5")])
    if restore:
        rater = _restored(rater, PLAN)
    statements.append(rater.statement("2026-03-08T00:00:00Z"))
    return statements, tuple(a.message for a in fed.anomalies)


def test_a_closing_back_is_not_said_again_as_late_after_a_restore() -> None:
    # r0 runs from 4 March 08:00; six hours of horizon. The statement at 6 March 06:00
    # bills 4 March 16 h, 5 March 24 h, 6 March 6 h and compacts 1 to 4 March. The
    # last_seen inventory i6 at 6 March 00:30 lists nothing: it closes r0 at its last
    # sign of life, 4 March 08:00. Its part in compacted cycles, 4 March 08:00 to 5 March
    # 00:00 = 16 h, stays billed and is said too_late at the feed; the statement at
    # 7 March corrects 5 March by -24 and 6 March by -6. The DELETE e5 at 7 March 00:30
    # comes after r0 was deleted: after_delete. Restored before the statement at 8
    # March, r0 is metered again from the kept cycles' start, and the 16 h closed back
    # read as a late change there ('e5', 'i6'): the part i6 said already, not said again.
    # Billed 16 + 24 + 6 - 24 - 6 = 16 h, the 16 h named: batch bills 0.
    plain, said = _closed_back(restore=False)
    restored, said_restored = _closed_back(restore=True)
    assert said == said_restored
    [too_late] = said
    assert "the part from 2026-03-04T08:00:00Z to 2026-03-05T00:00:00Z (16 hours" in too_late
    amounts = [[(line.cycle.start.day, line.amount) for line in st.lines] for st in plain]
    assert amounts == [
        [(4, Decimal(16)), (5, Decimal(24)), (6, Decimal(6))],
        [(5, Decimal(-24)), (6, Decimal(-6))],
        [],
    ]
    assert [st.lines for st in restored] == [st.lines for st in plain]
    deleted = (
        "event 'e5' (delete of 'r0' at 2026-03-07T00:30:00Z) comes after the resource "
        "was deleted at 2026-03-04T08:00:00Z: it is ignored."
    )
    last = [(a.kind, a.record_ids, a.message) for a in plain[-1].anomalies]
    assert last == [("after_delete", ("e5", "i6"), deleted)]
    assert [(a.kind, a.record_ids, a.message) for a in restored[-1].anomalies] == last
    assert [st.anomalies for st in restored] == [st.anomalies for st in plain]
    records = [
        rk.Event("b", "r0", "2026-03-04T08:00:00Z", kind="start", id="e2"),
        rk.Inventory("2026-03-06T00:30:00Z", [], close="last_seen", id="i6"),
        rk.Event("b", "r0", "2026-03-07T00:30:00Z", kind="delete", id="e5"),
    ]
    span = rk.Span(START, "2026-03-08T00:00:00Z")
    batch = rk.rate(records, PLAN, span=span, meters=[VM], as_of=span.end)
    assert batch.total() == 0 == sum(st.total() for st in plain) - 16
    assert [a.message for a in batch.anomalies if a.kind == "after_delete"] == [last[0][2]]
