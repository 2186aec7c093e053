"""The canonical JSON a snapshot's checksum and a forgotten record's digest are taken of.

Written by one encoder kept for every call: the text must be that of ``json.dumps`` with
the canonical options, byte for byte, or every digest a snapshot stores would stop
matching the replays of its records.
"""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import _snapshot, _snapshot_seal


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


SCALARS = st.one_of(
    st.text(),  # with lone surrogates, controls, quotes, backslashes, non-ASCII
    st.integers(),
    st.integers(min_value=-(10**80), max_value=10**80),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20
)


@settings(max_examples=LAWS)
@given(value=st.lists(SCALARS) | VALUES)
def test_the_canonical_text_is_json_s(value: object) -> None:
    assert _snapshot_seal._canonical(value) == _json(value)


def test_a_record_s_fields_are_written_as_json_writes_them() -> None:
    value = ["S", 'a"b\\c\n', "\u00e9\U0001f600\udc80", -(10**30), 0, None]
    # json: the quote, the backslash and the newline escaped, the rest as it is
    assert _snapshot_seal._canonical(value) == (
        '["S","a\\"b\\\\c\\n","\u00e9\U0001f600\udc80",-1000000000000000000000000000000,0,null]'
    )
    assert _snapshot_seal._canonical(value) == _json(value)
    for other in ([True, 1], [0.1, 1], [[1], "x"], [{"b": 1, "a": 2}]):
        assert _snapshot_seal._canonical(other) == _json(other)


def test_a_record_s_digest_is_that_of_its_json() -> None:
    records = [
        rk.Sample("acme", "vm-1", "egress", "2026-03-01T00:00:00Z", "1.50", id="s1"),
        rk.Sample("acme", "vm-1", "calls", "2026-03-01T01:00:00Z", 3, since="2026-03-01T00:00:00Z"),
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "m1", "gib": 2}, kind="start"),
        rk.Inventory("2026-03-02T00:00:00Z", [("acme", "vm-1")], id="inv"),
    ]
    for record in records:
        encoded = _snapshot.encode_record(record)
        text = _json(encoded).encode()
        assert _snapshot.digest(record) == hashlib.sha256(text).hexdigest()
