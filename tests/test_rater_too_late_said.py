"""What the streaming rater says of too-late records, restored or not: as batch says it.

A too-late record's part in compacted cycles is named once, under the description it is
metered (priced) under there, and a snapshot/restore changes nothing of what is said.
Worked by hand in the comments: daily UTC cycles, VM hours.
"""

from __future__ import annotations

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
