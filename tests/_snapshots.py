"""A rater's snapshot written as version 1 wrote it, for the tests of the version 1 reader.

Version 2 writes the kept records and the reported lines in columns
(`ratekit._snapshot_columns`); version 1, still restored, wrote each record and each line
as a list. `version_1()` rewrites a snapshot's two parts the way version 1 wrote them,
from the records and lines version 2 holds: the tests that forge a version 1 body by its
paths (``body.by_resource[0][2][0]``, ``body.reported[0]``) forge it on that.
"""

from __future__ import annotations

import json
from typing import Any

from ratekit import _snapshot, _snapshot_columns


def version_1(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a version 2 snapshot) as version 1 wrote it, sealed, through JSON."""
    assert data["version"] == 2
    body = dict(data["body"])
    body["by_resource"] = _snapshot.encode_groups(
        _snapshot_columns.decode_kept(body["by_resource"])
    )
    body["reported"] = [
        [*key, str(quantity), str(amount)]
        for key, (quantity, amount) in _snapshot_columns.decode_reported(body["reported"])
    ]
    old = {"format": data["format"], "version": 1, "fingerprint": data["fingerprint"]}
    old["body"] = body
    old["checksum"] = _snapshot.checksum(old)
    out: dict[str, Any] = json.loads(json.dumps(old))
    return out
