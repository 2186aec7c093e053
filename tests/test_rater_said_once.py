"""A stream says each anomaly once, restored at every step or never restored alike.

A ``"negative_total"`` is about a group's total in a cycle (corrections that exceed the
usage they correct), not about one record: the corrections it names change as records
come and as the cycle closes, so it is told from another by its cycle, and said once.

An ``"unpriced"`` anomaly gives usage that has no price, and that usage grows with the
watermark: it is said again whenever its figure or span reads otherwise, so that the
last one said of a cycle is batch rating's, and not again while it stands.
"""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
API = rk.Meter("api", "call", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="Europe/Zurich"),
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.07")),
        rk.PriceEntry("api", "api", rk.Package(10, "0.1")),
    ],
)
START = "2026-03-27T00:00:00+01:00"


def _play(
    arrivals: list[tuple[str, rk.Event | rk.Sample]], watermarks: list[str], *, restore: bool
) -> list[rk.Statement | rk.Feed]:
    """Feed each record before the first watermark after its arrival, a statement at each."""
    rater = rk.Rater(PLAN, [VM, API], start=START, horizon=dt.timedelta(hours=3))
    out: list[rk.Statement | rk.Feed] = []
    previous = ""
    for watermark in watermarks:
        batch = [record for arrival, record in arrivals if previous < arrival <= watermark]
        previous = watermark
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM, API])
        out.append(rater.feed(batch))
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM, API])
        out.append(rater.statement(watermark))
    return out


def test_a_negative_total_is_said_once_restored_or_not() -> None:
    arrivals = [
        ("2026-03-27T07:55:00Z", rk.Event("a2", "app", "2026-03-27T06:51:24Z", kind="start", id="e134")),
        ("2026-03-27T09:05:00Z", rk.Sample("a2", "app", "api", "2026-03-27T01:08:10Z", -1, id="d174")),
        ("2026-03-28T01:41:00Z", rk.Sample("a2", "app", "api", "2026-03-27T22:17:22Z", 0, id="d173")),
    ]  # fmt: skip
    watermarks = ["2026-03-27T09:56:00Z", "2026-03-28T01:30:00Z", "2026-03-28T03:22:00Z"]
    never = _play(arrivals, watermarks, restore=False)
    said = [(i, a.kind, a.record_ids) for i, r in enumerate(never) for a in r.anomalies]
    # the api total of 27 March (Zurich) is -1 from 09:56 on; its cycle closes at 03:22
    # (its end 2026-03-27T23:00Z plus 3 h): said at 09:56 only, not again at the closing
    assert said == [(1, "negative_total", ("d174",))]
    assert _play(arrivals, watermarks, restore=True) == never


_RECORD = st.tuples(
    st.integers(0, 40),  # arrival, in half hours from 27 March 00:00Z
    st.integers(0, 40),  # instant, in half hours from 27 March 00:00Z
    st.sampled_from(["start", "stop", "delta"]),
    st.integers(-3, 3),
)


@settings(max_examples=max(LAWS // 20, 25), deadline=None)
@given(
    records=st.lists(_RECORD, max_size=6),
    marks=st.lists(st.integers(1, 48), min_size=1, max_size=6),
)
def test_restored_at_every_step_says_what_never_restored_says_once(
    records: list[tuple[int, int, str, int]], marks: list[int]
) -> None:
    def at(half_hours: int) -> str:
        moment = dt.datetime(2026, 3, 27, tzinfo=dt.UTC) + dt.timedelta(minutes=30 * half_hours)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    arrivals: list[tuple[str, rk.Event | rk.Sample]] = []
    for index, (arrival, instant, kind, value) in enumerate(records):
        record: rk.Event | rk.Sample = (
            rk.Sample("a", "app", "api", at(instant), value, id=f"r{index}")
            if kind == "delta"
            else rk.Event("a", "app", at(instant), kind=kind, id=f"r{index}")  # type: ignore[arg-type]
        )
        arrivals.append((at(max(arrival, instant)), record))
    watermarks = [at(mark) for mark in sorted(set(marks))]
    never = _play(arrivals, watermarks, restore=False)
    assert _play(arrivals, watermarks, restore=True) == never
    negative = [a.at_us for r in never for a in r.anomalies if a.kind == "negative_total"]
    assert len(negative) == len(set(negative))  # one per cycle


def test_unpriced_usage_is_said_again_as_it_grows_and_the_last_is_batchs() -> None:
    plan = rk.Plan(
        "u",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("small", "vm.hours", rk.PerUnit(1), where={"f": "s"})],
        unpriced="anomaly",
    )
    unknown = rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"f": "zz"}, kind="start", id="a")
    stop = rk.Event("acme", "vm-1", "2026-03-20T00:00:00Z", kind="stop", id="b")
    rater = rk.Rater(plan, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([unknown])

    def figures(statement: rk.Statement) -> list[str]:
        return [a.message.split(", ")[1].split(")")[0] for a in statement.anomalies]

    assert figures(rater.statement("2026-03-02T00:00:00Z")) == ["24 hour"]
    # A day on: 48 h so far (2 x 24), said again, over 1..3 March.
    second = rater.statement("2026-03-03T00:00:00Z")
    assert figures(second) == ["48 hour"]
    assert "over 2026-03-01T00:00:00Z..2026-03-03T00:00:00Z" in second.anomalies[0].message
    rater.feed([stop])
    # Stopped on the 20th: 19 days x 24 = 456 h, corrected (the stop was fed late).
    assert figures(rater.statement("2026-03-25T00:00:00Z")) == ["456 hour"]
    # Standing still: nothing new to say, at the next statement or at the close.
    assert figures(rater.statement("2026-03-28T00:00:00Z")) == []
    assert figures(rater.statement("2026-04-02T00:00:00Z")) == []
    batch = rk.rate(
        [unknown, stop],
        plan,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        meters=[VM],
    )
    expected = (
        "usage of meter 'vm.hours' by account 'acme' (resource 'vm-1', 456 hour) over "
        "2026-03-01T00:00:00Z..2026-03-20T00:00:00Z has no price in plan 'u': no entry of "
        "that meter is in effect for a resource described by {'f': 'zz'}: not charged."
    )
    assert [a.message for a in batch.anomalies if a.kind == "unpriced"] == [expected]
