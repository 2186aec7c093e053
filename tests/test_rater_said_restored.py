"""A restored rater says the anomalies the rater never restored says, each once.

Four streams a user's differential test found (a rater restored at one point against one
never restored, on the same feeds and statements): the lines were equal, the anomalies
not.

- The snapshot kept the anomalies said since the last compaction and those said before
  it in one list: restored, all counted as said since, and the next compaction kept
  what the rater that wrote the snapshot forgot. The snapshot now lists the older ones
  apart (``said_before``), and restore puts each where it was.
- A compaction forgot the anomalies of a record compacted into a state's history, which
  metering replays with a kept event its ``seq`` orders before: said again. It now
  keeps those too.
- A ``"negative_total"`` of a kept cycle whose records have no id was forgotten by the
  second compaction while its cycle was still kept and rated: said again. An anomaly at
  an instant of the kept cycles is now kept known.
- A delta without an id over a span that began before the kept cycles was metered again
  after a restore and read as a ``"late"`` change there, though it was charged on time:
  a false alarm, now told by the resource as for records with an id.

And one a never-restored rater missed: the ``"negative_total"`` of a cycle crossed by a
correction whose span ends at the watermark, held back as if about an event stamped there.
Then three from a later review: a ``"late"`` change said again when metered once some of
its records were compacted away (by a ``seq`` order, or after a restore), and a false
``"late"`` after a restore for a ``last_seen`` snapshot that lists the resource.
"""

from __future__ import annotations

import datetime as dt
import json
import typing

import pytest
from tests._snapshots import resealed, version_4

import ratekit as rk
from ratekit import _snapshot_remembered

ZURICH = rk.cycles.daily(tz="Europe/Zurich")
Op = tuple[str, object]


def _both(
    plan: rk.Plan, meters: list[rk.Meter], ops: list[Op], **options: object
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Each anomaly said (step, kind, message) by a rater never restored and one restored
    at each ``("restore", None)``; asserts their lines are equal."""
    plain = rk.Rater(plan, meters, **options)  # type: ignore[arg-type]
    restored = rk.Rater(plan, meters, **options)  # type: ignore[arg-type]
    said: dict[str, list[tuple[str, str, str]]] = {"plain": [], "restored": []}
    lines: dict[str, list[object]] = {"plain": [], "restored": []}
    for what, arg in ops:
        if what == "restore":
            data = json.loads(json.dumps(restored.snapshot()))
            restored = rk.Rater.restore(data, plan, meters)
            continue
        for name, rater in (("plain", plain), ("restored", restored)):
            if what == "feed":
                out: rk.Feed | rk.Statement = rater.feed(arg)  # type: ignore[arg-type]
            else:
                out = rater.statement(arg)  # type: ignore[arg-type]
                lines[name] += [(x.key, x.quantity, x.amount) for x in out.lines]
            said[name] += [
                (f"{what} {arg if what == 'statement' else ''}", a.kind, a.message)
                for a in out.anomalies
            ]
    assert lines["plain"] == lines["restored"]
    return said["plain"], said["restored"]


def test_anomalies_said_before_the_last_compaction_stay_apart_across_a_restore() -> None:
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "B", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.11"))]
    )
    ops: list[Op] = [
        (
            "feed",
            [
                rk.Event(
                    "g", "vm-4", "2026-03-01T12:42:00Z", {"f": "s"}, kind="start", id="r5", seq=962
                )
            ],
        ),
        (
            "feed",
            [
                rk.Event(
                    "g", "vm-4", "2026-03-02T03:58:00Z", {"f": "b"}, kind="update", id="r6", seq=338
                )
            ],
        ),
        ("statement", "2026-03-04T22:11:00Z"),
        # seq 151 orders r10 before r5 and r6, compacted: too late in part.
        (
            "feed",
            [
                rk.Event(
                    "g", "vm-4", "2026-03-04T08:58:00Z", {"f": "b"}, kind="start", id="r10", seq=151
                )
            ],
        ),
        ("restore", None),
        ("statement", "2026-03-05T09:38:00Z"),
        ("statement", "2026-03-06T06:00:00Z"),
    ]
    plain, restored = _both(
        plan, [vm], ops, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=6)
    )
    assert plain == restored
    # r5's out_of_order is said once: at the first statement (r6, seq 338, comes before
    # it), not again when r10 moves it behind 4 March 08:58 (r5 is in the state's
    # history then).
    kinds = [(step, kind) for step, kind, _ in plain]
    assert kinds == [
        ("statement 2026-03-04T22:11:00Z", "out_of_order"),
        ("feed ", "too_late"),
        ("statement 2026-03-05T09:38:00Z", "late"),
        ("statement 2026-03-05T09:38:00Z", "out_of_order"),
    ]
    assert [m.split(" (")[0] for _, k, m in plain if k == "out_of_order"] == [
        "event 'r5'",
        "event 'r6'",
    ]


def test_a_counter_s_anomalies_alike_restored() -> None:
    counter = rk.Meter("bytes", "B", rk.Counter(from_zero=True))
    plan = rk.Plan("A", "EUR", ZURICH, [rk.PriceEntry("bytes", "bytes", rk.PerUnit("0.001"))])
    ops: list[Op] = [
        ("feed", [rk.Sample("b", "vm-3", "bytes", "2026-03-27T22:34:00Z", 2800, kind="counter")]),
        ("statement", "2026-03-29T22:08:00Z"),
        ("feed", [rk.Sample("b", "vm-3", "bytes", "2026-03-29T23:09:00Z", 453, kind="counter")]),
        ("statement", "2026-03-30T09:34:00Z"),
        ("restore", None),
        ("statement", "2026-03-31T13:20:00Z"),
        ("statement", "2026-04-01T04:00:00Z"),
    ]
    plain, restored = _both(
        plan, [counter], ops, start="2026-03-26T23:00:00Z", horizon=dt.timedelta(hours=6)
    )
    assert plain == restored
    assert len(plain) == len(set(plain))


def test_a_negative_total_of_a_kept_cycle_is_said_once() -> None:
    calls = rk.Meter("calls", "call", rk.Discrete())
    counter = rk.Meter("bytes", "B", rk.Counter(from_zero=True))
    plan = rk.Plan(
        "A",
        "EUR",
        ZURICH,
        [
            rk.PriceEntry("calls", "calls", rk.Package(10, "0.3")),
            rk.PriceEntry("bytes", "bytes", rk.PerUnit("0.001")),
        ],
        fees=[rk.Fee("base", "1.5")],
        minimums=[rk.Minimum(4), rk.Minimum(1, meter="calls")],
        allowances=[rk.Allowance("calls", 5)],
    )
    ops: list[Op] = [
        # -3 calls, no id: the group's total in the cycle of 29 March is negative.
        ("feed", [rk.Sample("acme", "gw-1", "calls", "2026-03-29T07:13:00Z", -3)]),
        ("statement", "2026-03-29T09:31:00Z"),
        ("restore", None),
        ("statement", "2026-03-30T21:19:00Z"),
        (
            "feed",
            [
                rk.Sample(
                    "acme", "vm-1", "bytes", "2026-03-30T19:03:00Z", 4714, kind="counter", id="r64"
                )
            ],
        ),
        ("statement", "2026-04-01T04:00:00Z"),
    ]
    plain, restored = _both(
        plan, [calls, counter], ops, start="2026-03-26T23:00:00Z", horizon=dt.timedelta(hours=6)
    )
    assert plain == restored
    assert [(step, kind) for step, kind, _ in plain] == [
        ("statement 2026-03-29T09:31:00Z", "negative_total")
    ]


@pytest.mark.parametrize("restore", [False, True])
def test_a_negative_total_of_a_correction_ending_at_the_watermark_is_said_at_once(
    restore: bool,
) -> None:
    """A correction whose span ends at the watermark is metered there: the negative totals
    of both cycles its span crosses are said by that statement, as batch rating says them,
    not held back as if it were an event stamped at the watermark (the first cycle's was
    then never said by a rater never restored, as its cycle closed before the next)."""
    calls = rk.Meter("calls", "call", rk.Discrete())
    plan = rk.Plan("A", "EUR", ZURICH, [rk.PriceEntry("calls", "calls", rk.Package(10, "0.3"))])
    # -3 calls over 15:00..00:00 UTC (9 h), cut at Zurich's midnight (23:00 UTC):
    # 8 h in the cycle of 27 March, -3 * 8/9 = -2.666...667; 1 h in that of 28 March,
    # -3 * 1/9 = -0.333...333.
    correction = rk.Sample(
        "acme", "gw-1", "calls", "2026-03-28T00:00:00Z", -3, since="2026-03-27T15:00:00Z", id="r15"
    )
    ops: list[Op] = [
        ("feed", [correction]),
        ("statement", "2026-03-28T00:00:00Z"),
        *([("restore", None)] if restore else []),
        ("statement", "2026-04-01T04:00:00Z"),
    ]
    plain, restored = _both(
        plan, [calls], ops, start="2026-03-26T23:00:00Z", horizon=dt.timedelta(hours=6)
    )
    assert plain == restored
    totals = [
        (step, kind, message.split(" totals ")[1].split(" call")[0])
        for step, kind, message in plain
    ]
    assert totals == [
        ("statement 2026-03-28T00:00:00Z", "negative_total", "-2.666666666666666666666667"),
        ("statement 2026-03-28T00:00:00Z", "negative_total", "-0.333333333333333333333333"),
    ]
    batch = rk.rate(
        [correction],
        plan,
        span=rk.Span("2026-03-26T23:00:00Z", "2026-03-28T23:00:00Z"),
        meters=[calls],
    )
    assert sorted(a.message for a in batch.anomalies) == sorted(m for _, _, m in plain)


def test_a_delta_without_id_charged_on_time_is_no_late_change_after_a_restore() -> None:
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    calls = rk.Meter("calls", "call", rk.Discrete())
    plan = rk.Plan(
        "A",
        "EUR",
        ZURICH,
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.07")),
            rk.PriceEntry("calls", "calls", rk.PerUnit("0.3")),
        ],
    )
    ops: list[Op] = [
        (
            "feed",
            [
                # Over 28 March 20:40 to 29 March 03:51 UTC: across local midnight (23:00 UTC).
                rk.Sample(
                    "b", "gw-2", "calls", "2026-03-29T03:51:00Z", -3, since="2026-03-28T20:40:00Z"
                ),
                rk.Event("b", "vm-3", "2026-03-28T01:38:00Z", kind="stop", id="r8"),
            ],
        ),
        ("statement", "2026-03-30T22:31:00Z"),
        ("restore", None),
        ("statement", "2026-04-01T22:00:00Z"),
    ]
    plain, restored = _both(
        plan, [vm, calls], ops, start="2026-03-26T23:00:00Z", horizon=dt.timedelta(days=1)
    )
    assert plain == restored
    assert [kind for _, kind, _ in plain] == ["orphan_stop"]


def _said_before_snapshot() -> dict[str, object]:
    """The snapshot of the first test's rater after its first statement: one anomaly said
    before the last compaction."""
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "B", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.11"))]
    )
    rater = rk.Rater(plan, [vm], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=6))
    rater.feed(
        [rk.Event("g", "vm-4", "2026-03-01T12:42:00Z", {"f": "s"}, kind="start", id="r5", seq=962)]
    )
    rater.feed(
        [rk.Event("g", "vm-4", "2026-03-02T03:58:00Z", {"f": "b"}, kind="update", id="r6", seq=338)]
    )
    rater.statement("2026-03-04T22:11:00Z")
    rater.statement("2026-03-06T22:11:00Z")
    return typing.cast("dict[str, object]", json.loads(json.dumps(rater.snapshot())))


def test_the_snapshot_lists_the_anomalies_said_before_apart() -> None:
    data = _said_before_snapshot()
    body = typing.cast("dict[str, list[object]]", data["body"])
    # Version 5: their indices into the anomalies, as packed steps; version 4 listed
    # each again, as the anomalies list it.
    indices = _snapshot_remembered.decode_said_before(body["said_before"], len(body["anomalies"]))
    assert indices
    old = typing.cast(
        "dict[str, list[object]]", version_4(typing.cast("dict[str, typing.Any]", data))["body"]
    )
    assert old["said_before"] == [body["anomalies"][index] for index in indices]
    assert old["anomalies"] == body["anomalies"]


def test_an_anomaly_said_before_that_the_snapshot_does_not_list_is_refused() -> None:
    # As version 4 wrote it (each listed again); version 5's index beyond the anomalies:
    # tests/test_snapshot_remembered.py.
    data = version_4(typing.cast("dict[str, typing.Any]", _said_before_snapshot()))
    body = typing.cast("dict[str, list[object]]", data["body"])
    body["anomalies"] = [a for a in body["anomalies"] if a not in body["said_before"]]
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "B", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.11"))]
    )
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(data), plan, [vm])
    assert str(caught.value) == (
        "Rater snapshot body.said_before[0] is not among body.anomalies: it lists anomalies "
        "said before the last compaction, each of them an anomaly the snapshot lists; "
        "restore an unaltered copy."
    )


def test_a_late_change_named_by_fewer_records_is_not_said_again() -> None:
    # vm-4 starts at 1 March 02:00 (r37, seq 771) and again at 2 March 05:40 (r38). The
    # update r40 (seq 185) is ordered before r37, in a cycle compacted already: too late
    # there, and the statement after it says the late change it makes there (-22 h,
    # named by r38 and r40). The next statement meters vm-4 again once r38 is compacted
    # too: the same change, named by r40 alone, is not said again.
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "B", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.11"))]
    )
    ops: list[Op] = [
        (
            "feed",
            [
                rk.Event("g", "vm-4", "2026-03-02T05:40:00Z", {"mb": 128}, kind="start", id="r38"),
                rk.Event(
                    "g",
                    "vm-4",
                    "2026-03-01T02:00:00Z",
                    {"mb": 512},
                    kind="start",
                    id="r37",
                    seq=771,
                ),
            ],
        ),
        ("statement", "2026-03-04T00:00:00.000001Z"),
        (
            "feed",
            [
                rk.Event(
                    "g",
                    "vm-4",
                    "2026-03-03T14:00:00Z",
                    {"zone": "z1"},
                    kind="update",
                    id="r40",
                    seq=185,
                )
            ],
        ),
        ("statement", "2026-03-04T13:09:00Z"),
        ("restore", None),
        ("statement", "2026-03-05T00:01:00Z"),
    ]
    plain, restored = _both(
        plan, [vm], ops, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(minutes=1)
    )
    assert plain == restored
    late = [(step, message) for step, kind, message in plain if kind == "late"]
    assert late == [
        (
            "statement 2026-03-04T13:09:00Z",
            (
                "late records of 'vm-4' of 'g' change meter 'vm.hours' by -22 hour under "
                "description {'mb': 512} over 2026-03-01T02:00:00Z..2026-03-02T00:00:00Z, "
                "before what was already metered: see Usage.late."
            ),
        )
    ]


def test_a_last_seen_inventory_that_lists_the_resource_is_no_late_change_after_a_restore() -> None:
    # A last_seen snapshot (with or without an id) lists vol-1 with another zone: a
    # correction at its instant, after the state's clock. Metered again from the
    # compacted state after a restore, it is no late record that "changes no quantity"
    # (it closes nothing before the clock): the restored rater says what the other says.
    disk = rk.Meter("disk", "GB*hour", rk.Continuous("size"))
    plan = rk.Plan(
        "A",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry("disk-z1", "disk", rk.PerUnit("0.001"), where={"zone": "z1"}),
            rk.PriceEntry("disk", "disk", rk.PerUnit("0.002"), priority=-1),
        ],
    )
    for inventory_id in (None, "inv"):
        ops: list[Op] = [
            (
                "feed",
                [
                    rk.Event(
                        "acme",
                        "vol-1",
                        "2026-03-01T08:58:00Z",
                        {"zone": "z2", "size": 10},
                        kind="start",
                        id="e1",
                    )
                ],
            ),
            (
                "feed",
                [
                    rk.Inventory(
                        "2026-03-02T09:21:00Z",
                        {("acme", "vol-1"): {"zone": "z1"}},
                        close="last_seen",
                        id=inventory_id,
                    )
                ],
            ),
            ("statement", "2026-03-03T23:55:00Z"),
            ("restore", None),
            ("statement", "2026-03-05T00:01:00Z"),
        ]
        plain, restored = _both(
            plan, [disk], ops, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(minutes=1)
        )
        assert plain == restored
        assert [kind for _, kind, _ in plain] == ["reconciled_update"]


def test_a_late_change_said_is_not_said_again_after_a_restore() -> None:
    # A last_seen snapshot closes vm-5 back at its START (its last sign of life); a STOP
    # stamped between comes after, too late for the compacted part: the statement after
    # it says the late change (named by the STOP and the snapshot). A restored rater,
    # metering vm-5 again from the compacted state, finds it named by the snapshot
    # alone: the same change, not said again.
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "A",
        "EUR",
        rk.cycles.every(dt.timedelta(hours=7), anchor="2026-03-01T00:00:00Z"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.1"))],
    )
    ops: list[Op] = [
        ("feed", [rk.Inventory("2026-03-02T06:00:00Z", [], close="last_seen", id="inv")]),
        ("feed", [rk.Event("beta", "vm-5", "2026-03-01T02:00:00Z", kind="start", id="on")]),
        ("statement", "2026-03-02T17:17:00.000001Z"),
        ("feed", [rk.Event("beta", "vm-5", "2026-03-02T00:52:00Z", kind="stop", id="off")]),
        ("statement", "2026-03-03T15:58:00.000001Z"),
        ("restore", None),
        ("statement", "2026-03-06T02:00:00Z"),
    ]
    plain, restored = _both(
        plan, [vm], ops, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=1)
    )
    assert plain == restored
    assert [(step, kind) for step, kind, _ in plain] == [
        ("statement 2026-03-02T17:17:00.000001Z", "reconciled_close"),
        ("feed ", "too_late"),
        ("statement 2026-03-03T15:58:00.000001Z", "late"),
    ]
