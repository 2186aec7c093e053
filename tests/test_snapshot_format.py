"""The rater's snapshot format: the compact version 2, and version 1 still read.

``data/snapshots/rater_v1.json`` was written by the code before version 2: the records
fed (in `ratekit._snapshot.encode_record()`'s form) and the statements asked, step by
step, then the snapshot of version 1 taken at the end. Replayed into a new rater, the
steps give the state the old snapshot holds: restored, it must say exactly what the
replayed rater says.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._rater_streams import METERS, PLANS, T0, Record
from tests._snapshots import replayed, version_3, version_4

import ratekit as rk
from ratekit import _snapshot, _snapshot_reported, _vlq
from ratekit._instants import format_us


def _replayed() -> tuple[dict[str, Any], rk.Rater]:
    """The version 1 snapshot, and a rater fed the steps that led to it."""
    return replayed("rater_v1.json", PLANS, METERS, T0)


def test_a_version_1_snapshot_still_restores() -> None:
    old, replayed = _replayed()
    assert old["version"] == 1
    restored = rk.Rater.restore(old, PLANS, METERS)
    restored._check()
    # The same state: the snapshot the restored rater writes is the replayed one's, but
    # for the account, resource and instant of the anomalies said before (a version 1
    # snapshot was written before anomalies had them: they restore as None).
    # Nor for a line taken away whole, which the rater then reported at 0 and now forgets
    # (usage coming back is a charge again): the version 1 snapshot still holds it.
    # Nor for the rater's first cycle, which a version 1 snapshot does not hold: restored,
    # it starts at the kept cycles (what it charged before them is not known).
    # Nor for which anomalies were said before the last compaction, which a snapshot
    # written before `said_before` lists with the others: restored, all count as said
    # since (none is said again).
    # Nor for the digests of the ids compacted away: the fixture's are of the content as
    # written (matched still), the replayed rater's of each number by its value.
    # Nor for the words of the one anomaly about a record without an id, which now name
    # its account and no longer repeat what its label says.
    mine, theirs = restored.snapshot(), replayed.snapshot()
    worded = (
        "event (start of 'b-vm0' at 2026-03-02T20:29:00Z, no id) (start of 'b-vm0' at "
        "2026-03-02T20:29:00Z) comes after the resource was deleted at 2026-03-02T17:48:00Z: "
        "it is ignored."
    )
    now = (
        "event (start of 'b-vm0' of 'b' at 2026-03-02T20:29:00Z, no id) comes after the "
        "resource was deleted at 2026-03-02T17:48:00Z: it is ignored."
    )
    assert [item[1] for item in mine["body"]["anomalies"]].count(worded) == 1
    mine["body"]["anomalies"] = [
        [item[0], now, *item[2:]] if item[1] == worded else item
        for item in mine["body"]["anomalies"]
    ]
    assert [item[:2] for item in mine["body"]["forgotten"]] == [
        item[:2] for item in theirs["body"].pop("forgotten")
    ]
    mine["body"].pop("forgotten")
    assert "start_us" not in mine["body"]
    assert theirs["body"].pop("start_us") < theirs["body"]["base_us"]
    assert "said_before" not in mine["body"]
    theirs["body"].pop("said_before", None)
    # (the lines the version 1 snapshot reported at 0, taken away whole: see below)
    at_zero = {
        (key[0], key[1], *key[3:8])
        for key, totals in _snapshot_reported.decode_reported(mine["body"]["reported"])
        if totals == (0, 0)
    }
    for data in (mine, theirs):
        body = data["body"]
        body["anomalies"] = [item[:3] for item in body["anomalies"]]
        body["reported"] = sorted(
            (key, totals)
            for key, totals in _snapshot_reported.decode_reported(body["reported"])
            if totals != (0, 0)
        )
        del data["checksum"]
    # Nor for the amounts of time lines this version prices at their exact time (docs/
    # usage.md, "Exact quantities that add up"), which the version 1 snapshot reported
    # priced at their slices: a-odd's 0.499965706666666666666667 hour of day 2 (a tier
    # of 0.07) is 0.0349975994666...667 (60 digits), not 0.03499759946666666666666669,
    # and the minimum that tops it up follows; groups whose running time is now a
    # fraction give amounts rounded at their 60th digit (b-vm0's 4.8 hours at 0.04 are
    # 0.19199...998 beside the others). The same lines, quantities and bills, amounts
    # within 1e-23 of each other; said once by the restored rater, each as a reversal
    # of what it reported and a correction to what it rates now (where the replayed
    # rater says that line again anyway, its reversal is of the amount as it reported).
    changed = {}
    requantified = {}
    for (key, (quantity, amount)), (other, (replayed_quantity, replayed_amount)) in zip(
        mine["body"]["reported"], theirs["body"]["reported"], strict=True
    ):
        assert key == other
        if quantity != replayed_quantity:
            # Nor for the quantity of a fee's part of a cycle split by a change of plan,
            # which this version rounds as its positions at 60 decimal places (so that the
            # parts add up to 1 at most, docs/pricing.md), not at its 60th digit: 0.0416...
            # 7407 (61 places) is now 0.0416...741 (60), the same share within 1E-60.
            assert (key[3], key[8]) == ("fee", "cycle"), key
            assert abs(Decimal(quantity) - Decimal(replayed_quantity)) <= Decimal("1e-60")
            assert amount == replayed_amount
            requantified[(key[0], key[1], *key[3:8])] = (quantity, replayed_quantity)
            continue
        if amount != replayed_amount:
            assert key[8] in {"hour", "cycle"}
            assert key[3] in {"usage", "minimum"}
            assert abs(amount - replayed_amount) < Decimal("1e-23")
            changed[(key[0], key[1], *key[3:8])] = (amount, replayed_amount)
    assert len(changed) == 5
    mine["body"].pop("reported")
    theirs["body"].pop("reported")
    assert mine == theirs
    at = "2026-03-04T06:00:00Z"
    said, replayed_said = restored.statement(at), replayed.statement(at)
    assert said.invoices == replayed_said.invoices

    def named(line: rk.StatementLine) -> tuple[object, ...]:
        return (
            line.account,
            line.cycle.start_us,
            line.kind,
            line.plan,
            line.meter,
            line.entry,
            line.resource,
        )

    extra = []
    forgotten = []
    for line in said.lines:
        found = changed.get(named(line))
        if named(line) in at_zero and line.role == "reversal":
            # A line taken away whole that the version 1 snapshot still reports at 0 has no
            # charge: the restored rater takes it back (a reversal of 0, docs/streaming.md:
            # a line gone is a reversal alone) and forgets it, as the replayed one has.
            forgotten.append((line.quantity, line.amount))
            continue
        if found is not None and line.role == "reversal":
            assert line.amount == found[0].copy_negate()
            # as the replayed rater reverses it: the amount it reported
            extra.append(attrs.evolve(line, amount=found[1].copy_negate()))
        elif named(line) in requantified and line.role == "reversal":
            reported, replayed_quantity = requantified[named(line)]
            assert line.quantity == Decimal(reported).copy_negate()
            # as the replayed rater reverses it: the quantity it reported
            quantity = Decimal(replayed_quantity).copy_negate()
            extra.append(attrs.evolve(line, quantity=quantity))
        else:
            extra.append(line)
    for line in replayed_said.lines:
        extra.remove(line)
    assert forgotten
    assert all(quantity == amount == 0 for quantity, amount in forgotten)
    said_again = set(map(named, replayed_said.lines))
    restated = [key for key in changed if key not in said_again]
    # b-vm1's 3 March the replayed rater says again itself, and a's plan-wide minimum of
    # 2 March too: a's egress line there is said (a correction of 0 to 0), and a minimum
    # is said with every line it counts (docs/streaming.md, Closing and lateness)
    assert len(restated) == 3
    assert sorted((line.role, line.amount) for line in extra) == sorted(
        [("reversal", changed[key][1].copy_negate()) for key in restated]
        + [("correction", changed[key][1]) for key in restated]
    )
    at = "2026-03-06T00:00:00Z"
    assert restored.statement(at) == replayed.statement(at)


# -- version 2: random records through snapshot -> JSON -> restore -> snapshot --------------

DAY_US = 86_400_000_000
T0_US = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
EGRESS = rk.Meter("egress", "B", rk.Counter())
CALLS = rk.Meter("calls", "call", rk.Discrete())
LITTLE = (RUNTIME, MEMORY, EGRESS, CALLS)
DAILY = rk.Plan(
    "daily",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("runtime", "runtime", rk.PerUnit("0.1")),
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.0001")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.001")),
        rk.PriceEntry("calls", "calls", rk.PerUnit("0.003")),
    ],
)
# Decimals with their exponents: '1.50', '2E+1', '0.000' must come back as written.
_AMOUNTS = st.builds(
    Decimal,
    st.sampled_from(["0", "1.50", "1.5", "2E+1", "0.000", "7", "123456789", "3.14159", "1E-7"]),
) | st.integers(0, 10**12).map(Decimal)
_NESTED = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text("aé😀", max_size=3) | _AMOUNTS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text("ab", max_size=2), inner, max_size=2)
    ),
    max_leaves=6,
)
_ATTRIBUTES = st.fixed_dictionaries(
    {}, optional={"memory_mb": st.sampled_from([256, Decimal("512.0"), 1024]), "tags": _NESTED}
)


@st.composite
def _records(draw: st.DrawFn) -> list[Record]:
    """A few events and samples of two accounts' resources, each with a unique id or none."""
    out: list[Record] = []
    for number in range(draw(st.integers(0, 14))):
        account = draw(st.sampled_from(["a", "b"]))
        resource = draw(st.sampled_from(["vm-1", "vm-2", "fn"]))
        at_us = T0_US + draw(st.integers(0, 2 * DAY_US))  # to the µs
        at = format_us(at_us)
        record_id = draw(
            st.none() | st.sampled_from([f"r{number}", f"r0{number}", f"id-{number}-x", "r00"])
        )
        seq = draw(st.none() | st.integers(-3, 10**12))
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["start", "update", "stop", "delete"]))
            attributes = draw(_ATTRIBUTES)
            out.append(
                rk.Event(account, resource, at, attributes, kind=kind, id=record_id, seq=seq)
            )
        elif draw(st.booleans()):
            back = draw(st.none() | st.integers(1, DAY_US))
            since = None if back is None else format_us(at_us - back)
            value = draw(_AMOUNTS)
            out.append(
                rk.Sample(account, resource, "calls", at, value, since=since, id=record_id, seq=seq)
            )
        else:
            value = draw(_AMOUNTS)
            out.append(
                rk.Sample(account, resource, "egress", at, value, kind="counter", id=record_id)
            )
    return out


def _values(rater: rk.Rater) -> list[tuple[object, ...]]:
    """The kept records with their Decimals as written (``==`` takes 1.5 for 1.50).

    Sorted: a snapshot keeps them per resource, not in the order they were fed.
    """
    return sorted(
        (repr(record), str(getattr(record, "value", "")), getattr(record, "seq", None))
        for record in rater._records.values()
    )


@settings(max_examples=max(LAWS // 8, FLOOR), deadline=None)
@given(records=_records(), cut=st.integers(0, 14), watermark_h=st.integers(0, 60))
def test_random_records_come_back_from_a_snapshot_exactly(
    records: list[Record], cut: int, watermark_h: int
) -> None:
    rater = rk.Rater(DAILY, LITTLE, start=format_us(T0_US), horizon=dt.timedelta(hours=6))
    rater.feed(records[:cut])
    rater.statement(format_us(T0_US + watermark_h * 3_600_000_000))
    rater.feed(records[cut:])
    data = rater.snapshot()
    assert data["version"] == 5
    again = rk.Rater.restore(json.loads(json.dumps(data)), DAILY, LITTLE)
    again._check()
    # The same data, to the byte: ids, seq, descriptions, Decimals with their exponents,
    # instants to the µs.
    assert again.snapshot() == data
    assert _values(again) == _values(rater)
    # The same as version 4 and 3 wrote it (the ids compacted away one list each; the
    # columns as lists too): the same state again.
    assert rk.Rater.restore(version_4(data), DAILY, LITTLE).snapshot() == data
    assert rk.Rater.restore(version_3(data), DAILY, LITTLE).snapshot() == data
    # ... and the restored rater says what the original says next.
    at = format_us(T0_US + 3 * DAY_US)
    assert again.statement(at) == rater.statement(at)


# -- version 2 forged: each column refused naming its path -------------------------------------

VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
CALLS_ONLY = rk.Meter("calls", "call", rk.Discrete())
SMALL = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)),
        rk.PriceEntry("calls", "calls", rk.PerUnit(1)),
    ],
)


def _small() -> dict[str, Any]:
    """A snapshot of an event and a sample of vm-1, an hour and a half after the event."""
    rater = rk.Rater(SMALL, [VM_HOURS, CALLS_ONLY], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"f": "s"}, kind="start", id="e1"),
            rk.Sample("a", "vm-1", "calls", "2026-03-01T12:30:00Z", "1.50", id="s1"),
        ]
    )
    rater.statement("2026-03-01T14:00:00Z")
    data: dict[str, Any] = json.loads(json.dumps(rater.snapshot()))
    return data


def test_version_2_writes_columns_and_tables() -> None:
    body = version_3(_small())["body"]  # as version 2 and 3 wrote it
    # 12:30 is 30 min = 1,800,000,000 µs after 12:00; the shapes as runs (shape 0 once,
    # shape 1 once); the ids as given (no one prefix); '1.50' as written.
    assert body["by_resource"] == {
        "attributes": [{"f": "s"}],
        "shapes": [["E", "start", 0], ["S", "delta", "calls"]],
        "groups": [
            [
                "a",
                "vm-1",
                [1_772_366_400_000_000, 1_800_000_000],
                [0, 1, 1, 1],
                ["e1", "s1"],
                ["1.50"],
            ]
        ],
    }
    # 1.50 calls at 1 = 1.50, said as its sum; 2 hours (12:00 to 14:00) at 1 = 2.
    assert body["reported"] == {
        "names": ["a", "vm-1"],
        "heads": [
            [
                1_772_323_200_000_000,
                1_772_409_600_000_000,
                "usage",
                "p",
                "calls",
                "calls",
                "call",
                "EUR",
            ],
            [
                1_772_323_200_000_000,
                1_772_409_600_000_000,
                "usage",
                "p",
                "vm.hours",
                "vm",
                "hour",
                "EUR",
            ],
        ],
        "lines": [[0, 0, 1, "1.5", "1.5"], [0, 1, 1, "2", "2"]],
    }


def test_version_4_packs_the_columns_of_integers() -> None:
    body = _small()["body"]
    # The columns of version 3 (above), each column of integers one string of Base64 VLQ
    # (five bits a character, the lowest first; a character from g on says another
    # follows; a signed number doubled, plus one if negative): 12:00 and 30 min on, the
    # shapes' runs 0, 1, 1, 1 (A, B, B, B), '1.50' as its coefficient 150 with its sign
    # (300: s, J) and its exponent -2 (5: F).
    assert body["by_resource"] == {
        "attributes": [{"f": "s"}],
        "shapes": [["E", "start", 0], ["S", "delta", "calls"]],
        "groups": [["a", "vm-1", "ggo811p93kDggpnprD", "ABBB", ["e1", "s1"], "sJF"]],
    }
    (group,) = body["by_resource"]["groups"]
    assert _vlq.decode(group[2], "at") == [1_772_366_400_000_000, 1_800_000_000]
    # The lines in four columns: both of account 0 (A, A), of heads 0 and 1 (A, B), of
    # resource 1 (one more: C, C), and the totals 1.5, 1.5, 2, 2 (15 doubled is 30: e, the
    # exponent -1 is 3: D; 2 doubled is 4: E, the exponent 0: A).
    assert body["reported"]["lines"] == ["AA", "AB", "CC", "eDeDEAEA"]
    assert body["reported"]["names"] == ["a", "vm-1"]
    assert len(body["reported"]["heads"]) == 2


MALFORMED = "Rater snapshot body is malformed (at {}: {}); restore an unaltered copy."
GROUP = ("by_resource", "groups", 0)


@pytest.mark.parametrize(
    ("path", "value", "where", "why"),
    [
        (
            ("by_resource",),
            5,
            "body.by_resource",
            "it must be an object of keys attributes, groups, shapes, not int: 5",
        ),
        (
            ("by_resource",),
            [],
            "body.by_resource",
            "it must be an object of keys attributes, groups, shapes, not list: []",
        ),
        (
            ("by_resource", "shapes", 0),
            ["X", "start", 0],
            "body.by_resource.shapes[0]",
            (
                "a record's shape must be ['E', kind, attributes index] or ['S', kind, meter], "
                "not ['X', 'start', 0]"
            ),
        ),
        (
            ("by_resource", "shapes", 0, 2),
            True,
            "body.by_resource.shapes[0]",
            "an event shape's attributes must be an index from 0 to 0, not True",
        ),
        (
            ("by_resource", "attributes", 0),
            None,
            "body.by_resource.groups[0], record 0",
            "attributes must be an object, not NoneType: None",
        ),
        (
            GROUP,
            ["a", "vm-1"],
            "body.by_resource.groups[0]",
            (
                "a group must be [account, resource, at, shape, id, value] (then seq and since, "
                "when any), not ['a', 'vm-1']"
            ),
        ),
        (
            (*GROUP, 2),
            [1_772_366_400_000_000],
            "body.by_resource.groups[0]",
            (
                "a group's shape must be runs [shape, count, ...] of one shape per record (1), "
                "not [0, 1, 1, 1]"
            ),
        ),
        (
            (*GROUP, 2, 1),
            1.5,
            "body.by_resource.groups[0], record 1",
            "an instant's step must be an integer, not 1.5",
        ),
        (
            (*GROUP, 3, 2),
            9,
            "body.by_resource.groups[0], record 1",
            "a shape must be an index from 0 to 1, not 9",
        ),
        (
            (*GROUP, 5),
            ["1.50", "2"],
            "body.by_resource.groups[0]",
            "a group's value has 2 items, not one per sample (1)",
        ),
        (
            (*GROUP, 5, 0),
            1.5,
            "body.by_resource.groups[0], record 1",
            "a sample's value is stored as a string, not 1.5",
        ),
        (
            (*GROUP, 4, 0),
            "",
            "body.by_resource.groups[0], record 0",
            (
                "event of account 'a' and resource 'vm-1' id must be a non-empty string or "
                "None, not ''."
            ),
        ),
        (
            GROUP,
            [
                "a",
                "vm-1",
                [1_772_366_400_000_000, 1],
                [0, 1, 1, 1],
                ["e1", "s1"],
                ["1.50"],
                None,
                [5, None],
            ],
            "body.by_resource.groups[0], record 0",
            "an event has no since, not 5",
        ),
        (
            (*GROUP, 3),
            [0, 1, 1, 0],
            "body.by_resource.groups[0]",
            "a group's shape runs must count 1 or more, not 0",
        ),
        (
            (*GROUP, 4),
            {"prefix": "e", "steps": [1, -5]},
            "body.by_resource.groups[0]",
            (
                "a group's id steps must be integers that keep the number from 0 to "
                "999999999999999, not -5 after 1"
            ),
        ),
        (
            (*GROUP, 4),
            {"prefix": 5, "steps": [1, 1]},
            "body.by_resource.groups[0]",
            (
                "a group's id must be a list or an object of a prefix and steps, not "
                "{'prefix': 5, 'steps': [1, 1]}"
            ),
        ),
        (
            (*GROUP, 4),
            ["e1"],
            "body.by_resource.groups[0]",
            "a group's id has 1 items, not one per record (2)",
        ),
        (
            ("reported",),
            [],
            "body.reported",
            "it must be an object of keys heads, lines, names, not list: []",
        ),
        (
            ("reported", "lines", 0),
            [0, 0, 1, "1.5"],
            "body.reported.lines[0]",
            (
                "a line must be [account, head, resource or null, quantity, amount], not "
                "[0, 0, 1, '1.5']"
            ),
        ),
        (
            ("reported", "lines", 0, 0),
            -1,
            "body.reported.lines[0]",
            "a line's account must be an index from 0 to 1, not -1",
        ),
        (
            ("reported", "heads", 0),
            [0, 1],
            "body.reported.lines[0]",
            (
                "a line's head must be [start_us, end_us, kind, plan, meter, entry, unit, "
                "currency], not [0, 1]"
            ),
        ),
    ],
)
def test_a_forged_version_2_body_is_refused_naming_the_path(
    path: tuple[object, ...], value: object, where: str, why: str
) -> None:
    assert _refusal(_forged(path, value)) == MALFORMED.format(where, why)


def _forged(path: tuple[object, ...], value: object, version: int = 3) -> dict[str, Any]:
    """``_small()`` altered at ``path`` and resealed: as version 3 wrote it, or as 4."""
    data = version_3(_small()) if version == 3 else _small()
    place: Any = data["body"]
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = value
    data = {key: item for key, item in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)  # anyone can recompute it
    return data


def _refusal(data: dict[str, Any]) -> str:
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, SMALL, [VM_HOURS, CALLS_ONLY])
    return str(caught.value)


def test_a_forged_version_2_line_is_refused_by_the_doors_of_version_1() -> None:
    # A head's end before its start: the key's door says it whole, as for version 1.
    assert _refusal(_forged(("reported", "heads", 0, 1), 0)) == (
        "Rater snapshot reported line ['a', 1772323200000000, 0, 'usage', 'p', 'calls', "
        "'calls', 'vm-1', 'call', 'EUR'] is not a line's key (account, cycle start and end in "
        "integer microseconds, kind, plan, meter, entry, resource, unit, currency); restore an "
        "unaltered copy."
    )
    assert _refusal(_forged(("reported", "lines", 0, 4), "NaN")) == (
        "Rater snapshot reported total 'NaN' is not a plain decimal string (ASCII digits, no "
        "spaces) of at most 1000 characters with, unless zero, a magnitude from 1E-400 up to "
        "but excluding 1E+120 (what sums of amounts reach); restore an unaltered copy."
    )
    assert _refusal(_forged(("reported", "lines", 1), [0, 0, 1, "1.5", "1.5"])) == (
        "Rater snapshot body.reported.lines[1] repeats ('a', 1772323200000000, "
        "1772409600000000, 'usage', 'p', 'calls', ...), listed before it; a snapshot lists each "
        "once: restore an unaltered copy."
    )
    # A kept record before the kept cycles: 0 µs is 1970.
    assert _refusal(_forged((*GROUP, 2, 0), 0)) == (
        "Rater snapshot is inconsistent: a kept record is stamped before base_us (only an event "
        "ordered by its seq after a kept event of the kept cycles may be); it was altered by "
        "hand or damaged: restore an unaltered copy."
    )


def test_an_unaltered_version_2_snapshot_altered_is_refused_by_its_checksum() -> None:
    data = _small()
    assert data["body"]["by_resource"]["groups"][0][5] == "sJF"  # '1.50'
    data["body"]["by_resource"]["groups"][0][5] = "eD"  # '1.5', not resealed
    message = _refusal(data)
    assert message.startswith(f"Rater snapshot checksum {data['checksum']!r} does not match")


def test_ids_of_one_prefix_and_a_number_are_written_as_steps() -> None:
    rater = rk.Rater(SMALL, [VM_HOURS, CALLS_ONLY], start="2026-03-01T00:00:00Z")
    at = "2026-03-01T12:00:00Z"
    ids = ["r7", "r9", "r8", "r0"]  # r7, then 2 on, 1 back, 8 back
    for record_id in ids:  # one batch each: kept in the order fed
        rater.feed([rk.Sample("a", "vm-1", "calls", at, 1, id=record_id)])
    data = json.loads(json.dumps(rater.snapshot()))
    (group,) = data["body"]["by_resource"]["groups"]
    assert group[4] == {"prefix": "r", "steps": "OEDR"}  # 7, 2, -1, -8 packed
    assert _vlq.decode(group[4]["steps"], "steps") == [7, 2, -1, -8]
    assert [
        r.id for r in rk.Rater.restore(data, SMALL, [VM_HOURS, CALLS_ONLY])._records.values()
    ] == ids
    # A leading zero, or another prefix: the ids as given ("r07" is not "r" and 7).
    for other in (["r7", "r07"], ["r7", "s8"], ["r7", None]):
        rater = rk.Rater(SMALL, [VM_HOURS, CALLS_ONLY], start="2026-03-01T00:00:00Z")
        rater.feed([rk.Sample("a", "vm-1", "calls", at, n, id=i) for n, i in enumerate(other)])
        (group,) = json.loads(json.dumps(rater.snapshot()))["body"]["by_resource"]["groups"]
        assert group[4] == other
