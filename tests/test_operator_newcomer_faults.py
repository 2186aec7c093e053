"""What a PaaS host built from the docs alone found broken, each with its minimal input.

Each test is the smallest stream that shows it, marked ``xfail(strict=True)`` while the
promise does not hold; it passes the day the fault is mended.
"""

from __future__ import annotations

import json

import pytest
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


@pytest.mark.xfail(
    strict=True,
    reason=(
        "docs/streaming.md ('What to store where') and the poller recipe key the ledger by "
        "the statement's watermark and drop what was written after the saved watermark; "
        "two statements at one watermark both give lines (a record stamped before it, "
        "fetched late, while the source's guarantee has not moved), so the second one's "
        "lines replace the first one's: the ledger loses them"
    ),
)
def test_a_ledger_keyed_by_watermark_as_the_docs_store_it_keeps_every_line() -> None:
    """Two runs of a poller whose watermark did not move, storing as the docs say.

    Run 1 feeds vm1's START and states at 12:00 (2.00), saves with cursor 12:00. Run 2
    fetches vm2's START of 10:00, which its source showed late, and states at 12:00 again,
    since its source's guarantee has not moved (1.00). The ledger, keyed by watermark as
    the docs store it, holds 1.00; batch ``rate()`` of both records to 12:00 bills 3.00.
    """
    store: dict[str, str] = {}
    ledger: dict[str, tuple[rk.StatementLine, ...]] = {}

    def run(records: list[rk.Event]) -> None:
        if store:
            rater = rk.Rater.restore(json.loads(store["rater"]), DAILY, [RUNTIME])
            for written in [at for at in ledger if at > store["cursor"]]:
                del ledger[written]
        else:
            rater = rk.Rater(DAILY, [RUNTIME], start="2026-03-01T00:00:00Z")
        rater.feed(records)
        ledger[WATERMARK] = rater.statement(WATERMARK).lines
        store.update(rater=json.dumps(rater.snapshot()), cursor=WATERMARK)

    run([VM1])
    run([VM1, VM2])  # the poll re-reads what it read before
    batch = rk.rate(
        [VM1, VM2],
        DAILY,
        meters=[RUNTIME],
        as_of=WATERMARK,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
    )
    assert batch.total() == 3
    assert exact_sum(line.amount for lines in ledger.values() for line in lines) == batch.total()


@pytest.mark.xfail(
    strict=True,
    reason=(
        "docs/streaming.md ('What to store where') has a host drop, after a crash, the lines "
        "written after the saved watermark; a run killed after stating at the saved watermark "
        "itself (a late record, the guarantee not moved) wrote lines that are not after it, "
        "are kept, and are given again by the next run: the ledger counts them twice"
    ),
)
def test_a_run_killed_at_the_saved_watermark_leaves_no_line_twice() -> None:
    """As above, the ledger a list of lines per watermark, run 2 killed before its save.

    Run 1: vm1, 2.00 at 12:00, saved. Run 2: vm2 (1.00) at 12:00 again, written, killed.
    Run 3 restores run 1's store, drops nothing (nothing was written after 12:00), and
    gives vm2's 1.00 again: the ledger holds 4.00 where batch bills 3.00.
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
        ledger.setdefault(WATERMARK, []).extend(rater.statement(WATERMARK).lines)
        if not killed:
            store.update(rater=json.dumps(rater.snapshot()), cursor=WATERMARK)

    run([VM1])
    run([VM1, VM2], killed=True)
    run([VM1, VM2])
    assert exact_sum(line.amount for lines in ledger.values() for line in lines) == 3
