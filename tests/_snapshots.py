"""Snapshots altered for the tests of restore's doors: resealed, edited, or as version 1.

`resealed()` recomputes the checksum as anyone can (sha256 of the canonical JSON), so a
hand edit passes it; `edited()` alters one place of a body as the door properties do.

Version 2 writes the kept records and the reported lines in columns
(`ratekit._snapshot_columns`, `ratekit._snapshot_reported`); version 1, still restored, wrote each record and each line
as a list. `version_1()` rewrites a snapshot's two parts the way version 1 wrote them,
from the records and lines the rater's version holds: the tests that forge a version 1
body by its paths (``body.by_resource[0][2][0]``, ``body.reported[0]``) forge it on that.
Version 4 packs the columns of integers into strings (`ratekit._vlq`); version 3, still
restored, wrote them as lists. `version_3()` rewrites a snapshot as version 3 wrote it:
the tests that forge a single value of a column by its path
(``body.by_resource.groups[0][2][0]``, ``body.reported.lines[0][-1]``) forge it on that,
through the doors version 3 and 4 share once the columns are read.
Version 5 packs the ids compacted away and the anomalies said before
(`ratekit._snapshot_remembered`); version 4, still restored, wrote each as a list.
`version_4()` rewrites a snapshot as version 4 wrote it: the tests that forge one id
compacted away by its path (``body.forgotten[0]``) forge it on that; `forgotten()` reads
a body's ids compacted away, as ``[type, id, digest]`` each, in whichever version.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ratekit as rk
from ratekit import _snapshot, _snapshot_columns, _snapshot_remembered, _snapshot_reported
from ratekit._instants import format_us


def forgotten(body: dict[str, Any], version: int = 5) -> list[list[Any]]:
    """The ids compacted away a body of ``version`` holds, as version 4 wrote them, sorted."""
    if version < 5:
        return sorted(body["forgotten"])
    return sorted(
        [kind, record_id, digest]
        for (kind, record_id), digest in _snapshot_remembered.decode_forgotten(body["forgotten"])
    )


def version_4(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a version 5 snapshot) as version 4 wrote it, sealed, through JSON.

    Its ids compacted away one ``[type, id, digest]`` each, sorted; its anomalies said
    before written again as ``anomalies`` lists them.
    """
    assert data["version"] == 5
    body = dict(data["body"])
    body["forgotten"] = forgotten(body)
    if "said_before" in body:
        indices = _snapshot_remembered.decode_said_before(
            body["said_before"], len(body["anomalies"])
        )
        body["said_before"] = [body["anomalies"][index] for index in indices]
    old = {"format": data["format"], "version": 4, "fingerprint": data["fingerprint"]}
    old["body"] = body
    old["checksum"] = _snapshot.checksum(old)
    out: dict[str, Any] = json.loads(json.dumps(old))
    return out


def version_3(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a version 5 or 4 snapshot) as version 3 wrote it (columns as lists), sealed, through JSON."""
    if data["version"] == 5:
        data = version_4(data)
    assert data["version"] == 4
    body = dict(data["body"])
    groups: dict[tuple[str, str], list[Any]] = {}
    for record in _snapshot_columns.decode_kept(body["by_resource"], 4):
        groups.setdefault((record.account, record.resource), []).append(record)
    body["by_resource"] = _snapshot_columns.encode_kept(groups, 3)
    body["reported"] = _snapshot_reported.encode_reported(
        _snapshot_reported.decode_reported(body["reported"], 4), 3
    )
    old = {"format": data["format"], "version": 3, "fingerprint": data["fingerprint"]}
    old["body"] = body
    old["checksum"] = _snapshot.checksum(old)
    out: dict[str, Any] = json.loads(json.dumps(old))
    return out


def version_1(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a version 5 or 4 snapshot, no state keeping a piece before its base's) as version 1 wrote it, sealed, through JSON."""
    if data["version"] == 5:
        data = version_4(data)
    assert data["version"] == 4
    assert all("before" not in state for state in data["body"]["state"])
    body = dict(data["body"])
    body["by_resource"] = _snapshot.encode_groups(
        _snapshot_columns.decode_kept(body["by_resource"])
    )
    body["reported"] = [
        [*key, str(quantity), str(amount)]
        for key, (quantity, amount) in _snapshot_reported.decode_reported(body["reported"])
    ]
    old = {"format": data["format"], "version": 1, "fingerprint": data["fingerprint"]}
    old["body"] = body
    old["checksum"] = _snapshot.checksum(old)
    out: dict[str, Any] = json.loads(json.dumps(old))
    return out


def resealed(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its checksum recomputed by hand: what restore checks beyond the seal."""
    envelope = {key: value for key, value in data.items() if key != "checksum"}
    canonical = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**envelope, "checksum": hashlib.sha256(canonical.encode("utf-8")).hexdigest()}


def edited(body: Any, place: tuple[object, ...], how: str, value: object) -> None:
    """Alter ``body`` in place at path ``place``: ``"set"`` it to ``value``, ``"drop"`` it,
    or (``"twice"``) write it twice (an item repeated in a list, a value made a pair).
    """
    parent: Any = body
    for step in place[:-1]:
        parent = parent[step]
    key = place[-1]
    if how == "set":
        parent[key] = value
    elif how == "drop":
        del parent[key]
    elif isinstance(parent, list):
        parent.insert(typing.cast("int", key), parent[typing.cast("int", key)])
    else:
        parent[key] = [parent[key], parent[key]]


def replayed(
    name: str, plans: Any, meters: Sequence[rk.Meter], start_us: int
) -> tuple[dict[str, Any], rk.Rater]:
    """A snapshot kept as test data (``tests/data/snapshots/<name>``), and a rater fed the
    steps that led to it (``feed`` the records, ``statement`` the watermarks)."""
    path = Path(__file__).parent / "data" / "snapshots" / name
    fixture = json.loads(path.read_text(encoding="utf-8"))
    rater = rk.Rater(plans, meters, start=format_us(start_us))
    for step, value in fixture["steps"]:
        if step == "feed":
            rater.feed([_snapshot.decode_record(item) for item in value])
        else:
            rater.statement(value)
    return fixture["snapshot"], rater
