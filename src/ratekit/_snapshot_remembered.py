"""How a snapshot writes what the rater remembers past a compaction (format version 5).

Private to [`ratekit.Rater`][ratekit.Rater]'s snapshot. Two parts of a body that grow
with the records of the last compacted cycle, not with its resources:

- ``forgotten``, the ids compacted away, each with the 64-bit digest of its record's
  content (a replay is a duplicate, another version conflicting). Versions 1 to 4 wrote
  one ``[type, id, digest]`` per id: about 44 characters, where the kept records take
  about 17. Version 5 writes groups ``[type, ids, digests]``: per record type and digest
  width (16 hex digits; 64 in snapshots older than the 16-digit digests; none in the
  oldest), a group for each prefix that eight ids or more share, each of them that
  prefix and a number, written as the kept records' ids are (the prefix and the packed
  steps between the numbers: `ratekit._snapshot_columns`), and one group listing the
  others; the ids in the order of their length then their text, the digests as one
  Base64 string of their bytes, in the same order (``null`` for a group without). About
  12 characters an id of a numbered run (the 20,000 ids of a month of
  `benchmarks/rater_bench.py --year`: 884,639 -> 233,582 B).
- ``said_before``, those of the anomalies said before the last compaction. Versions
  up to 4 wrote each again as ``anomalies`` lists it; version 5 writes their indices
  into ``anomalies`` (ascending), as one string of Base64 VLQ steps (`ratekit._vlq`).

Reading refuses a malformed part naming its path (``body.forgotten[0]``), through
`ratekit._snapshot.decoding()`; an id listed twice or an index that is not one of
``anomalies`` is refused too. O(n) each way.
"""

from __future__ import annotations

import base64
import binascii
import typing
from collections.abc import Container, Mapping, Sequence
from typing import Final

from . import _snapshot
from ._shown import show
from ._snapshot_columns import _ids, _numbered
from ._vlq import decode as _unpack
from ._vlq import encode as _pack
from .errors import BadSnapshotError

__all__ = ["decode_forgotten", "decode_said_before", "encode_forgotten", "encode_said_before"]

_TYPES: Final = ("Event", "Sample", "Inventory")
#: The bytes of a digest by its hex digits: 16 (the rater's), 64 (older snapshots').
_WIDTHS: Final = {16: 8, 64: 32}
_GROUP: Final = "[type, ids, digests]"
_DIGITS: Final = "0123456789"
#: The fewest ids of one prefix written as its steps: fewer are listed with the others
#: (a group of its own costs about 40 characters more than a list's items).
_MIN_RUN: Final = 8

Forgotten = Mapping[tuple[str, str], str | None]


def _id_order(member: tuple[str, str | None]) -> tuple[int, str]:
    """The order ids are written in: their length, then their text (numbers in order)."""
    return len(member[0]), member[0]


def encode_forgotten(forgotten: Forgotten) -> list[list[object]]:
    """The ids compacted away as groups ``[type, ids, digests]``, in a fixed order. O(n log n).

    Per record type and digest width, the ids of each prefix (an id without its last
    digits) that number `_MIN_RUN` or more and are that prefix and a number make a group
    of their own, written as the prefix and the steps; the others one group, listed.
    """
    groups: dict[tuple[str, int], list[tuple[str, str | None]]] = {}
    for (kind, record_id), digest in forgotten.items():
        width = 0 if digest is None else len(digest)
        groups.setdefault((kind, width), []).append((record_id, digest))
    out: list[list[object]] = []
    for (kind, width), members in sorted(groups.items()):
        by_prefix: dict[str, list[tuple[str, str | None]]] = {}
        for member in members:
            by_prefix.setdefault(member[0].rstrip(_DIGITS), []).append(member)
        rest: list[tuple[str, str | None]] = []
        for prefix in sorted(by_prefix):
            part = sorted(by_prefix[prefix], key=_id_order)
            ids = _numbered([record_id for record_id, _ in part])
            if len(part) < _MIN_RUN or not isinstance(ids, dict):
                rest += part
                continue
            steps = {"prefix": ids["prefix"], "steps": _pack(ids["steps"])}
            out.append([kind, steps, _digests(part, width)])
        if rest:
            rest.sort(key=_id_order)
            out.append([kind, [record_id for record_id, _ in rest], _digests(rest, width)])
    return out


def _digests(members: list[tuple[str, str | None]], width: int) -> str | None:
    """The members' digests as one Base64 string of their bytes, in order (None: none)."""
    if width == 0:
        return None
    joined = "".join(typing.cast(str, digest) for _, digest in members)
    return base64.b64encode(bytes.fromhex(joined)).decode("ascii")


def decode_forgotten(data: object) -> list[tuple[tuple[str, str], str | None]]:
    """The ids `encode_forgotten()` wrote, each with its digest (hex) or None. O(n).

    BadSnapshotError naming ``body.forgotten[i]`` for a malformed group, and for an id
    listed twice.
    """
    with _snapshot.decoding("body.forgotten"):
        if not isinstance(data, list):
            raise TypeError(
                f"it must be a list of groups {_GROUP}, not {type(data).__name__}: {show(data)}"
            )
    out: list[tuple[tuple[str, str], str | None]] = []
    seen: set[tuple[str, str]] = set()
    for number, group in enumerate(data):
        with _snapshot.decoding(f"body.forgotten[{number}]"):
            kind, ids, digests = _group(group)
        for record_id, digest in zip(ids, digests, strict=True):
            key = (kind, record_id)
            if key in seen:
                raise BadSnapshotError(
                    f"Rater snapshot body.forgotten[{number}] repeats {show(key)}, listed "
                    "before it; a snapshot lists each id compacted away once: restore an "
                    "unaltered copy."
                )
            seen.add(key)
            out.append((key, digest))
    return out


def _group(group: object) -> tuple[str, list[str], Sequence[str | None]]:
    """One group's type, ids and digests (hex, or None each), through their doors."""
    if not isinstance(group, list) or len(group) != 3:
        raise TypeError(f"a group of ids compacted away must be {_GROUP}, not {show(group)}")
    kind, data, digests = group
    if kind not in _TYPES:
        raise ValueError(f"a group of ids compacted away names a record type, not {show(kind)}")
    if isinstance(data, dict):
        # The steps unpacked once: their count is the group's size.
        steps = _unpack(data.get("steps"), "a group's id steps")
        ids = typing.cast("list[str]", _ids({**data, "steps": steps}, len(steps)))
    elif isinstance(data, list) and all(isinstance(item, str) and item for item in data):
        ids = typing.cast("list[str]", data)
    else:
        raise TypeError(
            "a group's ids must be a list of non-empty strings or an object of a prefix "
            f"and steps, not {show(data)}"
        )
    if not ids:
        raise ValueError("a group of ids compacted away lists one id or more, not none")
    if digests is None:
        return kind, ids, [None] * len(ids)
    if not isinstance(digests, str):
        raise TypeError(
            "a group's digests must be a Base64 string or null, not "
            f"{type(digests).__name__}: {show(digests)}"
        )
    try:
        raw = base64.b64decode(digests, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"a group's digests must be Base64 (A-Z, a-z, 0-9, + and /, padded with =), "
            f"not {show(digests[:40])}"
        ) from None
    width = next((w for w in _WIDTHS.values() if len(raw) == w * len(ids)), None)
    if width is None:
        raise ValueError(
            f"a group's digests must hold 8 bytes (or 32, in older snapshots) for each of "
            f"its {len(ids)} ids, not {len(raw)} bytes"
        )
    return kind, ids, [raw[at : at + width].hex() for at in range(0, len(raw), width)]


def encode_said_before(ordered: Sequence[object], older: Container[object]) -> str:
    """The indices of ``older``'s anomalies in ``ordered`` (as ``anomalies`` lists them), packed.

    Ascending, as steps from -1 (each 1 or more): one string of Base64 VLQ. O(n).
    """
    indices = [index for index, anomaly in enumerate(ordered) if anomaly in older]
    return _pack([b - a for a, b in zip([-1, *indices], indices, strict=False)], signed=False)


def decode_said_before(data: object, count: int) -> list[int]:
    """The indices `encode_said_before()` wrote, each one of ``count`` anomalies. O(n).

    BadSnapshotError naming ``body.said_before`` for text that is not Base64 VLQ, a step
    of zero (an anomaly listed twice) or an index beyond the anomalies.
    """
    with _snapshot.decoding("body.said_before"):
        steps = _unpack(data, "it", signed=False)
        indices: list[int] = []
        last = -1
        for step in steps:
            if step < 1:
                raise ValueError("its steps must be 1 or more (each anomaly listed once), not 0")
            last += step
            if last >= count:
                raise ValueError(
                    f"it lists anomaly {last}, beyond the {count} that body.anomalies lists"
                )
            indices.append(last)
    return indices
