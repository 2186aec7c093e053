"""A compacted state keeps its base's piece and the running stretch's start before it.

With a `Counter(from_zero=True)` in the plan, compaction keeps where a running resource's
stretch began (its first reading counts from there). A state with a history kept one
piece before it, so the base's start was moved back to the stretch's: an inventory that
closed the resource then named that start, not the START that began its piece, as
where it runs since. Now the state keeps the base's piece and the piece before it
(`ResourceState.before`, in snapshots of version 3). Worked by hand in the comments
(daily UTC cycles, 0.10 EUR an hour, 0.0001 EUR an MB*hour, 0.001 EUR a B).
"""

from __future__ import annotations

import json
import random
import typing
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._lines_named import lines_and_named
from tests._snapshots import resealed, version_3

import ratekit as rk
from ratekit._instants import format_us, to_us

DAILY = rk.cycles.daily(tz="UTC")
HOURS = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
RX = rk.Meter("rx", "B", rk.Counter(from_zero=True))
METERS = [HOURS, MEMORY, RX]
PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [
        rk.PriceEntry("vm", "runtime", rk.PerUnit("0.10")),
        rk.PriceEntry("mem", "memory", rk.PerUnit("0.0001")),
        rk.PriceEntry("rx", "rx", rk.PerUnit("0.001")),
    ],
)
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")

LISTED = rk.Inventory("2026-03-01T06:00:00Z", [("a", "vm")], close="last_seen", id="l1")
START = rk.Event("a", "vm", "2026-03-01T18:00:00Z", {"memory_mb": 512}, kind="start", id="s")
AGAIN = rk.Event("a", "vm", "2026-03-02T10:00:00Z", {"memory_mb": 512}, kind="start", id="s2")
CLOSING = rk.Inventory("2026-03-03T12:00:00Z", [], accounts=["a"], id="i")
RECORDS = [LISTED, START, AGAIN, CLOSING]


def _closing_words(restored: bool, snapshot: typing.Callable[[rk.Rater], Any] | None = None) -> Any:
    """The stream of the example: its reports and the compacted state before ``CLOSING``."""
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    reports: list[rk.Feed | rk.Statement] = [rater.feed([LISTED, START])]
    reports.append(rater.statement("2026-03-02T00:00:00Z"))
    reports.append(rater.feed([AGAIN]))
    reports.append(rater.statement("2026-03-03T00:00:00Z"))
    reports.append(rater.statement("2026-03-04T00:00:00Z"))  # 1 and 2 March compacted
    (state,) = rater._state
    if restored:
        data = json.loads(json.dumps(rater.snapshot()))
        rater = rk.Rater.restore(data if snapshot is None else snapshot(rater), PLAN, METERS)
    reports.append(rater.feed([CLOSING]))
    reports.append(rater.statement("2026-03-04T06:00:00Z"))
    return reports, state


def _closes(reports: list[rk.Feed | rk.Statement]) -> list[str]:
    return [a.message for r in reports for a in r.anomalies if a.kind == "reconciled_close"]


def _billed(reports: list[rk.Feed | rk.Statement], meter: str) -> Decimal:
    statements = [r for r in reports if isinstance(r, rk.Statement)]
    return sum(
        (line.quantity for s in statements for line in s.lines if line.meter == meter), Decimal(0)
    )


@pytest.mark.parametrize("restored", [False, True])
def test_a_closing_names_the_start_of_the_piece_not_of_the_stretch(restored: bool) -> None:
    # l1 (last_seen) lists vm on 1 March 06:00: opened, no memory. s starts it with 512
    # MB at 18:00: a new piece, the same running stretch (from 06:00, where rx's first
    # reading would count from). s2, a second START with 512 MB on 2 March 10:00,
    # changes nothing but gives the state a history once 2 March is compacted (stated
    # at 4 March). i, an inventory of 3 March 12:00 that does not list vm, closes it:
    # batch says vm ran "since 2026-03-01T18:00:00Z", s's instant. Before, the compacted
    # state's base started at 06:00 (the stretch's start, for rx) and the stream said
    # "since 2026-03-01T06:00:00Z", restored or not. Now the base keeps s's piece (18:00)
    # and the state the stretch's start before it (06:00).
    # Billed, as batch: 18 + 24 + 12 = 54 h (5.40 EUR); 512 MB from 18:00 to 12:00,
    # 6 + 24 + 12 = 42 h, 21,504 MB*h (2.1504 EUR).
    reports, state = _closing_words(restored)
    assert state.base is not None
    assert state.before is not None
    assert (format_us(state.base.since_us or 0), state.base.opened_by) == (
        "2026-03-01T18:00:00Z",
        "s",
    )
    assert format_us(state.before.since_us or 0) == "2026-03-01T06:00:00Z"
    batch = rk.rate(RECORDS, PLAN, span=SPAN, meters=METERS)
    said = [a.message for a in batch.anomalies if a.kind == "reconciled_close"]
    assert (
        _closes(reports)
        == said
        == [
            (
                "inventory 'i' at 2026-03-03T12:00:00Z does not list 'vm' of 'a', running since "
                "2026-03-01T18:00:00Z: closed at 2026-03-03T12:00:00Z (the snapshot)."
            )
        ]
    )
    for meter, total in (("runtime", Decimal(54)), ("memory", Decimal(21504))):
        quantity = sum((c.quantity for c in batch.charges if c.meter == meter), Decimal(0))
        assert _billed(reports, meter) == quantity == total


def _version_2(rater: rk.Rater) -> dict[str, Any]:
    """``rater``'s snapshot as version 2 wrote it: the stretch's start as its base's, no before."""
    data = version_3(rater.snapshot())  # version 3 is version 2, but for the before
    assert data["version"] == 3
    for state in data["body"]["state"]:
        before = state.pop("before", None)
        if before is not None and state["history"]:
            state["base"]["since_us"] = before["since_us"]
    data["version"] = 2
    return resealed(data)


def test_a_version_2_snapshot_restores_and_says_what_it_said() -> None:
    # The example's snapshot as version 2 wrote it: vm's base running since 06:00 (the
    # stretch's start), no piece before it. It restores, bills the same 54 h and 21,504
    # MB*h, and says what that version said: running since 06:00. A version 2 snapshot
    # whose state has a before is refused, naming it.
    reports, _ = _closing_words(True, _version_2)
    assert _closes(reports) == [
        (
            "inventory 'i' at 2026-03-03T12:00:00Z does not list 'vm' of 'a', running since "
            "2026-03-01T06:00:00Z: closed at 2026-03-03T12:00:00Z (the snapshot)."
        )
    ]
    assert (_billed(reports, "runtime"), _billed(reports, "memory")) == (54, 21504)

    def mislabelled(rater: rk.Rater) -> dict[str, Any]:
        return resealed({**version_3(rater.snapshot()), "version": 2})

    with pytest.raises(rk.BadSnapshotError) as raised:
        _closing_words(True, mislabelled)
    assert str(raised.value) == (
        "Rater snapshot body is malformed (at body.state[0]: a resource state of a snapshot "
        "of version 1 or 2 has no before (the piece before its base's, which version 3 "
        "keeps); it holds account, applied, base, clock_us, complete, description, history, "
        "listings, opened_by, readings, resource, seq, since_us, status, through_us); "
        "restore an unaltered copy."
    )


HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
T0 = to_us("2026-03-01T00:00:00Z")


def _draw(rng: random.Random) -> tuple[list[rk.Event | rk.Inventory], list[tuple[str, object]]]:
    """A VM of a stream in time order, resized, closed by an inventory: records and calls.

    vm is opened on 1 March by a listing (a last_seen or snapshot one, with a memory
    size now and then) or a START; two to five STARTs (a resize, or the same size
    again), UPDATEs and STOPs follow, in quarter hours to 3 March 12:00; an inventory
    that does not list vm comes after them, before 4 March. Fed in time order, one to
    three records a batch, with one or two statements after each at the last record's
    instant plus up to two days, never past the end of the next record's day (so cycles are
    compacted between them, and a record may be late, never too late).
    """
    numbers = iter(range(100))

    def at(low: int, high: int) -> int:
        return T0 + rng.randrange(low, max(high, low + 1), HOUR_US // 4)

    size = {"memory_mb": rng.choice((256, 512))}
    opened = at(0, 12 * HOUR_US)
    records: list[rk.Event | rk.Inventory] = [
        rk.Inventory(
            format_us(opened),
            [("a", "vm", rng.choice(({}, size)))],
            close=rng.choice(("snapshot", "last_seen")),
            accounts=["a"],
            id="l0",
        )
        if rng.random() < 0.6
        else rk.Event("a", "vm", format_us(opened), size, kind="start", id="s0")
    ]
    instants = sorted({at(opened - T0 + HOUR_US, 60 * HOUR_US) for _ in range(rng.randint(2, 5))})
    for instant in instants:
        kind = rng.choice(("start", "start", "start", "update", "stop"))
        if kind != "stop" and rng.random() < 0.5:
            size = {"memory_mb": rng.choice((256, 512, 1024))}
        attributes = size if kind != "stop" else {}
        records.append(
            rk.Event("a", "vm", format_us(instant), attributes, kind=kind, id=f"e{next(numbers)}")
        )
    closing = at(instants[-1] - T0 + HOUR_US // 4, 71 * HOUR_US)
    records.append(
        rk.Inventory(
            format_us(closing), [], close=rng.choice(("snapshot", "last_seen")), accounts=["a"],
            id="c",
        )
    )  # fmt: skip
    calls: list[tuple[str, object]] = []
    rest = list(records)
    while rest:
        batch = rest[: rng.randint(1, 3)]
        rest = rest[len(batch) :]
        calls.append(("feed", batch))
        if rng.random() < 0.5:
            calls.append(("restore", None))
        for _ in range(rng.randint(1, 2)):  # the second compacts what the first closed
            ahead = batch[-1].at_us + rng.randrange(0, 48 * HOUR_US, HOUR_US)
            if rest:  # the next record's day closes at most, and is kept: late, not too late
                ahead = min(ahead, rest[0].at_us - (rest[0].at_us - T0) % DAY_US + DAY_US)
            calls.append(("statement", ahead))
    return records, calls


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_law_a_closing_says_what_batch_says_restored_or_not(seed: int) -> None:
    # Oracle: one batch rate() of every record. The inventory's reconciled_close names
    # the instant vm has been running since as batch names it, restored before some
    # statements or never, and the lines (and what a late closing names) come to
    # batch's per meter. Before, a state whose
    # base began with a resize, with a history, named the stretch's start (a listing, a
    # first START) once restored, or once compacted again.
    rng = random.Random(seed)
    records, calls = _draw(rng)
    last = max(typing.cast(int, value) for kind, value in calls if kind == "statement")
    final = max(last, to_us("2026-03-05T00:00:00Z"))
    for restoring in (False, True):
        rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
        reports: list[rk.Feed | rk.Statement] = []
        watermark = T0
        for kind, value in calls:
            if kind == "feed":
                reports.append(rater.feed(typing.cast("list[rk.Event | rk.Inventory]", value)))
            elif kind == "restore" and restoring:
                data = json.loads(json.dumps(rater.snapshot()))
                rater = rk.Rater.restore(data, PLAN, METERS)
            elif kind == "statement":
                watermark = max(watermark, typing.cast(int, value))
                reports.append(rater.statement(format_us(watermark)))
        reports.append(rater.statement(format_us(final)))
        batch = rk.rate(records, PLAN, span=rk.Span(format_us(T0), format_us(final)), meters=METERS)
        said = [a.message for a in batch.anomalies if a.kind == "reconciled_close"]
        assert _closes(reports) == said, restoring
        for meter in ("runtime", "memory"):
            quantity = sum((c.quantity for c in batch.charges if c.meter == meter), Decimal(0))
            assert lines_and_named(reports, meter) == quantity, meter
