"""How a PaaS host stores a statement's lines: the fault its newcomer found, and the fix.

docs/streaming.md keyed the ledger by the statement's watermark; two statements at one
watermark both give lines (a record stamped before it, fetched late), so that ledger lost
lines, and after a crash counted some twice. The page now keys it by a number the host
counts with the snapshot; the tests below show both, each worked by hand.
"""

from __future__ import annotations

import json
from decimal import Decimal

from tests.test_operator_newcomer_law import exact_sum

import ratekit as rk

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
DAILY = rk.Plan(
    "d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("run", "runtime", rk.PerUnit("0.50"))]
)
VM1 = rk.Event("a", "vm1", "2026-03-01T08:00:00Z", kind="start", id="e1")
VM2 = rk.Event("a", "vm2", "2026-03-01T10:00:00Z", kind="start", id="e2")
WATERMARK = "2026-03-01T12:00:00Z"


def test_two_statements_at_one_watermark_both_give_lines() -> None:
    """What the fault below rests on: the rater's part, as the streaming page says it.

    "Asked twice at one watermark with nothing fed in between, it gives an empty
    statement": with a record fed in between (stamped before the watermark, fetched
    late), the second statement at that watermark gives its line. vm1 08:00 to 12:00,
    4 h x 0.50 = 2.00; vm2 10:00 to 12:00, 2 h x 0.50 = 1.00.
    """
    rater = rk.Rater(DAILY, [RUNTIME], start="2026-03-01T00:00:00Z")
    rater.feed([VM1])
    first = rater.statement(WATERMARK)
    rater.feed([VM2])
    second = rater.statement(WATERMARK)
    assert [line.amount for line in first.lines] == [2]
    assert [line.amount for line in second.lines] == [1]


def _ledger_by_watermark(killed_second: bool) -> Decimal:
    """Two runs at one watermark (and a third, when the second was killed before its save),
    the ledger keyed by the statement's watermark: what the docs warn against.

    Without a kill, each watermark's lines are replaced; with one, appended (a list per
    watermark, so that the killed run's lines are not simply overwritten).
    """
    store: dict[str, str] = {}
    ledger: dict[str, list[rk.StatementLine]] = {}

    def run(records: list[rk.Event], *, killed: bool = False) -> None:
        if store:
            rater = rk.Rater.restore(json.loads(store["rater"]), DAILY, [RUNTIME])
            for written in [at for at in ledger if at > store["cursor"]]:
                del ledger[written]
        else:
            rater = rk.Rater(DAILY, [RUNTIME], start="2026-03-01T00:00:00Z")
        rater.feed(records)
        lines = list(rater.statement(WATERMARK).lines)
        if killed_second:
            ledger.setdefault(WATERMARK, []).extend(lines)
        else:
            ledger[WATERMARK] = lines
        if not killed:
            store.update(rater=json.dumps(rater.snapshot()), cursor=WATERMARK)

    run([VM1])
    run([VM1, VM2], killed=killed_second)
    if killed_second:
        run([VM1, VM2])
    return exact_sum(line.amount for lines in ledger.values() for line in lines)


def test_a_ledger_keyed_by_watermark_loses_lines_as_the_docs_warn() -> None:
    # Run 1 states vm1 at 12:00 (4 h x 0.50 = 2.00); run 2 fetches vm2's START of 10:00,
    # shown late, and states at 12:00 again (2 h x 0.50 = 1.00), replacing 2.00 under the
    # one key: 1.00 where batch bills 3.00. docs/streaming.md says why not to key so.
    assert _ledger_by_watermark(killed_second=False) == Decimal("1.00")


def _ledger_by_number(records_by_run: list[tuple[list[rk.Event], bool]]) -> Decimal:
    """The ledger as docs/streaming.md stores it: keyed by a statement number the host
    counts and saves with the snapshot; after a crash, what was written under a number
    after the saved one is dropped."""
    store: dict[str, object] = {}
    ledger: dict[int, tuple[rk.StatementLine, ...]] = {}
    for records, killed in records_by_run:
        if store:
            rater = rk.Rater.restore(json.loads(str(store["rater"])), DAILY, [RUNTIME])
            number = int(str(store["number"]))
        else:
            rater, number = rk.Rater(DAILY, [RUNTIME], start="2026-03-01T00:00:00Z"), 0
        for written in [n for n in ledger if n > number]:  # a crash before the save
            del ledger[written]
        rater.feed(records)
        number += 1
        ledger[number] = rater.statement(WATERMARK).lines
        if not killed:
            store.update(rater=json.dumps(rater.snapshot()), number=number)
    return exact_sum(line.amount for lines in ledger.values() for line in lines)


def test_a_ledger_keyed_by_statement_number_keeps_every_line_once() -> None:
    # Two statements at 12:00: vm1's 2.00, then vm2's 1.00 (fetched late): 3.00, as batch.
    batch = rk.rate(
        [VM1, VM2],
        DAILY,
        meters=[RUNTIME],
        as_of=WATERMARK,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
    )
    assert batch.total() == 3
    assert _ledger_by_number([([VM1], False), ([VM1, VM2], False)]) == batch.total()


def test_a_run_killed_at_the_saved_watermark_leaves_no_line_twice_keyed_by_number() -> None:
    # Run 1: vm1, 2.00 at 12:00, saved as statement 1. Run 2: vm2 (1.00) at 12:00 again,
    # written as statement 2, killed before its save. Run 3 restores statement 1's store,
    # drops statement 2's lines and gives vm2's 1.00 again as statement 2: 3.00 in all.
    # Keyed by watermark, the same runs keep 2.00 + 1.00 and add 1.00 again: 4.00.
    runs = [([VM1], False), ([VM1, VM2], True), ([VM1, VM2], False)]
    assert _ledger_by_number(runs) == 3
    assert _ledger_by_watermark(killed_second=True) == 4
