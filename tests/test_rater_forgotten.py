"""A churning fleet: resources deleted in compacted cycles are forgotten but for a tombstone.

docs/streaming.md (Deleted resources): a resource deleted in a cycle the rater compacts,
whose state can change nothing priced any more (no reading, nothing carried, no history),
is taken out of the metering state at that compaction, and a statement no longer visits
it; the snapshot keeps a tombstone of its deletion. A record that names it again (an id
reused, a late event after its deletion, a listing) brings the deleted state back before
it is judged, so the stream still adds up to one batch ``rate()`` to the last digit.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import typing

import hypothesis
import pytest
from hypothesis import strategies as st
from tests._rater_streams import (
    CALLS,
    CYCLE,
    DAY_US,
    HOUR_US,
    METERS,
    RUNTIME,
    T0,
    batch_sums,
    sums,
)
from tests._snapshots import resealed

import ratekit as rk
from ratekit import _vlq
from ratekit._instants import format_us

PLAN = rk.Plan(
    "p",
    "EUR",
    CYCLE,
    [
        rk.PriceEntry("runtime", RUNTIME.name, rk.PerUnit("0.5")),
        rk.PriceEntry("calls", CALLS.name, rk.PerUnit("0.25")),
    ],
)
Record = rk.Event | rk.Sample | rk.Inventory


def _at(us: int) -> str:
    return format_us(us)


def test_a_deleted_resource_is_forgotten_at_its_cycles_compaction_and_comes_back_when_named() -> (
    None
):
    # vm-1 runs 01:00-05:00 on 1 March and is deleted; daily cycles, no horizon: at 4
    # March 00:00 the cycles to 3 March close, and those before 3 March are compacted.
    rater = rk.Rater(PLAN, METERS, start=_at(T0))
    rater.feed(
        [
            rk.Event("a", "vm-1", _at(T0 + HOUR_US), kind="start", id="s1"),
            rk.Event("a", "vm-1", _at(T0 + 5 * HOUR_US), kind="delete", id="d1"),
        ]
    )
    first = rater.statement(_at(T0 + DAY_US))
    # 4 hours at 0.5 = 2.00
    assert [(line.quantity, line.amount) for line in first.lines] == [(4, 2)]
    rater.statement(_at(T0 + 3 * DAY_US))
    body = rater.snapshot()["body"]
    assert body["state"] == []
    # the deletion at 05:00 by d1, its clock the same (a step of 0), no listings
    assert body["gone"] == [["a", ["vm-1"], _vlq.encode([T0 + 5 * HOUR_US]), ["d1"], "A", []]]
    # A START of vm-1 on 4 March (an id reused): batch ignores it, after the deletion.
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    fed = restored.feed(
        [rk.Event("a", "vm-1", _at(T0 + 3 * DAY_US + HOUR_US), kind="start", id="s2")]
    )
    assert fed.accepted == ("s2",)
    statement = restored.statement(_at(T0 + 4 * DAY_US))
    assert not [line for line in statement.lines if line.resource == "vm-1"]
    assert [(a.kind, a.record_ids) for a in statement.anomalies] == [("after_delete", ("s2", "d1"))]
    # Named again, it is a state again until a compaction forgets it anew.
    assert [s["resource"] for s in restored.snapshot()["body"]["state"]] == ["vm-1"]


def test_a_listing_opens_a_forgotten_resource_again_as_batch_does() -> None:
    rater = rk.Rater(PLAN, METERS, start=_at(T0))
    rater.feed(
        [
            rk.Event("a", "vm-1", _at(T0 + HOUR_US), kind="start", id="s1"),
            rk.Event("a", "vm-1", _at(T0 + 5 * HOUR_US), kind="delete", id="d1"),
        ]
    )
    rater.statement(_at(T0 + 3 * DAY_US))
    assert rater.snapshot()["body"]["gone"]
    listed = rk.Inventory(
        _at(T0 + 3 * DAY_US + 6 * HOUR_US), [("a", "vm-1", {})], id="inv", accounts=["a"]
    )
    rater.feed([listed])
    statement = rater.statement(_at(T0 + 4 * DAY_US))
    # opened at 06:00 on 4 March, running to the watermark: 18 hours at 0.5 = 9.00
    assert [(line.resource, line.quantity, line.amount) for line in statement.lines] == [
        ("vm-1", 18, 9)
    ]
    assert [a.kind for a in statement.anomalies] == ["reconciled_open"]
    assert "which was deleted" in statement.anomalies[0].message


def _churn(rng: random.Random, days: int) -> list[tuple[int, Record]]:
    """Records of a churning fleet, each with the instant it arrives (never after its cycle closes).

    Each day a few VMs are started and deleted; some get a calls delta before and after
    their deletion; some ids are started again days later (reused), some get a STOP or
    a delta stamped after their deletion, fed days later but within its cycle; a
    listing now and then opens a deleted one again; one VM runs throughout.
    """
    out: list[tuple[int, Record]] = []
    deleted: list[tuple[str, str, int]] = []

    def arrive(at_us: int) -> int:  # within the record's cycle, or up to its end
        end = (at_us // DAY_US + 1) * DAY_US
        return rng.randint(at_us, end)

    out.append((T0, rk.Event("b", "keep", _at(T0), kind="start", id="keep/s")))
    for day in range(days):
        d0 = T0 + day * DAY_US
        for n in range(rng.randint(1, 4)):
            account = rng.choice("ab")
            resource = f"ci-{day}-{n}"
            start = d0 + rng.randint(0, 10) * HOUR_US
            end = start + rng.randint(1, 12) * HOUR_US
            ids = f"{resource}/"
            out.append(
                (arrive(start), rk.Event(account, resource, _at(start), kind="start", id=ids + "s"))
            )
            if rng.random() < 0.5:
                at = rng.randint(start, end)
                out.append(
                    (
                        arrive(at),
                        rk.Sample(
                            account, resource, CALLS.name, _at(at), rng.randint(1, 9), id=ids + "c"
                        ),
                    )
                )
            if end // DAY_US != start // DAY_US:
                end = start + 1  # deleted within its day
            out.append(
                (arrive(end), rk.Event(account, resource, _at(end), kind="delete", id=ids + "d"))
            )
            deleted.append((account, resource, end))
        for account, resource, gone_us in rng.sample(deleted, min(len(deleted), rng.randint(0, 2))):
            if gone_us >= d0:
                continue
            at = d0 + rng.randint(0, 23) * HOUR_US
            tag = f"{resource}/{day}"
            what = rng.choice(("start", "stop", "calls", "listing"))
            record: Record
            if what == "calls":
                record = rk.Sample(account, resource, CALLS.name, _at(at), 3, id=tag + "c")
            elif what == "listing":
                record = rk.Inventory(
                    _at(at), [(account, resource, {})], id=tag + "i", accounts=[account]
                )
            else:
                record = rk.Event(account, resource, _at(at), kind=what, id=tag + what[:2])
            out.append((arrive(at), record))
    return out


def _run(seed: int, days: int) -> tuple[rk.Rater, list[rk.StatementLine], list[Record]]:
    """The churning stream fed in random batches, with statements and restores at random."""
    rng = random.Random(seed)
    arrivals = sorted(_churn(rng, days), key=lambda item: item[0])
    horizon = dt.timedelta(hours=rng.choice((0, 3)))
    rater = rk.Rater(PLAN, METERS, start=_at(T0), horizon=horizon)
    lines: list[rk.StatementLine] = []
    watermark = T0
    index = 0
    while index < len(arrivals):
        take = rng.randint(1, 6)
        batch = arrivals[index : index + take]
        index += take
        fed = rater.feed([record for _, record in batch])
        assert not fed.too_late, fed  # each fed before its cycle closes
        watermark = max(watermark, batch[-1][0])
        if rng.random() < 0.4:
            statement = rater.statement(_at(watermark))
            lines += [*statement.lines, *statement.reported_only]
        if rng.random() < 0.2:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
            rater._check()
    statement = rater.statement(_at(T0 + (days + 3) * DAY_US))
    lines += [*statement.lines, *statement.reported_only]
    return rater, lines, [record for _, record in arrivals]


@pytest.mark.property
@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(seed=st.integers(0, 2**32 - 1), days=st.integers(3, 9))
def test_law_a_churning_stream_adds_up_to_one_batch_rate(seed: int, days: int) -> None:
    rater, lines, stream = _run(seed, days)
    span = rk.Span(_at(T0), _at(T0 + (days + 3) * DAY_US))
    batch = rk.rate(stream, PLAN, span=span, meters=METERS)
    assert sums(lines) == batch_sums(batch.charges)
    # Every VM deleted in the compacted cycles and not named since is forgotten.
    body = rater.snapshot()["body"]
    kept = {(s["account"], s["resource"]) for s in body["state"]}
    assert kept <= {("b", "keep")} | {
        (r.account, r.resource)
        for r in stream
        if not isinstance(r, rk.Inventory) and r.at_us >= rater._base_us
    } | _listed(stream)


def _listed(stream: list[Record]) -> set[tuple[str, str]]:
    return {
        (a, r)
        for record in stream
        if isinstance(record, rk.Inventory)
        for a, r, _ in record.resources
    }


def _fleet_day(day: int, vms: int, name: str) -> list[Record]:
    """``vms`` VMs started and deleted on ``day``, and one VM that runs throughout."""
    d0 = T0 + day * DAY_US
    out: list[Record] = []
    if day == 0:
        out.append(rk.Event("b", "keep", _at(T0), kind="start", id="keep/s"))
    for n in range(vms):
        resource = f"{name}-{day}-{n}"
        start = d0 + (n % 6) * HOUR_US
        out += [
            rk.Event("a", resource, _at(start), kind="start", id=f"{resource}/s"),
            rk.Sample("a", resource, CALLS.name, _at(start + HOUR_US), n + 1, id=f"{resource}/c"),
            rk.Event("a", resource, _at(start + 2 * HOUR_US), kind="delete", id=f"{resource}/d"),
        ]
    return out


@pytest.mark.property
@hypothesis.settings(max_examples=25, deadline=None)
@hypothesis.given(
    vms=st.integers(1, 6),
    later=st.integers(12, 30),
    name=st.text("abcxyz-é", min_size=1, max_size=12),
)
def test_law_the_snapshot_of_a_churning_fleet_is_flat_but_for_its_tombstones(
    vms: int, later: int, name: str
) -> None:
    rater = rk.Rater(PLAN, METERS, start=_at(T0))
    early: dict[str, object] = {}
    for day in range(later + 1):
        rater.feed(_fleet_day(day, vms, name))
        rater.statement(_at(T0 + (day + 1) * DAY_US))
        if day == 6:  # days 1 to 4 compacted by then
            early = rater.snapshot()["body"]
    body = rater.snapshot()["body"]
    # Only the VM that runs is in the metering state: every VM deleted before the kept
    # cycles is forgotten, and each has its tombstone.
    assert [(s["account"], s["resource"]) for s in body["state"]] == [("b", "keep")]
    base_day = (rater._base_us - T0) // DAY_US
    assert len(rater._gone) == vms * base_day
    # Without its tombstones the snapshot is flat: the records of the kept cycles, the
    # ids compacted last, the lines reported, as many on day ``later`` as on day 6.
    flat = {key: value for key, value in body.items() if key != "gone"}
    then = {key: value for key, value in early.items() if key != "gone"}
    assert len(json.dumps(flat)) <= len(json.dumps(then)) * 5 // 4
    # Each tombstone weighs its two ids as JSON text and at most 26 bytes more (two
    # Base64 VLQ steps and separators), and each account's columns some 40 bytes.
    ids = sum(
        len(json.dumps(resource)) + len(json.dumps(opened or ""))
        for (_, resource), (_, opened, _, _) in rater._gone.items()
    )
    assert len(json.dumps(body["gone"])) <= ids + 26 * len(rater._gone) + 40


def _forgetting() -> dict[str, object]:
    """The snapshot of a rater that forgot vm-1 (deleted 1 March 05:00, compacted)."""
    rater = rk.Rater(PLAN, METERS, start=_at(T0))
    rater.feed(
        [
            rk.Event("a", "vm-1", _at(T0 + HOUR_US), kind="start", id="s1"),
            rk.Event("a", "vm-1", _at(T0 + 5 * HOUR_US), kind="delete", id="d1"),
            rk.Event("a", "vm-2", _at(T0 + HOUR_US), kind="start", id="s2"),
        ]
    )
    rater.statement(_at(T0 + 3 * DAY_US))
    return json.loads(json.dumps(rater.snapshot()))


def _refusal(data: dict[str, object]) -> str:
    with pytest.raises(rk.BadSnapshotError) as error:
        rk.Rater.restore(resealed(data), PLAN, METERS)
    return str(error.value)


def test_a_tombstone_altered_by_hand_is_refused_with_what_is_wrong() -> None:
    data = _forgetting()
    body = typing.cast("dict[str, typing.Any]", data["body"])
    assert body["gone"] == [["a", ["vm-1"], _vlq.encode([T0 + 5 * HOUR_US]), ["d1"], "A", []]]
    # vm-1 both forgotten and in the metering state
    twice = copy.deepcopy(data)
    twice_body = typing.cast("dict[str, typing.Any]", twice["body"])
    twice_body["state"][0] = {**twice_body["state"][0], "resource": "vm-1"}
    twice_body["gone"][0][1] = ["vm-1"]
    assert _refusal(twice) == (
        "Rater snapshot is inconsistent: resource 'vm-1' of 'a' is both in the metering "
        "state and forgotten (body.gone); it was altered by hand or damaged: restore an "
        "unaltered copy."
    )
    # its clock at 3 March 00:00, the kept cycles' start: 1772496000000000 µs
    late = copy.deepcopy(data)
    typing.cast("dict[str, typing.Any]", late["body"])["gone"][0][4] = _vlq.encode(
        [2 * DAY_US - 5 * HOUR_US], signed=False
    )
    assert _refusal(late) == (
        "Rater snapshot is inconsistent: forgotten resource 'vm-1' of 'a' has its clock at "
        "2026-03-03T00:00:00Z, not before the kept cycles' start 2026-03-03T00:00:00Z: only "
        "resources deleted in compacted cycles are forgotten; it was altered by hand or "
        "damaged: restore an unaltered copy."
    )
    # two resources, one record that deleted them
    short = copy.deepcopy(data)
    typing.cast("dict[str, typing.Any]", short["body"])["gone"][0][1] = ["vm-1", "vm-3"]
    assert _refusal(short) == (
        "Rater snapshot body is malformed (at body.gone[0]: forgotten resources of 'a' "
        "list 2 resources, 1 deletions, 1 records and 1 clocks: one each); restore an "
        "unaltered copy."
    )
    # not the columns of an account
    flat = copy.deepcopy(data)
    typing.cast("dict[str, typing.Any]", flat["body"])["gone"] = [["a", "vm-1", 5, "d1", None]]
    assert _refusal(flat).startswith(
        "Rater snapshot body is malformed (at body.gone[0]: forgotten resources must be "
        "[account, [resource, ...], deletions, [opened_by or null, ...], clocks, listings], "
        "not "
    )
    # an account listed twice
    again = copy.deepcopy(data)
    gone = typing.cast("dict[str, typing.Any]", again["body"])["gone"]
    gone.append(gone[0])
    assert "body.gone[1] repeats 'a'" in _refusal(again)
    # unaltered, it restores, and vm-1 comes back when named
    restored = rk.Rater.restore(data, PLAN, METERS)
    restored._check()
    restored.feed([rk.Event("a", "vm-1", _at(T0 + 3 * DAY_US), kind="stop", id="x")])
    assert [s.resource for s in restored._state] == ["vm-1", "vm-2"]
    assert not restored._gone


def _statement_calls(rater: rk.Rater, as_of: str) -> int:
    """The function calls of one statement (cProfile: counted, not timed)."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    rater.statement(as_of)
    profile.disable()
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def test_a_resource_brought_back_is_metered_again_alone() -> None:
    # 60 VMs run from 1 March, a third of them updated each hour; an address "ip" is
    # deleted at 01:00 on 1 March, forgotten once that day is compacted, and allocated
    # again (its id reused) on 5 March at 02:00. The statement after is that of a late
    # record of one resource (that resource metered again from the kept cycles' start),
    # not that after a restore (every resource metered again): it was both before.
    hour = dt.timedelta(hours=1)
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    rater = rk.Rater(PLAN, [RUNTIME], start=start)
    rater.feed(
        [rk.Event("a", f"vm{i}", start, {"s": 0}, kind="start", id=f"s{i}") for i in range(60)]
    )
    rater.feed(
        [
            rk.Event("a", "ip", start, kind="start", id="ip/1"),
            rk.Event("a", "ip", start + hour, kind="delete", id="ip/2"),
        ]
    )
    for step in range(1, 24 * 4 + 2):
        at = start + step * hour
        rater.feed(
            [
                rk.Event("a", f"vm{i}", at, {"s": step}, kind="update", id=f"u{step}/{i}")
                for i in range(0, 60, 3)
            ]
        )
        rater.statement(at + dt.timedelta(minutes=1))
    assert ("a", "ip") in rater._gone
    at = start + (24 * 4 + 2) * hour
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [RUNTIME])
    for each in (rater, restored):
        each.feed([rk.Event("a", "ip", at, kind="start", id="ip/3")])
    as_of = (at + dt.timedelta(minutes=1)).isoformat()
    brought_back = _statement_calls(rater, as_of)
    everything = _statement_calls(restored, as_of)
    assert brought_back < 0.7 * everything, (brought_back, everything)
    # and the two raters stand alike after it
    assert rater.snapshot() == restored.snapshot()


def test_tombstones_share_the_listing_that_covered_them_and_refuse_a_bad_index() -> None:
    # vm-1 and vm-2 run on 1 March and are deleted at 05:00 and 06:00; a listing of the
    # whole platform at 07:00 lists neither (it covers both), and 3 March's statement
    # compacts 1 March: both are forgotten, their listing written once in the snapshot's
    # table (body.gone_listings: its instant, its inventories), indices 1, 1.
    rater = rk.Rater(PLAN, METERS, start=_at(T0))
    rater.feed(
        [
            rk.Event("a", "keep", _at(T0), kind="start", id="k"),
            *[
                rk.Event("a", f"vm-{n}", _at(T0 + HOUR_US), kind="start", id=f"s{n}")
                for n in (1, 2)
            ],
            rk.Event("a", "vm-1", _at(T0 + 5 * HOUR_US), kind="delete", id="d1"),
            rk.Event("a", "vm-2", _at(T0 + 6 * HOUR_US), kind="delete", id="d2"),
            rk.Inventory(_at(T0 + 7 * HOUR_US), [("a", "keep")], id="i7"),
        ]
    )
    rater.statement(_at(T0 + 3 * DAY_US))
    data = rater.snapshot()
    body = typing.cast("dict[str, typing.Any]", data["body"])
    (account,) = body["gone"]
    assert account[1] == ["vm-1", "vm-2"]
    assert body["gone_listings"] == [
        _vlq.encode([T0 + 7 * HOUR_US]),
        [[["i7", None, "snapshot"]]],
    ]
    assert _vlq.decode(account[5], "indices", signed=False) == [1, 1]
    restored = rk.Rater.restore(json.loads(json.dumps(data)), PLAN, METERS)
    assert restored.snapshot() == data
    beyond = copy.deepcopy(data)
    typing.cast("dict[str, typing.Any]", beyond["body"])["gone"][0][5] = _vlq.encode(
        [1, 2], signed=False
    )
    assert _refusal(beyond) == (
        "Rater snapshot body is malformed (at body.gone[0]: forgotten resources of 'a' give "
        "2 listings' indices for 2 resources, each 0 (none) to 1 (body.gone_listings' "
        "listings): one each, within the table); restore an unaltered copy."
    )
    flat = copy.deepcopy(data)
    typing.cast("dict[str, typing.Any]", flat["body"])["gone"][0][5] = [[1, {}]]
    assert _refusal(flat).startswith(
        "Rater snapshot body is malformed (at body.gone[0]: forgotten resources' listings "
        "must be [], indices in body.gone_listings (a string of Base64 VLQ integers) or, as "
        "snapshots wrote them before, [[listings, ...], indices], not "
    )
