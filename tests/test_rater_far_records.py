"""A record stamped more than 10,000 cycles from the kept cycles' start is refused.

The rater meters the cycles between such a record and the start of the cycles it keeps
at once: a too-late record's part before that start, a counter reading's increment from
a reading already compacted. A counter reading stamped in 1913 on hourly cycles ran for
minutes (990,000 cycles of late rows), one stamped in 2082 raised a `BadSpanError` from
inside the feed, naming no record, after the records listed before it were taken. Such
a record is now refused at the door, naming it, and the batch is refused whole. The
bound is the number of cycles one statement closes (`rk.rater.MAX_CLOSING`): the work
of placing a record, as of a statement, grows with the cycles it spans.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

import ratekit as rk

CTR = rk.Meter("ctr", "B", rk.Counter())
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.hourly(),
    [rk.PriceEntry("c", "ctr", rk.PerUnit(1)), rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
)
BASE = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)  # the kept cycles' start below


def _rater() -> rk.Rater:
    """A rater whose kept cycles start at 8:00, with ``r0``'s reading of 0:30 compacted."""
    rater = rk.Rater(PLAN, [CTR, VM], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "r0", "ctr", "2026-03-01T00:30:00Z", 10, kind="counter", id="c1")])
    rater.statement("2026-03-01T05:00:00Z")
    rater.statement("2026-03-01T09:00:00Z")
    assert repr(rater).startswith("Rater(base='2026-03-01T08:00:00Z'")
    return rater


def _reading(at: dt.datetime | str, record_id: str = "c2") -> rk.Sample:
    return rk.Sample("a", "r0", "ctr", at, 5, kind="counter", id=record_id)


def _state(rater: rk.Rater) -> str:
    return json.dumps(rater.snapshot(), sort_keys=True)


@pytest.mark.parametrize(
    ("at", "cycles", "where"),
    [
        # 1913-01-01 to 2026-03-01T08:00: 41,332 days (113 years and 28 leap days) and
        # 8 hours, 41,332 * 24 + 8 = 991,976 hours.
        ("1913-01-01T00:00:00Z", "991,976", "before"),
        # 2026-03-01T08:00 to 2082-01-01: 20,394 days and 16 hours = 489,472 hours.
        ("2082-01-01T00:00:00Z", "489,472", "after"),
    ],
)
def test_a_counter_reading_that_far_is_refused_naming_it(at: str, cycles: str, where: str) -> None:
    rater = _rater()
    before = _state(rater)
    near = rk.Event("a", "r1", "2026-03-01T09:30:00Z", kind="start", id="s1")
    with pytest.raises(rk.BadTimeError) as caught:
        rater.feed([near, _reading(at)])
    assert str(caught.value) == (
        f"Rater.feed: records[1]: sample 'c2' has at {at}, about {cycles} billing cycles "
        f"{where} the start of the cycles the rater keeps (2026-03-01T08:00:00Z): more than the 10,000 "
        "a record may lie from it (the rater meters the cycles between at once), so the "
        "batch is refused whole. A clock that far off is most likely wrong; feed records "
        "within 10,000 cycles of that start."
    )
    # Refused whole: the event listed before it was not taken.
    assert _state(rater) == before
    assert rater.feed([near]).accepted == ("s1",)


def test_a_too_late_event_that_far_is_refused() -> None:
    rater = _rater()
    stop = rk.Event("a", "r0", "1990-06-01T00:00:00Z", kind="stop", id="e9")
    # 1990-06-01 to 2026-03-01T08:00: 13,057 days and 8 hours, 13,057 * 24 + 8 = 313,376.
    with pytest.raises(rk.BadTimeError) as caught:
        rater.feed([stop])
    assert str(caught.value).startswith(
        "Rater.feed: records[0]: event 'e9' has at 1990-06-01T00:00:00Z, about 313,376 billing "
        "cycles "
        "before the start of the cycles the rater keeps (2026-03-01T08:00:00Z)"
    )


def test_a_delta_begun_that_far_is_refused_by_its_since() -> None:
    meter = rk.Meter("egress", "GB", rk.Discrete())
    plan = rk.Plan("p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("e", "egress", rk.PerUnit(1))])
    rater = rk.Rater(plan, [meter], start="2026-03-01T00:00:00Z")
    delta = rk.Sample(
        "a", "r0", "egress", "2026-03-01T01:00:00Z", 5, since="2000-01-01T00:00:00Z", id="d1"
    )
    # 2000-01-01 to 2026-03-01: 9,556 days (26 years, 7 of them leap: 26 * 365 + 7 +
    # 59 days of 2026 = 9,556), 9,556 * 24 = 229,344 hours.
    with pytest.raises(rk.BadTimeError) as caught:
        rater.feed([delta])
    assert str(caught.value).startswith(
        "Rater.feed: records[0]: sample 'd1' has since 2000-01-01T00:00:00Z, about 229,344 billing "
        "cycles before the start of the cycles the rater keeps (2026-03-01T00:00:00Z)"
    )


def test_the_bound_is_10000_cycles_as_a_statement_closes() -> None:
    # 8:00 plus 10,000 hours is 10,000 cycles after 8:00 (the boundaries 9:00 up to it,
    # inclusive): taken, its reach back to the compacted reading metered. A microsecond
    # before 8:00 is one cycle before it. One hour more: refused.
    assert rk.rater.MAX_CLOSING == 10_000
    rater = _rater()
    taken = rater.feed([_reading(BASE + dt.timedelta(hours=10_000))])
    assert taken.accepted == ("c2",)
    with pytest.raises(rk.BadTimeError, match="about 10,001 billing cycles after"):
        rater.feed([_reading(BASE + dt.timedelta(hours=10_001), "c3")])
    with pytest.raises(rk.BadTimeError, match="about 10,001 billing cycles before"):
        rater.feed([_reading(BASE - dt.timedelta(hours=10_000, microseconds=1), "c4")])


def test_a_too_late_reading_within_the_bound_is_named_too_late() -> None:
    rater = _rater()
    fed = rater.feed([_reading("2026-02-27T00:00:00Z")])
    assert fed.too_late == ("c2",)
    [anomaly] = fed.anomalies
    assert anomaly.kind == "too_late"
    assert anomaly.record_ids == ("c2",)


def test_a_record_without_an_id_is_named_by_what_it_is() -> None:
    # A feed of plain tuples has no ids: the door said only "Rater.feed: event has at
    # 9999-...", so the one refused could not be found among a million. It names the
    # kind, the resource and the account now (and a sample's meter).
    rater = rk.Rater(PLAN, [CTR, VM], start="2026-03-01T00:00:00Z")
    stop = ("acme", "vm-7", 253402300799999999, "stop")  # 9999-12-31T23:59:59.999999Z
    with pytest.raises(rk.BadTimeError) as caught:
        rater.feed(
            rk.RecordBatch.from_tuples(events=[("acme", "vm-1", 1772326800000000, "start"), stop])
        )
    assert str(caught.value).startswith(
        "Rater.feed: records[1]: event (stop of resource 'vm-7' of 'acme', no id) has at "
        "9999-12-31T23:59:59.999999Z, in no billing cycle the rater can compute"
    )
    reading = ("acme", "vm-7", "ctr", 253402300799999999, 5, "counter")
    with pytest.raises(rk.BadTimeError) as caught:
        rater.feed(rk.RecordBatch.from_tuples(samples=[reading]))
    assert str(caught.value).startswith(
        "Rater.feed: records[0]: sample (counter of 'ctr' of resource 'vm-7' of 'acme', no id) "
        "has at "
        "9999-12-31T23:59:59.999999Z"
    )
    far = rk.Sample("acme", "r0", "ctr", "1913-01-01T00:00:00Z", 5, kind="counter")
    with pytest.raises(rk.BadTimeError) as caught:
        _rater().feed([far])
    assert str(caught.value).startswith(
        "Rater.feed: records[0]: sample (counter of 'ctr' of resource 'r0' of 'acme', no id) "
        "has at "
        "1913-01-01T00:00:00Z, about 991,976 billing cycles before"
    )
