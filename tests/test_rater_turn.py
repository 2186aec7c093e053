"""One call at a time on a rater: other threads wait their turn, a call back is refused.

A consumer thread feeding a rater while another thread asks statements interleaved
their changes and billed wrong without a word (3,000 events fed 10 at a time, a
statement at every minute of watermark: 50 hours less to 782 hours more than one batch
``rate()``). Worked by hand in the comments (daily UTC cycles, 0.10 EUR an hour).
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import json
import pickle
import random
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import pytest

import ratekit as rk

METER = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))]
)
START = "2026-03-01T00:00:00Z"


def _rater() -> rk.Rater:
    return rk.Rater(PLAN, [METER], start=START, horizon=dt.timedelta(days=30))


def _hours(statements: list[rk.Statement]) -> Decimal:
    return sum((line.quantity for s in statements for line in s.lines), Decimal(0))


def test_a_statement_asked_while_another_thread_feeds_waits_for_the_feed() -> None:
    # Thread A feeds a START of vm at 01:00 and its STOP at 04:00 from a generator that,
    # once the START is read, lets thread B ask a statement at 06:00 and gives B half a
    # second before it yields the STOP. B's statement waits for A's feed: 01:00 to 04:00
    # is 3 h (0.30 EUR). Interleaved, B stated the rater before the feed had filed
    # anything: no line, and the 3 h came only at a later statement.
    rater = _rater()
    asked = threading.Event()
    said: list[rk.Statement] = []

    def records() -> Iterator[rk.Event]:
        yield rk.Event("a", "vm", "2026-03-01T01:00:00Z", kind="start", id="s")
        asked.set()
        time.sleep(0.5)  # B asks now: it must wait for this feed to return
        yield rk.Event("a", "vm", "2026-03-01T04:00:00Z", kind="stop", id="x")

    def ask() -> None:
        asked.wait(10)
        said.append(rater.statement("2026-03-01T06:00:00Z"))

    other = threading.Thread(target=ask)
    other.start()
    assert rater.feed(records()).accepted == ("s", "x")
    other.join(10)
    assert [(line.quantity, line.amount) for line in said[0].lines] == [(3, Decimal("0.30"))]


def _events(count: int, seed: int) -> list[rk.Event]:
    draw = random.Random(seed)
    return [
        rk.Event(
            f"a{i % 5}",
            f"vm{i % 30}",
            f"2026-03-{1 + i % 1440 // 48:02d}T{i % 48 // 2:02d}:{30 * (i % 2):02d}:00Z",
            kind=draw.choice(["start", "stop"]),
            id=f"e{i}",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.heavy
def test_threads_feeding_and_stating_one_rater_bill_what_batch_bills(seed: int) -> None:
    # One thread feeds 1,500 events 5 at a time, another asks a statement at every
    # minute of watermark over the first 5 hours, a third takes snapshots; then a
    # statement closes every cycle. Per account and day, the lines add up to one batch
    # rate(), exactly (the thread switch made as frequent as Python allows, so that
    # calls interleave wherever they can; without the rater's turn, two runs of the
    # four seeds in three failed).
    events = _events(1500, seed)
    rater = _rater()
    statements: list[rk.Statement] = []
    errors: list[BaseException] = []
    origin = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    def run(work: object) -> None:
        try:
            work()  # type: ignore[operator]
        except BaseException as error:
            errors.append(error)

    def feeding() -> None:
        for at in range(0, len(events), 5):
            rater.feed(events[at : at + 5])

    def stating() -> None:
        statements.extend(
            rater.statement(origin + dt.timedelta(minutes=minute)) for minute in range(1, 300)
        )

    def snapshots() -> None:
        for _ in range(20):
            json.dumps(rater.snapshot())

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run, args=(w,)) for w in (feeding, stating, snapshots)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    statements.append(rater.statement("2026-04-15T00:00:00Z"))
    batch = rk.rate(events, PLAN, span=rk.Span(START, "2026-04-15T00:00:00Z"), meters=[METER])
    with decimal.localcontext(prec=100):  # the sums of many lines, exactly
        stream: dict[object, Decimal] = defaultdict(Decimal)
        once: dict[object, Decimal] = defaultdict(Decimal)
        for statement in statements:
            for line in statement.lines:
                stream[line.account, line.cycle] += line.quantity
        for charge in batch.charges:
            once[charge.account, charge.cycle] += charge.quantity
        assert {k: v for k, v in stream.items() if v} == dict(once)


MESSAGE = (
    "Rater.{inner}() was called on a rater whose Rater.{outer}() is under way in the same "
    "thread: code of yours that it runs (a generator or iterable of records, a level "
    "function, a price model, a mapping) called back into the rater, which refused that "
    "call and is unchanged by it. Call Rater.{inner}() after Rater.{outer}() returns."
)


@pytest.mark.parametrize(
    ("inner", "call"),
    [
        ("statement", lambda r: r.statement("2026-03-02T00:00:00Z")),
        ("snapshot", lambda r: r.snapshot()),
        ("feed", lambda r: r.feed([])),
        ("assign", lambda r: r.assign()),
        ("copy", lambda r: r.copy()),
        ("copy", copy.deepcopy),
        ("snapshot", pickle.dumps),
    ],
)
def test_a_call_back_from_a_feeds_records_is_refused_and_the_feed_goes_on(
    inner: str, call: object
) -> None:
    # The generator asks the rater something between its START of 01:00 and its STOP
    # of 04:00: refused, caught, and the feed takes both: 3 h, 0.30 EUR.
    rater = _rater()
    refused: list[str] = []

    def records() -> Iterator[rk.Event]:
        yield rk.Event("a", "vm", "2026-03-01T01:00:00Z", kind="start", id="s")
        try:
            call(rater)  # type: ignore[operator]
        except rk.ReentrantCallError as error:
            refused.append(str(error))
        yield rk.Event("a", "vm", "2026-03-01T04:00:00Z", kind="stop", id="x")

    assert rater.feed(records()).accepted == ("s", "x")
    assert refused == [MESSAGE.format(inner=inner, outer="feed")]
    assert _hours([rater.statement("2026-03-02T00:00:00Z")]) == 3


def test_a_call_back_let_out_fails_the_feed_and_leaves_the_rater_as_it_was() -> None:
    rater = _rater()
    assert rater.feed([rk.Event("a", "vm", "2026-03-01T01:00:00Z", kind="start", id="s")])
    before = rater.snapshot()

    def records() -> Iterator[rk.Event]:
        yield rk.Event("a", "vm", "2026-03-01T04:00:00Z", kind="stop", id="x")
        rater.snapshot()

    # The feed fails with the refusal itself, as a level function's call back fails a
    # statement (docs/streaming.md: "the first call fails with it"); it was wrapped in a
    # RatekitTypeError saying the records "could not be read".
    with pytest.raises(rk.ReentrantCallError) as caught:
        rater.feed(records())
    assert str(caught.value).startswith(
        "Rater.snapshot() was called on a rater whose Rater.feed() is under way"
    )
    assert rater.snapshot() == before
    # The START of 01:00 runs on: 23 h of 1 March.
    assert _hours([rater.statement("2026-03-02T00:00:00Z")]) == 23


def test_a_level_function_that_calls_back_fails_the_statement_and_changes_nothing() -> None:
    # A level that takes a snapshot of the rater that meters it: the statement fails
    # with ReentrantCallError; the rater is as before, and once the level is made good
    # the statement bills 2 GB from 01:00 to midnight: 46 GB*h x 0.10 = 4.60.
    calling = [True]

    def level(description: object) -> int:
        if calling[0]:
            rater.snapshot()
        return 2

    meter = rk.Meter("gb", "GB*hour", rk.Continuous(level))
    plan = rk.Plan(
        "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("g", "gb", rk.PerUnit("0.10"))]
    )
    rater = rk.Rater(plan, [meter], start=START)
    calling[0] = False
    rater.feed([rk.Event("a", "vol", "2026-03-01T01:00:00Z", {"size": 2}, kind="start", id="s")])
    before = rater.snapshot()
    calling[0] = True
    with pytest.raises(
        rk.ReentrantCallError,
        match=r"^.*Rater\.snapshot\(\) was called on a rater whose Rater\.statement\(\)",
    ):
        rater.statement("2026-03-02T00:00:00Z")
    assert rater.snapshot() == before
    calling[0] = False
    assert [line.amount for line in rater.statement("2026-03-02T00:00:00Z").lines] == [
        Decimal("4.60")
    ]


def test_other_raters_and_copies_do_not_wait_for_a_call_under_way() -> None:
    # From inside a feed of one rater, its copy made before and another rater are free:
    # each has its own turn. The copy bills the 01:00 START alone: 23 h of 1 March.
    rater = _rater()
    rater.feed([rk.Event("a", "vm", "2026-03-01T01:00:00Z", kind="start", id="s")])
    twin = rater.copy()
    restored = rk.Rater.restore(rater.snapshot(), PLAN, [METER])
    seen: list[Decimal] = []

    def records() -> Iterator[rk.Event]:
        seen.append(_hours([twin.statement("2026-03-02T00:00:00Z")]))
        seen.append(_hours([restored.statement("2026-03-02T00:00:00Z")]))
        yield rk.Event("a", "vm", "2026-03-01T04:00:00Z", kind="stop", id="x")

    assert rater.feed(records()).accepted == ("x",)
    assert seen == [23, 23]
    assert _hours([rater.statement("2026-03-02T00:00:00Z")]) == 3
