"""What a statement says of anomalies: each once, and none about an unsettled instant.

Private to [`ratekit.Rater`][ratekit.Rater]. A stream says each anomaly once (`said()`
tells one from another), across compaction and restore; an anomaly about a record
stamped at the watermark itself waits until that instant is settled (`unsettled()`).
What a later record changes is a correction to charges: an anomaly said stays said.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable
from typing import Final

from .records import Anomaly, Inventory

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["fresh", "said", "unsettled"]


def fresh(
    rater: Rater,
    found: Iterable[Anomaly],
    as_of_us: int,
    order: typing.Callable[[Anomaly], typing.Any],
) -> tuple[Anomaly, ...]:
    """The anomalies of ``found`` not said before, but those about an unsettled instant.

    In ``order``; one of each that `said()` tells apart. O(a log a).
    """
    known = {said(a) for a in (*rater._anomalies, *rater._anomalies_before)}
    unsaid: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Anomaly] = {}
    for anomaly in sorted(dict.fromkeys(found), key=order):
        unsaid.setdefault(said(anomaly), anomaly)
    out = [a for key, a in unsaid.items() if key not in known]
    waiting = unsettled(rater, out, as_of_us) if out else set()
    return tuple(a for a in out if a not in waiting)


def said(anomaly: Anomaly) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """What makes an anomaly the one said before: its kind, its record, the names it quotes.

    Its record is the first of its ``record_ids``, the one it is about (the others name
    what it is measured against); the names are those of records, resources, accounts
    and meters (quoted in every message), and the labels of records without an id (what
    they are and their instant, `ratekit._normalize.label`). Its other instants and
    quantities, and the record it is measured against, may read otherwise when a
    resource is metered again from compacted state: it is still the same anomaly, said
    once. O(len).

    Examples:
        >>> import ratekit as rk
        >>> said(rk.Anomaly("after_delete", "event 's' of 'r0' after its delete.", ("s", "d")))
        ('after_delete', ('s',), ("'s'", "'r0'"))
    """
    return anomaly.kind, anomaly.record_ids[:1], tuple(_NAMES.findall(anomaly.message))


# A quoted name, or a record without an id: "(start of 'vm' at <instant>, no id)",
# "inventory at <instant>".
_NAMES: Final = re.compile(r"\([^()]*, no id\)|inventory at \S+|'[^']*'")


def unsettled(rater: Rater, anomalies: Iterable[Anomaly], as_of_us: int) -> set[Anomaly]:
    """The anomalies about a record stamped at the watermark itself: not said yet.

    Metering reads a delta over a span that ends at ``as_of_us`` (its span lies before
    it), but not an event or inventory stamped there, which metering orders before it
    at that instant: one fed later (a START, an inventory that opens the resource again)
    may take the anomaly away, as batch rating of every record says. So it is said once
    that instant is settled, by the first statement past it: its resource is metered
    again then (and after a restore every resource is). O(a).
    """
    out: set[Anomaly] = set()
    for anomaly in anomalies:
        if not anomaly.record_ids:
            continue
        record_id = anomaly.record_ids[0]
        kind = rater._holders.get(record_id)
        record = rater._records.get((kind, record_id)) if isinstance(kind, str) else None
        if record is None or record.at_us != as_of_us or type(record) is Inventory:
            continue
        out.add(anomaly)
        if rater._redo is not None:
            rater._redo.add((record.account, record.resource))
    return out
