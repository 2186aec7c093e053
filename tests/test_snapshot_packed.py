"""The snapshot's format version 4 (columns of integers packed as Base64 VLQ), and version 3 still read.

``data/snapshots/rater_v3.json`` was written by the code before version 4 (ratekit at
commit 677021d0): a random stream of `tests._rater_streams.records()` (seed 3, with
greetings, records without ids, seqs, gauges and gaps) and five samples of 4 March whose
values keep their exponents ('1.50', '2E+1', '0.000', '1E-7' and a 31-digit one with a
``since``), fed in six batches (the records in `ratekit._snapshot.encode_record()`'s
form) with a statement after every second one, under the plan `OWN`; then the snapshot
of version 3 taken at the end. Replayed into a new rater, the steps give the state the
old snapshot holds: restored, it must say exactly what the replayed rater says.
"""

from __future__ import annotations

import json
from decimal import Context, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._rater_streams import METERS, OWN, T0
from tests._snapshots import replayed, resealed, version_3
from tests.test_snapshot_format import CALLS_ONLY, SMALL, VM_HOURS, _forged, _small

import ratekit as rk
from ratekit import _snapshot_columns, _vlq

#: Wide enough for a line's 60 digits (the caller's 28 would not quantize them).
WIDE = Context(prec=100)


def _replayed() -> tuple[dict[str, Any], rk.Rater]:
    """The version 3 snapshot, and a rater fed the steps that led to it."""
    return replayed("rater_v3.json", OWN, METERS, T0)


def test_a_version_3_snapshot_still_restores_and_says_what_the_rater_said() -> None:
    old, replayed = _replayed()
    assert old["version"] == 3
    # What it holds: 6 resources' kept records, among them values with their exponents,
    # ids of no one prefix, seqs and a since; 34 reported lines; compacted states.
    groups = old["body"]["by_resource"]["groups"]
    assert len(groups) == 6
    assert ["6", "0.000", "1E-7", "123456789012345678901234567890.5", "9"] in [
        group[5] for group in groups
    ]
    assert len(old["body"]["reported"]["lines"]) == 34
    assert len(old["body"]["state"]) == 6
    restored = rk.Rater.restore(old, OWN, METERS)
    restored._check()
    # The same state, to the byte, but for what it said: the snapshot the restored rater
    # writes (version 5) is the replayed one's, but for the lines said of 2 to 4 March's
    # runtime, said when allowances were taken otherwise (see `corrects_what_it_said`).
    mine, theirs = restored.snapshot(), replayed.snapshot()
    assert mine["version"] == theirs["version"] == 5
    assert _but_said(mine) == _but_said(theirs)
    # ... its kept records those the old snapshot holds, Decimals with their exponents
    assert _written(restored) == _written(replayed)
    # ... and its next statement corrects those lines: from there on it has said what the
    # replayed rater says, which is batch rating's.
    corrects_what_it_said(restored, replayed)
    # A version 3 snapshot with a column packed (as version 4 writes it) is refused.
    packed = json.loads(json.dumps(old))
    packed["body"]["by_resource"]["groups"][0][2] = _vlq.encode(groups[0][2])
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(packed), OWN, METERS)
    assert str(caught.value) == (
        "Rater snapshot body is malformed (at body.by_resource.groups[0]: a group's at must "
        "be a list, not str: 'ggy8yzkh4kDgg1+3yrBggj2/ssDggkj/90Cgg8uv0hEggrni+b'); restore an "
        "unaltered copy."
    )


def _but_said(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot's body but for the lines said (and so its checksum)."""
    return {part: value for part, value in snapshot["body"].items() if part != "reported"}


def corrects_what_it_said(restored: rk.Rater, replayed: rk.Rater) -> None:
    """Check that ``restored``'s next statement corrects what the stored snapshot said.

    The stored snapshots were written when rows that run at once took the allowances
    whole at their starts, in time order then by resource (`ratekit._allowance_flows`):
    b-vm0 and b-vm1 run at once all day (1 hour an hour each) under OWN's runtime
    allowances (2 a day, 4 a week from Monday 2 March, 30 a month, all taken by 1 March).
    Lines of a day, runtime at 0.07 for its first 10 hours, then 0.05; runtime-new at
    0.09 for 5, then 0.04 (a day's runtime rated as one group, its lines in order).

    - 2 March (Monday), 00:00-13:00 at runtime: 2 + 4 = 6 free. Then b-vm0 took all 6,
      billing 7 x 0.07 = 0.49, b-vm1 billed 13: 3 x 0.07 + 10 x 0.05 = 0.71. Now they
      take together: 3 each by 03:00, each bills 10: b-vm0 10 x 0.07 = 0.70, b-vm1 10
      x 0.05 = 0.50.
    - 3 March at runtime-new: 2 free (the week's spent). Then b-vm1 (00:00-16:26, ending
      first) took both: its 16.433...3 hours billed 14.433...3, 5 x 0.09 + 9.433...3 x
      0.04 = 0.827333...3, and b-vm0's 24 after it 24 x 0.04 = 0.96. Now they take 1
      each by 01:00: b-vm1 bills 5 x 0.09 + 10.433...3 x 0.04 = 0.867333...3, b-vm0 23 x
      0.04 = 0.92; b-vm1's line, with 20:32-24:00's 3.466...7 x 0.04 = 0.138666...7,
      1.006 (0.966 then).
    - 4 March, partly said: what is said again makes up the difference (an increment).

    After the statement, each has said the same in all, line by line; and so on.
    """
    first = restored.statement("2026-03-05T00:00:00Z")
    replayed.statement("2026-03-05T00:00:00Z")
    near = Decimal("1E-30")
    assert [
        (line.role, line.resource, line.entry, line.amount.quantize(near, context=WIDE))
        for line in first.lines
        if line.role in {"reversal", "correction"}
    ] == [
        (role, resource, entry, Decimal(amount).quantize(near, context=WIDE))
        for role, resource, entry, amount in [
            ("reversal", "b-vm0", "runtime", "-0.49"),
            ("correction", "b-vm0", "runtime", "0.70"),
            ("reversal", "b-vm1", "runtime", "-0.71"),
            ("correction", "b-vm1", "runtime", "0.50"),
            ("reversal", "b-vm0", "runtime-new", "-0.96"),
            ("correction", "b-vm0", "runtime-new", "0.92"),
            ("reversal", "b-vm1", "runtime-new", "-0.966"),
            ("correction", "b-vm1", "runtime-new", "1.006"),
        ]
    ]
    assert restored.snapshot()["body"]["reported"] == replayed.snapshot()["body"]["reported"]
    at = "2026-03-06T00:00:00Z"
    assert restored.statement(at) == replayed.statement(at)


def _written(rater: rk.Rater) -> list[tuple[object, ...]]:
    """The kept records with their Decimals as written (``==`` takes 1.5 for 1.50), sorted."""
    return sorted(
        (repr(record), str(getattr(record, "value", "")), getattr(record, "seq", None))
        for record in rater._records.values()
    )


def test_version_4_is_smaller_than_version_3() -> None:
    # The fixture's snapshot written again: each column of integers in fewer characters.
    # (Here 1,155 -> 934 B of kept records and 4,006 -> 3,047 B of lines: a few records
    # per resource, whose names weigh as much as their numbers; with a hundred records a
    # resource, benchmarks/rater_bench.py's, about half: docs/performance.md.)
    old, replayed = _replayed()
    new = replayed.snapshot()
    sizes = {
        part: (len(json.dumps(old["body"][part])), len(json.dumps(new["body"][part])))
        for part in ("by_resource", "reported")
    }
    assert sizes == {"by_resource": (1155, 934), "reported": (4006, 3047)}
    # The same values, version 3 written again, but for the amounts of the 6 lines said of
    # 2 to 4 March's runtime of b-vm0 and b-vm1, said when allowances were taken
    # otherwise (`corrects_what_it_said`): the same sizes, 0.49 and 0.70 being as long.
    again = version_3(new)["body"]
    assert _but_said({"body": again}) == _but_said(old)
    said, then = again["reported"], old["body"]["reported"]
    assert {part: value for part, value in said.items() if part != "lines"} == {
        part: value for part, value in then.items() if part != "lines"
    }
    changed = [
        (line[4], before[4])
        for line, before in zip(said["lines"], then["lines"], strict=True)
        if line != before
    ]
    assert [(now, before[:5]) for now, before in changed] == [
        ("0.70", "0.49"),  # 2 March, b-vm0 at runtime
        ("0.50", "0.71"),  # ... b-vm1
        ("0.919999999999999999999999999999999999999999999999999999999998", "0.959"),
        ("1.006000000000000000000000000000000000000000000000000000000002", "0.966"),
        ("0.658055555566203703703703703703703703703703703703703703703704", "0.718"),
        ("0.453388888888425925925925925925925925925925925925925925925926", "0.393"),
    ]
    for line, before in zip(said["lines"], then["lines"], strict=True):
        assert line[:4] == before[:4]  # the same lines, only amounts changed


# -- version 4 forged: each packed column refused naming its path -------------------------------

MALFORMED = "Rater snapshot body is malformed (at {}: {}); restore an unaltered copy."
GROUP = ("by_resource", "groups", 0)
VLQ = "must be Base64 VLQ integers (A-Z, a-z, 0-9, + and /, each number ended by one of A to f)"


@pytest.mark.parametrize(
    ("path", "value", "where", "why"),
    [
        (
            (*GROUP, 2),
            [1_772_366_400_000_000, 1_800_000_000],  # version 3's list
            "body.by_resource.groups[0]",
            (
                "a group's at must be a string of Base64 VLQ integers, not "
                "[1772366400000000, 1800000000]"
            ),
        ),
        (
            (*GROUP, 2),
            "ggo811p93kDggpnpr",  # the last number not ended
            "body.by_resource.groups[0]",
            f"a group's at {VLQ}, not 'ggpnpr' at character 11",
        ),
        (
            (*GROUP, 2),
            "ggo811p93kD ggpnprD",
            "body.by_resource.groups[0]",
            f"a group's at {VLQ}, not ' ggpnprD' at character 11",
        ),
        (
            (*GROUP, 2),
            "g" * 60 + "B",
            "body.by_resource.groups[0]",
            (
                "a group's at holds a number of 61 characters at character 0, more than the 60 "
                "any number it keeps takes"
            ),
        ),
        (
            (*GROUP, 2),
            "ggo811p93kD",  # one instant for two records' shapes
            "body.by_resource.groups[0]",
            (
                "a group's shape must be runs [shape, count, ...] of one shape per record (1), "
                "not [0, 1, 1, 1]"
            ),
        ),
        (
            (*GROUP, 3),
            "ABBA",  # a run of 0
            "body.by_resource.groups[0]",
            "a group's shape runs must count 1 or more, not 0",
        ),
        (
            (*GROUP, 3),
            "ABJB",  # shape 9
            "body.by_resource.groups[0], record 1",
            "a shape must be an index from 0 to 1, not 9",
        ),
        (
            (*GROUP, 4),
            {"prefix": "e", "steps": [1, 1]},  # version 3's list
            "body.by_resource.groups[0]",
            "a group's id steps must be a string of Base64 VLQ integers, not [1, 1]",
        ),
        (
            (*GROUP, 4),
            {"prefix": "e", "steps": "CL"},  # 1, then 5 back
            "body.by_resource.groups[0]",
            (
                "a group's id steps must be integers that keep the number from 0 to "
                "999999999999999, not -5 after 1"
            ),
        ),
        (
            (*GROUP, 5),
            "sJ",  # a coefficient without its exponent
            "body.by_resource.groups[0]",
            "a group's value must hold two integers per value, not 1",
        ),
        (
            (*GROUP, 5),
            "sJFeD",  # two values for one sample
            "body.by_resource.groups[0]",
            "a group's value has 2 items, not one per sample (1)",
        ),
        (
            (*GROUP, 5),
            "C" + _vlq.encode_one(10**9 + 1),  # 1E+1000000001
            "body.by_resource.groups[0]",
            "a group's value holds the exponent 1000000001; a value's is from -1000000000 to 1000000000",
        ),
        (
            ("reported", "lines"),
            ["AA", "AB", "CC"],
            "body.reported",
            "lines must be [accounts, heads, resources, totals], four strings, not ['AA', 'AB', 'CC']",
        ),
        (
            ("reported", "lines", 2),
            "C",
            "body.reported",
            (
                "lines' columns must hold one account, head and resource and two totals per "
                "line, not 2, 2, 1 and 4"
            ),
        ),
        (
            ("reported", "lines", 0),
            "AC",
            "body.reported.lines, line 1",
            "a line's account must be an index from 0 to 1, not 2",
        ),
        (
            ("reported", "lines", 1),
            "AC",
            "body.reported.lines, line 1",
            "a line's head must be an index from 0 to 1, not 2",
        ),
        (
            ("reported", "lines", 2),
            "CE",  # resource 3, one more than its index
            "body.reported.lines, line 1",
            "a line's resource must be an index from 0 to 1, not 3",
        ),
        (
            ("reported", "lines", 3),
            "eDeDEAE",
            "body.reported",
            "lines' totals must hold two integers per value, not 7",
        ),
    ],
)
def test_a_forged_version_4_body_is_refused_naming_the_path(
    path: tuple[object, ...], value: object, where: str, why: str
) -> None:
    assert _refusal(_forged(path, value, version=4)) == MALFORMED.format(where, why)


def _refusal(data: dict[str, Any]) -> str:
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, SMALL, [VM_HOURS, CALLS_ONLY])
    return str(caught.value)


def test_a_forged_version_4_value_is_refused_by_the_doors_of_version_3() -> None:
    # Once read, a packed value goes through the doors every version's does, and is
    # refused in the same words.
    total = _snapshot_columns._packed_value(Decimal("1E+200"))  # past any sum of amounts
    assert _refusal(_forged(("reported", "lines", 3), "eDeDEA" + total, version=4)) == (
        "Rater snapshot reported total '1E+200' is not a plain decimal string (ASCII digits, no "
        "spaces) of at most 1000 characters with, unless zero, a magnitude from 1E-400 up to "
        "but excluding 1E+120 (what sums of amounts reach); restore an unaltered copy."
    )
    # 1001 digits: read (665 characters), then refused by the total's door
    many = _snapshot_columns._packed_value(Decimal("1" * 1001))
    assert len(many) == 666  # 3,326 bits and a sign, then the exponent 0
    assert _refusal(_forged(("reported", "lines", 3), "eDeDEA" + many, version=4)) == (
        f"Rater snapshot reported total '{'1' * 40}...' is not a plain decimal string (ASCII "
        "digits, no spaces) of at most 1000 characters with, unless zero, a magnitude from "
        "1E-400 up to but excluding 1E+120 (what sums of amounts reach); restore an unaltered "
        "copy."
    )
    # A kept record before the kept cycles: 0 µs is 1970.
    assert _refusal(_forged((*GROUP, 2), "AggpnprD", version=4)) == (
        "Rater snapshot is inconsistent: a kept record is stamped before base_us (only an event "
        "ordered by its seq after a kept event of the kept cycles may be); it was altered by "
        "hand or damaged: restore an unaltered copy."
    )
    # A value of 61 digits: the sample's door refuses it, naming the record.
    value = _snapshot_columns._packed_value(Decimal("1" * 61))
    refusal = _refusal(_forged((*GROUP, 5), value, version=4))
    assert refusal.startswith("Rater snapshot body is malformed (at body.by_resource.groups[0], ")
    assert "lies outside the numbers ratekit represents exactly" in refusal


def test_an_unaltered_version_4_snapshot_restores_as_its_version_3_does() -> None:
    data = _small()
    for given_data in (data, version_3(data)):
        again = rk.Rater.restore(given_data, SMALL, [VM_HOURS, CALLS_ONLY])
        assert again.snapshot() == data
        # 12:00 to 15:00 at 1 = 3 hours, of which 2 said: 1 more; the 1.50 calls said.
        assert again.statement("2026-03-01T15:00:00Z").total() == 1


# -- the packing: laws ----------------------------------------------------------------------------


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(numbers=st.lists(st.integers(-(2**200), 2**200)), signed=st.booleans())
def test_vlq_gives_back_every_integer(numbers: list[int], signed: bool) -> None:
    if not signed:
        numbers = [abs(number) for number in numbers]
    text = _vlq.encode(numbers, signed=signed)
    assert text.isascii()
    assert json.loads(json.dumps(text)) == text  # JSON keeps it as it is, unescaped
    assert json.dumps(text) == f'"{text}"'
    assert _vlq.decode(text, "a column", signed=signed) == numbers


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    values=st.lists(
        st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
            lambda value: (
                len(value.as_tuple().digits) <= 80
                and -(10**9) <= int(value.as_tuple().exponent) <= 10**9
            )
        )
    )
)
def test_a_packed_value_is_the_text_str_writes(values: list[Decimal]) -> None:
    # Coefficient, sign and exponent: '-0', '1.50', '2E+1' come back as written.
    text = "".join(map(_snapshot_columns._packed_value, values))
    assert _snapshot_columns._values(text, "a column") == [str(value) for value in values]
