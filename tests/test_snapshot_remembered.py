"""The snapshot's format version 5 (the ids compacted away and the anomalies said before, packed), and version 4 still read.

``data/snapshots/rater_v4.json`` was written by the code before version 5 (ratekit at
commit c39a66d3): the steps of ``rater_v3.json`` (`tests/test_snapshot_packed.py`)
replayed, then the snapshot of version 4 taken at the end. It holds 7 ids compacted away
(events, samples and an inventory, each with its digest) and 3 anomalies said before
the last compaction. Replayed into a new rater, the steps give the state the old
snapshot holds: restored, it must say exactly what the replayed rater says.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._rater_streams import METERS, OWN, T0
from tests._snapshots import forgotten, replayed, resealed, version_4
from tests.test_snapshot_packed import _but_said, corrects_what_it_said

import ratekit as rk
from ratekit import _rater_remembered, _snapshot_remembered, _vlq

PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("calls", "calls", rk.PerUnit("0.01"))]
)
CALLS = rk.Meter("calls", "call", rk.Discrete())


def _replayed() -> tuple[dict[str, Any], rk.Rater]:
    """The version 4 snapshot, and a rater fed the steps that led to it."""
    return replayed("rater_v4.json", OWN, METERS, T0)


def test_a_version_4_snapshot_still_restores_and_says_what_the_rater_said() -> None:
    old, replayed = _replayed()
    assert old["version"] == 4
    assert len(old["body"]["forgotten"]) == 7
    assert len(old["body"]["said_before"]) == 3
    restored = rk.Rater.restore(old, OWN, METERS)
    restored._check()
    # The same state, to the byte, but for what it said: the snapshot the restored rater
    # writes (version 5) is the replayed one's but for the lines said of 2 to 4 March's
    # runtime, said when allowances were taken otherwise (`corrects_what_it_said`), and
    # it holds the old one's ids, digests and anomalies.
    mine, theirs = restored.snapshot(), replayed.snapshot()
    assert mine["version"] == theirs["version"] == 5
    assert _but_said(mine) == _but_said(theirs)
    assert forgotten(mine["body"]) == sorted(old["body"]["forgotten"])
    assert version_4(mine)["body"] == old["body"]  # version 4 written again: the same body
    # ... and its next statement corrects those lines, then says what the replayed does.
    corrects_what_it_said(restored, replayed)


def test_version_5_writes_the_old_snapshots_ids_and_anomalies_in_fewer_characters() -> None:
    # The fixture's 7 ids (275 characters as version 4 wrote them, about 39 an id) take
    # 186: a group per type, each listing its ids (fewer than eight of a prefix), and
    # the digests 8 bytes each in Base64 (12 characters for one, 24 for two, 44 for four).
    # Its 3 anomalies said before (703 characters written again) take 5, their indices'
    # steps. A month's 20,000 ids of one prefix take about 12 characters each
    # (docs/streaming.md).
    old, replayed = _replayed()
    new = replayed.snapshot()["body"]
    sizes = {
        part: (len(json.dumps(old["body"][part])), len(json.dumps(new[part])))
        for part in ("forgotten", "said_before")
    }
    assert sizes == {"forgotten": (275, 186), "said_before": (703, 5)}


def _compacted(ids: list[str]) -> rk.Rater:
    """A rater that fed one call per id on 1 March and compacted that day away."""
    rater = rk.Rater(PLAN, [CALLS], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Sample("a", "fn", "calls", f"2026-03-01T10:00:{n:02d}Z", 1, kind="delta", id=i)
            for n, i in enumerate(ids)
        ]
    )
    rater.statement("2026-03-03T00:00:00Z")  # 1 March closed on 2 March, compacted on 3
    return rater


def test_ids_of_one_prefix_are_its_steps_and_the_digests_their_bytes() -> None:
    # Ids c1 to c6, c9 and c10 (given out of order), eight of the prefix 'c' and a
    # number: one group, in the order of their length then their text, c1, ..., c6, c9,
    # c10, written as the prefix and the steps 1, 1, 1, 1, 1, 1, 3, 1 (each from the one
    # before, the first from 0), packed as signed Base64 VLQ (1 doubled is 2: 'C'; 3
    # doubled is 6: 'G'). The digests: 8 bytes each, in that order, one Base64 string of
    # 8 x 8 = 64 bytes (88 characters).
    order = ["c1", "c2", "c3", "c4", "c5", "c6", "c9", "c10"]
    rater = _compacted(["c10", "c9", "c6", "c5", "c4", "c3", "c2", "c1"])
    [[kind, ids, digests]] = rater.snapshot()["body"]["forgotten"]
    assert kind == "Sample"
    assert ids == {"prefix": "c", "steps": "CCCCCCGC"}
    assert len(digests) == 88
    records = {key[1]: digest for key, digest in rater._forgotten.items()}
    raw = base64.b64decode(digests)
    assert [raw[at : at + 8].hex() for at in range(0, 64, 8)] == [records[i] for i in order]
    # A replay of c9 is still a duplicate, as before a snapshot; c9 with another value is
    # conflicting (its digest differs).
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [CALLS])
    assert restored._forgotten == rater._forgotten
    replay = rk.Sample("a", "fn", "calls", "2026-03-01T10:00:01Z", 1, kind="delta", id="c9")
    other = rk.Sample("a", "fn", "calls", "2026-03-01T10:00:01Z", 2, kind="delta", id="c9")
    fed = restored.feed([replay])
    assert fed.duplicates == ("c9",)
    fed = restored.feed([other])
    assert fed.conflicting == ("c9",)


def test_each_prefix_of_eight_ids_or_more_is_a_group_and_the_others_are_listed() -> None:
    # Eight ids 'a-1' to 'a-8', eight 'b7-1' to 'b7-8' (the prefix is what the last
    # digits follow: 'b7-'), and 'x', 'y3', 'z01', 'z02' (no number, a prefix of fewer
    # than eight): the groups 'a-' and 'b7-' (steps 1 each: 'C' x 8), then the others
    # listed in the order of their length then their text.
    runs = [f"a-{n}" for n in range(1, 9)] + [f"b7-{n}" for n in range(1, 9)]
    rater = _compacted([*runs, "z02", "y3", "x", "z01"])
    groups = rater.snapshot()["body"]["forgotten"]
    assert [(kind, ids) for kind, ids, _ in groups] == [
        ("Sample", {"prefix": "a-", "steps": "CCCCCCCC"}),
        ("Sample", {"prefix": "b7-", "steps": "CCCCCCCC"}),
        ("Sample", ["x", "y3", "z01", "z02"]),
    ]
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [CALLS])
    assert restored._forgotten == rater._forgotten


def test_ids_of_no_one_prefix_are_listed() -> None:
    # 'x' has no number, 'b7' and 'a10' are prefixes of one id: the ids are written as
    # they are, in order of length then text.
    rater = _compacted(["b7", "x", "a10"])
    [[_, ids, _]] = rater.snapshot()["body"]["forgotten"]
    assert ids == ["x", "b7", "a10"]
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [CALLS])
    assert restored._forgotten == rater._forgotten


# -- version 5 forged: each packed part refused naming its path -----------------------------

MALFORMED = "Rater snapshot body is malformed (at {}: {}); restore an unaltered copy."
_GOOD_DIGEST = base64.b64encode(bytes(8)).decode()


def _refusal(body_changes: dict[str, object]) -> str:
    data = json.loads(json.dumps(_compacted(["c1", "c2"]).snapshot()))
    data["body"].update(body_changes)
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(data), PLAN, [CALLS])
    return str(caught.value)


@pytest.mark.parametrize(
    ("forged", "where", "why"),
    [
        (5, "body.forgotten", "it must be a list of groups [type, ids, digests], not int: 5"),
        (
            [["Sample", ["c1"]]],
            "body.forgotten[0]",
            "a group of ids compacted away must be [type, ids, digests], not ['Sample', ['c1']]",
        ),
        (
            [["Bogus", ["c1"], None]],
            "body.forgotten[0]",
            "a group of ids compacted away names a record type, not 'Bogus'",
        ),
        (
            [["Sample", ["c1", ""], None]],
            "body.forgotten[0]",
            (
                "a group's ids must be a list of non-empty strings or an object of a prefix and "
                "steps, not ['c1', '']"
            ),
        ),
        (
            [["Sample", [], None]],
            "body.forgotten[0]",
            "a group of ids compacted away lists one id or more, not none",
        ),
        (
            [["Sample", {"prefix": "c", "steps": "C!"}, None]],
            "body.forgotten[0]",
            (
                "a group's id steps must be Base64 VLQ integers (A-Z, a-z, 0-9, + and /, each "
                "number ended by one of A to f), not '!' at character 1"
            ),
        ),
        (
            [["Sample", {"prefix": "c", "steps": "D"}, None]],
            "body.forgotten[0]",
            (
                "a group's id steps must be integers that keep the number from 0 to "
                "999999999999999, not -1 after 0"
            ),
        ),
        (
            [["Sample", ["c1"], 5]],
            "body.forgotten[0]",
            "a group's digests must be a Base64 string or null, not int: 5",
        ),
        (
            [["Sample", ["c1"], "not base64!"]],
            "body.forgotten[0]",
            (
                "a group's digests must be Base64 (A-Z, a-z, 0-9, + and /, padded with =), "
                "not 'not base64!'"
            ),
        ),
        (
            [["Sample", ["c1", "c2"], _GOOD_DIGEST]],
            "body.forgotten[0]",
            (
                "a group's digests must hold 8 bytes (or 32, in older snapshots) for each of "
                "its 2 ids, not 8 bytes"
            ),
        ),
        (
            "B!",
            "body.said_before",
            (
                "it must be Base64 VLQ integers (A-Z, a-z, 0-9, + and /, each number ended "
                "by one of A to f), not '!' at character 1"
            ),
        ),
        ("A", "body.said_before", "its steps must be 1 or more (each anomaly listed once), not 0"),
        ("BB", "body.said_before", "it lists anomaly 1, beyond the 1 that body.anomalies lists"),
    ],
)
def test_a_forged_version_5_part_is_refused_naming_its_path(
    forged: object, where: str, why: str
) -> None:
    part = where.split(".")[1].split("[", maxsplit=1)[0]
    changes: dict[str, object] = {part: forged}
    if part == "said_before":  # one anomaly to point at
        changes["anomalies"] = [
            ["duplicate", "a duplicate.", ["c1"], "a", "fn", 1_772_359_200_000_000]
        ]
    assert _refusal(changes) == MALFORMED.format(where, why)


def test_an_id_in_two_groups_is_refused() -> None:
    # c1 once with its digest and once without (the oldest snapshots' form): one id twice.
    forged = [["Sample", ["c1"], None], ["Sample", ["c1"], _GOOD_DIGEST]]
    assert _refusal({"forgotten": forged}) == (
        "Rater snapshot body.forgotten[1] repeats ('Sample', 'c1'), listed before it; a "
        "snapshot lists each id compacted away once: restore an unaltered copy."
    )


# -- the law: what version 5 writes, it reads back ------------------------------------------

_IDS = st.one_of(
    st.text(alphabet="ab-7190", min_size=1, max_size=8),
    # runs of a prefix and a number: numbered groups (eight or more), leading zeros
    # ("a0" + "5"), numbers of more than 15 digits, listed
    st.builds("{}{}".format, st.sampled_from(["r", "m1-r", "a0"]), st.integers(0, 10**16)),
    st.builds("r{}".format, st.integers(0, 40)),
)
_DIGESTS = st.one_of(
    st.none(),
    st.binary(min_size=8, max_size=8).map(bytes.hex),
    st.binary(min_size=32, max_size=32).map(bytes.hex),
)


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["Event", "Sample", "Inventory"]), _IDS), _DIGESTS, max_size=60
    )
)
def test_the_ids_compacted_away_come_back_as_they_were(
    remembered: dict[tuple[str, str], str | None],
) -> None:
    # The oracle: the mapping itself. Ids of one prefix or not, with leading zeros,
    # digests of 16 or 64 hex digits or none, mixed in one type: through JSON and back.
    written = json.loads(json.dumps(_snapshot_remembered.encode_forgotten(remembered)))
    assert dict(_snapshot_remembered.decode_forgotten(written)) == remembered
    assert _snapshot_remembered.encode_forgotten(remembered) == written  # one order


@pytest.mark.property
@settings(max_examples=LAWS)
@given(st.lists(st.booleans(), max_size=40))
def test_the_anomalies_said_before_come_back_as_they_were(said: list[bool]) -> None:
    # The oracle: which of the listed anomalies (here their places) were said before.
    ordered = list(range(len(said)))
    older = {index for index, before in enumerate(said) if before}
    text = _snapshot_remembered.encode_said_before(ordered, older)
    assert set(_snapshot_remembered.decode_said_before(text, len(said))) == older
    assert _vlq.decode(text, "it", signed=False) == [
        b - a for a, b in zip([-1, *sorted(older)], sorted(older), strict=False)
    ]


def test_the_digest_the_snapshot_keeps_is_the_records() -> None:
    rater = _compacted(["c1"])
    [[_, _, digests]] = rater.snapshot()["body"]["forgotten"]
    sample = rk.Sample("a", "fn", "calls", "2026-03-01T10:00:00Z", 1, kind="delta", id="c1")
    assert base64.b64decode(digests).hex() == _rater_remembered.digest(sample)
