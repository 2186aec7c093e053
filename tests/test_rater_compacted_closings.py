"""A too-late sample that moves a ``last_seen`` closing compacted with its inventory.

A VM closed by a ``last_seen`` inventory at its last sign of life, both compacted, then a
sample stamped between the two: batch ``rate()`` closes the VM at the sample, later.
The stream names the hours between as a ``"too_late"`` part per time meter (positive:
they stay unbilled), under the description the VM ran with, said once (a snapshot keeps
the move), and the sample is no reading after a deletion (docs/streaming.md, Closing
and lateness). Worked by hand in the comments (daily UTC cycles).
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._snapshots import resealed

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
MEMORY = rk.Meter("mem", "MiB*hour", rk.Continuous("memory_mb", unit="MiB"))
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
COUNTER = rk.Meter("ctr", "B", rk.Counter())
USERS = rk.Meter("users", "user", rk.TimeWeightedMean())
METERS = [HOURS, MEMORY, EGRESS, COUNTER, USERS]
PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [
        rk.PriceEntry("s", "vm.hours", rk.PerUnit(1), where={"f": "s"}),
        rk.PriceEntry("b", "vm.hours", rk.PerUnit(10), where={"f": "b"}),
        rk.PriceEntry("m", "mem", rk.PerUnit("0.01")),
        rk.PriceEntry("e", "egress", rk.PerUnit(1)),
        rk.PriceEntry("c", "ctr", rk.PerUnit(1)),
        rk.PriceEntry("u", "users", rk.PerUnit(1)),
    ],
)
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")
START = rk.Event(
    "a", "r", "2026-03-01T20:00:00Z", {"f": "s", "memory_mb": 100}, kind="start", id="s"
)
LISTING = rk.Inventory("2026-03-02T05:15:00Z", [], close="last_seen", id="inv")


def _sign(kind: str, at: str = "2026-03-02T05:00:00Z", record_id: str = "g") -> rk.Sample:
    if kind == "delta":
        return rk.Sample("a", "r", "egress", at, 2, id=record_id)
    if kind == "spanned":  # a delta over the half hour before its instant
        since = dt.datetime.fromisoformat(at) - dt.timedelta(minutes=30)
        return rk.Sample("a", "r", "egress", at, 2, since=since, id=record_id)
    if kind == "counter":
        return rk.Sample("a", "r", "ctr", at, 2, kind="counter", id=record_id)
    return rk.Sample("a", "r", "users", at, 2, kind="gauge", id=record_id)


def _streamed(
    first: list[rk.Event | rk.Sample | rk.Inventory],
    later: list[list[rk.Event | rk.Sample | rk.Inventory]],
    *,
    restore: int | None = None,
) -> tuple[list[rk.Statement], list[rk.Feed]]:
    """``first`` fed, 1 and 2 March compacted, then each of ``later`` fed and metered.

    With ``restore``, the rater is restored from its snapshot before that batch of
    ``later`` (its length: before the last statement).
    """
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    feeds = [rater.feed(first)]
    statements = [rater.statement("2026-03-02T06:00:00Z"), rater.statement("2026-03-04T00:00:00Z")]
    for index, batch in enumerate(later):
        if restore == index:
            rater = rk.Rater.restore(rater.snapshot(), PLAN, METERS)
        feeds.append(rater.feed(batch))
        statements.append(rater.statement(f"2026-03-05T0{index}:00:00Z"))
    if restore == len(later):
        rater = rk.Rater.restore(rater.snapshot(), PLAN, METERS)
    statements.append(rater.statement("2026-03-06T00:00:00Z"))
    return statements, feeds


def _said(statements: list[rk.Statement], feeds: list[rk.Feed]) -> list[rk.Anomaly]:
    return [a for report in (*statements, *feeds) for a in report.anomalies]


def _lines(statements: list[rk.Statement], meter: str) -> Decimal:
    return sum(
        (line.quantity for s in statements for line in s.lines if line.meter == meter), Decimal(0)
    )


def _named(said: list[rk.Anomaly], meter: str) -> Decimal:
    return sum(
        (
            a.quantity
            for a in said
            if a.kind in {"late", "too_late"} and a.meter == meter and a.quantity is not None
        ),
        Decimal(0),
    )


def _batch(records: list[rk.Event | rk.Sample | rk.Inventory], meter: str) -> Decimal:
    rating = rk.rate(records, PLAN, span=SPAN, meters=METERS)
    return sum((c.quantity for c in rating.charges if c.meter == meter), Decimal(0))


def test_a_gauge_reading_moving_a_compacted_closing_names_the_hours_and_no_deletion() -> None:
    # The VM ran from 1 March 20:00; the inventory of 2 March 05:15 closed it there (its
    # start, its last sign of life): 0 h. A gauge reading of 2 March 05:00 is its last
    # sign of life: batch bills 4 h of 1 March + 5 h of 2 March = 9 h, and 9 x 100 = 900
    # MiB*hour, and says no "after_delete" (the reading comes before the closing).
    for kind in ("delta", "counter", "gauge"):
        sign = _sign(kind)
        statements, feeds = _streamed([START, LISTING], [[sign]])
        said = _said(statements, feeds)
        assert _batch([START, LISTING, sign], "vm.hours") == 9
        assert _lines(statements, "vm.hours") == 0
        assert _named(said, "vm.hours") == 9
        assert _named(said, "mem") == 900
        assert "after_delete" not in {a.kind for a in said}
        moved = [a for a in feeds[1].anomalies if a.meter == "vm.hours"]
        assert [(a.quantity, a.record_ids) for a in moved] == [(Decimal(9), ("g", "inv"))]
        assert "from 2026-03-01T20:00:00Z to 2026-03-02T05:00:00Z" in moved[0].message
        assert "stays unbilled" in moved[0].message


def test_the_hours_moved_are_named_under_the_description_the_vm_ran_with() -> None:
    # Resized at 22:00 to flavor b (10 EUR an hour) and 200 MiB: the inventory closes it
    # at the resize. The sample moves the closing from 22:00 to 05:00: 7 h under {'f':
    # 'b', 'memory_mb': 200}, 7 x 200 = 1400 MiB*hour. Batch bills 2 h at 1 and 7 at 10
    # (72 EUR) and 2 x 100 + 7 x 200 = 1600 MiB*hour (16 EUR), plus the egress 2: 90.
    # The stream bills 2 + 2 = 4 EUR of 1 March (2 h, 200 MiB*hour at 0.01); the parts
    # named priced under their description: 7 x 10 + 1400 x 0.01 + 2 = 86; 4 + 86 = 90.
    resize = rk.Event("a", "r", "2026-03-01T22:00:00Z", {"f": "b", "memory_mb": 200}, id="u")
    sign = _sign("delta")
    statements, feeds = _streamed([START, resize, LISTING], [[sign]])
    said = _said(statements, feeds)
    records = [START, resize, LISTING, sign]
    assert _lines(statements, "vm.hours") + _named(said, "vm.hours") == _batch(records, "vm.hours")
    assert _lines(statements, "mem") + _named(said, "mem") == _batch(records, "mem") == 1600
    hours = next(a for a in feeds[1].anomalies if a.meter == "vm.hours")
    assert hours.quantity == 7
    assert "under description {'f': 'b', 'memory_mb': 200}" in hours.message
    money = sum((line.amount for s in statements for line in s.lines), Decimal(0))
    rating = rk.rate(records, PLAN, span=SPAN, meters=METERS)
    assert money == 4
    assert sum((c.amount for c in rating.charges), Decimal(0)) == 90


def test_a_vm_stopped_before_its_compacted_closing_names_nothing_moved() -> None:
    # Started 18:00, stopped 20:00: 2 h. The inventory closes it at the stop; the sample
    # moves the closing to 05:00 across stopped time, which no time meter measures:
    # batch bills 2 h, the stream 2 h, and no hours are named.
    stop = rk.Event("a", "r", "2026-03-01T20:00:00Z", kind="stop", id="x")
    begin = rk.Event("a", "r", "2026-03-01T18:00:00Z", {"f": "s"}, kind="start", id="s")
    sign = _sign("delta")
    statements, feeds = _streamed([begin, stop, LISTING], [[sign]])
    said = _said(statements, feeds)
    assert _batch([begin, stop, LISTING, sign], "vm.hours") == 2
    assert _lines(statements, "vm.hours") == 2
    assert _named(said, "vm.hours") == 0


def test_two_samples_name_the_move_once_in_any_order() -> None:
    # A sample at 03:00 moves the closing 20:00 -> 03:00 (7 h), one at 05:00 on from
    # 03:00 (2 h): 9 in all. Fed the other way, the 05:00 one names 9 h and the 03:00 one
    # nothing (the closing is after it already).
    early, late = _sign("delta", "2026-03-02T03:00:00Z", "g1"), _sign("delta", record_id="g2")
    for order, parts in (([early, late], [7, 2]), ([late, early], [9])):
        statements, feeds = _streamed([START, LISTING], [[order[0]], [order[1]]])
        said = _said(statements, feeds)
        assert [a.quantity for a in said if a.meter == "vm.hours"] == parts
        assert _lines(statements, "vm.hours") == 0


def test_the_move_is_said_once_across_a_snapshot() -> None:
    # Restored before the sample, after it, or before the last statement: 9 h named once.
    sign = _sign("counter")
    for restore in (0, 1, 2):
        statements, feeds = _streamed([START, LISTING], [[sign], []], restore=restore)
        said = _said(statements, feeds)
        assert _named(said, "vm.hours") == 9
        assert _lines(statements, "vm.hours") == 0
        assert "after_delete" not in {a.kind for a in said}


def test_a_sample_moving_the_closing_of_a_too_late_inventory_names_the_move() -> None:
    # The VM runs, billed 4 h on 1 March and 24 h on 2 and 3 March (28 h); the inventory
    # comes once they are compacted and closes it at 20:00 (-28 h named), then the
    # sample moves that closing to 05:00 (+9 h): 28 - 28 + 9 = 9, batch's.
    sign = _sign("delta")
    statements, feeds = _streamed([START], [[LISTING], [sign]])
    said = _said(statements, feeds)
    assert _lines(statements, "vm.hours") == 28
    assert _named(said, "vm.hours") == -19
    assert [a.quantity for a in feeds[2].anomalies if a.meter == "vm.hours"] == [9]


def test_a_start_ignored_after_the_closing_does_not_hide_it() -> None:
    # A START of 2 March 12:00 comes after the closing deleted the VM: batch ignores it
    # (and says so), and the compacted state's clock is the START's. The sample still
    # moves the closing: batch bills 9 h, the stream none, and names the 9.
    again = rk.Event("a", "r", "2026-03-02T12:00:00Z", kind="start", id="s2")
    sign = _sign("delta")
    statements, feeds = _streamed([START, LISTING, again], [[sign]])
    assert _batch([START, LISTING, again, sign], "vm.hours") == 9
    assert _lines(statements, "vm.hours") == 0
    assert _named(_said(statements, feeds), "vm.hours") == 9


def test_a_sample_after_a_compacted_delete_moves_nothing() -> None:
    # A DELETE at 22:00 ends the VM (2 h), before the inventory: the sample at 05:00
    # comes after the deletion, and batch bills 2 h with it as without it.
    delete = rk.Event("a", "r", "2026-03-01T22:00:00Z", kind="delete", id="d")
    sign = _sign("delta")
    statements, feeds = _streamed([START, delete, LISTING], [[sign]])
    assert _batch([START, delete, LISTING, sign], "vm.hours") == 2
    assert _lines(statements, "vm.hours") == 2
    assert _named(_said(statements, feeds), "vm.hours") == 0


def test_a_sample_after_the_inventory_moves_nothing() -> None:
    # At 06:15, after the inventory: batch still closes the VM at 20:00 (0 h).
    sign = _sign("delta", "2026-03-02T06:15:00Z")
    statements, feeds = _streamed([START, LISTING], [[sign]])
    assert _batch([START, LISTING, sign], "vm.hours") == 0
    assert _named(_said(statements, feeds), "vm.hours") == 0


_INSTANTS = st.integers(min_value=0, max_value=6 * 24).map(lambda q: q * 15)  # minutes


@settings(max_examples=max(LAWS // 20, 10), deadline=None)
@given(
    start_minute=st.integers(min_value=0, max_value=24 * 60 - 1),
    gap=_INSTANTS,
    signs=st.lists(
        st.tuples(
            st.sampled_from(["delta", "spanned", "counter", "gauge"]), st.integers(0, 48 * 4)
        ),
        min_size=1,
        max_size=3,
    ),
    shape=st.tuples(st.booleans(), st.booleans()),
    restore=st.sampled_from([None, 0, 1]),
)
def test_law_samples_moving_a_compacted_closing(
    start_minute: int,
    gap: int,
    signs: list[tuple[str, int]],
    shape: tuple[bool, bool],
    restore: int | None,
) -> None:
    # Oracle: one batch rate() of every record. The VM starts on 1 March (stopped an
    # hour later or not), a last_seen inventory listing nothing comes gap minutes later
    # (by 2 March), perhaps a START a minute after it, and samples stamped on 1-2 March
    # come one batch each once both days are compacted: the stream's hours plus the
    # hours named are batch's.
    stopped, again = shape
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    def at(minutes: int) -> str:
        return (t0 + dt.timedelta(minutes=minutes)).isoformat()

    first: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("a", "r", at(start_minute), {"f": "s", "memory_mb": 100}, kind="start", id="s")
    ]
    if stopped:
        first.append(rk.Event("a", "r", at(start_minute + 60), kind="stop", id="x"))
    inventory_minute = min(start_minute + 60 + gap, 48 * 60 - 1)
    first.append(rk.Inventory(at(inventory_minute), [], close="last_seen", id="inv"))
    if again:  # a START after the inventory (ignored in batch when the VM was closed)
        first.append(rk.Event("a", "r", at(inventory_minute + 1), kind="start", id="s2"))
    later: list[list[rk.Event | rk.Sample | rk.Inventory]] = [
        [_sign(kind, at(quarter * 15), f"g{index}")] for index, (kind, quarter) in enumerate(signs)
    ]
    statements, feeds = _streamed(first, later, restore=restore)
    said = _said(statements, feeds)
    records = [*first, *(r for batch in later for r in batch)]
    for meter in ("vm.hours", "mem"):
        assert _lines(statements, meter) + _named(said, meter) == _batch(records, meter)


def test_a_state_without_the_piece_says_the_move_with_no_quantity() -> None:
    # A snapshot whose deleted state keeps no piece before the closing (as an earlier
    # version wrote it): whether the VM ran up to it is not known, so the move is said
    # with no quantity, and the sample is still no reading after a deletion.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([START, LISTING])
    rater.statement("2026-03-02T06:00:00Z")
    rater.statement("2026-03-04T00:00:00Z")
    data = copy.deepcopy(rater.snapshot())
    for state in data["body"]["state"]:
        state.pop("base", None)
    back = rk.Rater.restore(resealed(data), PLAN, METERS)
    feed = back.feed([_sign("counter")])
    moved = [a for a in feed.anomalies if "moves where inventory 'inv'" in a.message]
    assert [(a.kind, a.meter, a.quantity) for a in moved] == [("too_late", None, None)]
    assert "not known here" in moved[0].message
    assert "after_delete" not in {a.kind for a in feed.anomalies}
