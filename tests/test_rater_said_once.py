"""A stream says each anomaly once, restored at every step or never restored alike.

A ``"negative_total"`` is about a group's total in a cycle (corrections that exceed the
usage they correct), not about one record: the corrections it names change as records
come and as the cycle closes, so it is told from another by its cycle, and said once.

An ``"unpriced"`` anomaly gives usage that has no price, and that usage grows with the
watermark: it is said again whenever its figure reads otherwise, with a note of the
figure said before, so that the last figure said of a cycle is batch rating's, and not
again while it stands, though its span runs on to each watermark.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

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
    st.integers(0, 12),  # a delta's span before its instant, in half hours (0: none)
)


def _provenance(out: list[rk.Statement | rk.Feed]) -> list[list[object]]:
    """Each statement's lines with the record ids of their charges (lines compare without)."""
    return [
        [(line.key, line.role, [c.record_ids for c in line.charges]) for line in said.lines]
        for said in out
        if isinstance(said, rk.Statement)
    ]


@settings(max_examples=max(LAWS // 20, FLOOR), deadline=None)
@given(
    records=st.lists(_RECORD, max_size=6),
    marks=st.lists(st.integers(1, 48), min_size=1, max_size=6),
)
def test_restored_at_every_step_says_what_never_restored_says_once(
    records: list[tuple[int, int, str, int, int]], marks: list[int]
) -> None:
    def at(half_hours: int) -> str:
        moment = dt.datetime(2026, 3, 27, tzinfo=dt.UTC) + dt.timedelta(minutes=30 * half_hours)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    arrivals: list[tuple[str, rk.Event | rk.Sample]] = []
    for index, (arrival, instant, kind, value, spread) in enumerate(records):
        # a delta over a span (since=) as often as one at an instant
        since = at(instant - spread) if spread else None
        record: rk.Event | rk.Sample = (
            rk.Sample("a", "app", "api", at(instant), value, since=since, id=f"r{index}")
            if kind == "delta"
            else rk.Event("a", "app", at(instant), kind=kind, id=f"r{index}")  # type: ignore[arg-type]
        )
        arrivals.append((at(max(arrival, instant)), record))
    watermarks = [at(mark) for mark in sorted(set(marks))]
    never = _play(arrivals, watermarks, restore=False)
    restored = _play(arrivals, watermarks, restore=True)
    assert restored == never
    assert _provenance(restored) == _provenance(never)
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


def test_a_deltas_unpriced_usage_whose_span_alone_grows_is_said_once_restored_or_not() -> None:
    # A delta of 4 calls on 1 March 05:00, of a resource with no event: its Discrete piece
    # runs on to the watermark with no new record (4 calls over 1..2, 1..3, 1..4 March).
    # Only the watermark moves: its figure stays 4 calls, so it is said once, by the
    # first statement, in rating's words, and not again, restored before each statement
    # or never restored.
    plan = rk.Plan(
        "u",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("small", "api", rk.PerUnit(1), where={"f": "s"})],
        unpriced="anomaly",
    )
    calls = rk.Sample("acme", "gw", "api", "2026-03-01T05:00:00Z", 4, id="c")
    watermarks = ["2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"]

    def said(restore: bool) -> list[list[str]]:
        rater = rk.Rater(plan, [API], start="2026-03-01T00:00:00Z")
        rater.feed([calls])
        out = []
        for watermark in watermarks:
            if restore:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [API])
            out.append([a.message for a in rater.statement(watermark).anomalies])
        return out

    first = (
        "usage of meter 'api' by account 'acme' (resource 'gw', 4 call) over "
        "2026-03-01T00:00:00Z..2026-03-02T00:00:00Z has no price in plan 'u': no entry of "
        "that meter is in effect for a resource described by {}: not charged."
    )
    assert said(restore=False) == [[first], [], []]
    assert said(restore=True) == said(restore=False)


_METERS = [
    VM,
    API,
    rk.Meter("egress", "B", rk.Counter()),
    rk.Meter("peak", "user", rk.Max()),
    rk.Meter("users", "user", rk.TimeWeightedMean()),
    rk.Meter("disk", "GB*hour", rk.Continuous("size", unit="GB")),
]
_KINDS = {"api": "delta", "egress": "counter", "peak": "gauge", "users": "gauge"}
# Each meter priced for flavor 's' alone: a resource of another flavor, or of none, has
# usage with no price, said as an "unpriced" anomaly.
_PICKY = rk.Plan(
    "picky",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry(m.name, m.name, rk.PerUnit(1), where={"f": "s"}) for m in _METERS],
    unpriced="anomaly",
)
_GAPPED = [  # no plan from 1 March 20:00 to 2 March 16:00: usage there is unpriced too
    rk.Assignment("a", _PICKY, start="2026-03-01T00:00:00Z", end="2026-03-01T20:00:00Z"),
    rk.Assignment("a", _PICKY, start="2026-03-02T16:00:00Z"),
]
_ANY_RECORD = st.tuples(
    st.integers(0, 60),  # instant, in hours from 1 March 00:00Z
    st.integers(0, 8),  # its delay, in hours
    st.sampled_from(["r1", "r2"]),
    st.sampled_from(["start", "stop", "update", *_KINDS]),
    st.sampled_from(["s", "zz"]),  # an event's flavor
    st.integers(0, 5),  # a reading's value, an event's size
    st.integers(0, 6),  # a delta's span before its instant, in hours (0: none)
)


@settings(max_examples=max(LAWS // 5, FLOOR), deadline=None)
@given(
    records=st.lists(_ANY_RECORD, min_size=1, max_size=7),
    marks=st.lists(st.integers(1, 72), min_size=1, max_size=6),
    gapped=st.booleans(),
)
def test_unpriced_usage_of_every_meter_kind_is_said_alike_restored_or_not(
    records: list[tuple[int, int, str, str, str, int, int]], marks: list[int], gapped: bool
) -> None:
    def at(hours: int) -> str:
        moment = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=hours)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    arrivals: list[tuple[int, rk.Event | rk.Sample]] = []
    for index, (hour, delay, resource, kind, flavor, value, spread) in enumerate(records):
        # a record where the account has no plan is refused at the door: none in the gap
        instant = hour + 20 if gapped and 20 <= hour < 40 else hour
        record: rk.Event | rk.Sample
        if kind == "api":
            # a delta over a span (since=) as often as one at an instant, not reaching
            # into the gap (the feed refuses usage where the account has no plan)
            reach = instant - spread
            bare = gapped and reach < 40 and instant > 20
            since = at(reach) if spread and reach >= 0 and not bare else None
            record = rk.Sample("a", resource, kind, at(instant), value, since=since, id=f"x{index}")
        elif kind in _KINDS:
            record = rk.Sample(
                "a", resource, kind, at(instant), value, kind=_KINDS[kind], id=f"x{index}"
            )  # type: ignore[arg-type]
        else:
            attributes = {} if kind == "stop" else {"f": flavor, "size": value}
            record = rk.Event("a", resource, at(instant), attributes, kind=kind, id=f"x{index}")  # type: ignore[arg-type]
        arrivals.append((instant + delay, record))
    plans: rk.Plan | list[rk.Assignment] = _GAPPED if gapped else _PICKY

    def play(restore: bool) -> list[rk.Statement | rk.Feed]:
        rater = rk.Rater(plans, _METERS, start=at(0), horizon=dt.timedelta(hours=6))
        out: list[rk.Statement | rk.Feed] = []
        previous = -1
        for mark in sorted(set(marks)):
            batch = [record for arrival, record in arrivals if previous < arrival <= mark]
            previous = mark
            if restore:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, _METERS)
            out.append(rater.feed(batch))
            if restore:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, _METERS)
            out.append(rater.statement(at(mark)))
        return out

    never = play(restore=False)
    restored = play(restore=True)
    assert restored == never
    assert _provenance(restored) == _provenance(never)


def test_a_delta_applied_while_its_span_was_kept_is_no_before_span_once_compacted() -> None:
    # A delta of 5 calls over 1 March 03:00 .. 2 March 08:00, fed at 2 March 16:00 while
    # 1 March is closed but kept (horizon 6 h): applied there. 1 March is compacted at 3
    # March 12:00 (2 March closes at 3 March 06:00). Metered again from 2 March on (a late
    # record of its resource, or a restore), its part before 2 March (21 h of 29: 5 x 21 /
    # 29 = 3.62... calls) lies before the kept cycles: no "before_span" is said of it,
    # which batch rating of the rater's cycles, from 1 March, does not say either.
    plan = rk.Plan(
        "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("api", "api", rk.PerUnit(1))]
    )
    spanned = rk.Sample(
        "a", "gw", "api", "2026-03-02T08:00:00Z", 5, since="2026-03-01T03:00:00Z", id="s"
    )
    late = rk.Sample("a", "gw", "api", "2026-03-03T10:00:00Z", 1, id="l")
    steps = [
        ("2026-03-01T15:00:00Z", []),
        ("2026-03-02T16:00:00Z", [spanned]),
        ("2026-03-03T12:00:00Z", []),
        ("2026-03-03T15:00:00Z", [late]),
    ]

    def play(restore: bool) -> list[rk.Statement | rk.Feed]:
        rater = rk.Rater(plan, [API], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=6))
        out: list[rk.Statement | rk.Feed] = []
        for watermark, batch in steps:
            out.append(rater.feed(batch))
            if restore:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [API])
            out.append(rater.statement(watermark))
        return out

    never = play(restore=False)
    assert [a for report in never for a in report.anomalies] == []
    assert play(restore=True) == never
    batch = rk.rate(
        [spanned, late],
        plan,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z"),
        meters=[API],
    )
    assert batch.anomalies == ()
    # The stream charged it all: 1 March 3.62..., 2 March the rest, and the late 1 call.
    total = sum(
        (
            line.amount
            for report in never
            if isinstance(report, rk.Statement)
            for line in report.lines
        ),
        Decimal(0),
    )
    assert total == batch.total() == Decimal(6)
