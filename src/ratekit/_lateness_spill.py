"""The rater's words for records not late whose quantity spills into a closed cycle.

A record stamped in an open cycle when it was fed can still change a cycle closed since
(not compacted: that is too late, `ratekit._lateness`): a counter reading whose previous
reading lies before the close, a delta whose span starts before it, a ``last_seen``
inventory closing a resource at its last sign of life before it. `spilling()` finds those
records among a statement's new ones, per resource, with the words that say how each
reaches back; `spilled()` makes the ``"late"`` [`Anomaly`][ratekit.Anomaly] of each that
changed a closed line. Split from `ratekit._lateness`, which re-exports both.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from ._anomalies import placed
from ._instants import format_us
from ._metering_counters import order as tie_order
from .records import Anomaly, Event, Inventory, Sample

if typing.TYPE_CHECKING:
    from ._lateness import CounterIndex, Record, Triple

__all__ = ["spilled", "spilling"]

Key = tuple[str, str]


def spilling(
    records: Iterable[Record],
    closed_us: int,
    by_key: Mapping[Key, Sequence[Record]],
    index: CounterIndex,
    *,
    watermark: bool = False,
) -> dict[Key | None, list[tuple[Record, str]]]:
    """The records, not late, whose quantity may reach back before ``closed_us``.

    ``records`` are those a statement meters for the first time, none of them late (each
    stamped in an open cycle when it was fed). Such a record can still change a closed
    cycle: a counter reading whose previous reading lies before ``closed_us`` (its
    increment is split in time over the cycles between them), a delta whose span starts
    before it, an inventory with ``close="last_seen"`` (it closes what it does not list at
    the last sign of life). Per resource (None: inventories, any resource they do not
    list), each record with the words that say how it reaches back. O(n + k) for n
    records and k kept records of the counters' resources.

    With ``watermark``, ``closed_us`` is the last watermark and ``records`` are all the
    kept records stamped at or after it (a statement's new ones): a counter reading's
    previous one, if it has one, then lies before ``closed_us`` (one after would be among
    ``records``, and only the earliest of those is read), so the first found from the
    last fed answers, and the words name it (the previous reading, in a feed in time
    order): O(n) when the resource's last records fed are its newest (one reading every
    5 minutes, a statement every 10, 10 days: the stream took 1.67 s of CPU with the
    whole scan at each statement, 1.29 s so).
    """
    out: dict[Key | None, list[tuple[Record, str]]] = {}
    # Only these can reach back: the others (events, deltas at an instant, gauges) are
    # left out in one pass, in their order.
    reaching = [
        r
        for r in records
        if (type(r) is Sample and (r.since_us is not None or r.kind == "counter"))
        or (type(r) is Inventory and r.close == "last_seen")
    ]
    for record in _firsts(reaching):
        if type(record) is Inventory:
            if record.close == "last_seen":
                how = "it closes each resource it does not list at its last sign of life"
                out.setdefault(None, []).append((record, how))
            continue
        if type(record) is not Sample:
            continue
        key = (record.account, record.resource)
        if record.kind == "delta" and record.since_us is not None:
            start_us, how = record.since_us, "its span starts"
        elif record.kind == "counter":
            previous = _previous(record, by_key.get(key, ()), index, first=watermark)
            if previous is None:
                continue
            start_us, how = previous
        else:
            continue
        if start_us < closed_us:
            out.setdefault(key, []).append((record, f"{how} at {format_us(start_us)}"))
    return out


def _firsts(records: Iterable[Record]) -> list[Record]:
    """The records, with of a counter's new readings only the earliest. O(n).

    Only the earliest can count from a reading before a closed cycle's end.
    """
    earliest: dict[Triple, Sample] = {}
    others: list[Record] = []
    for record in records:
        if type(record) is Sample and record.kind == "counter":
            triple = (record.account, record.resource, record.meter)
            known = earliest.get(triple)
            if known is None or tie_order(record) < tie_order(known):
                earliest[triple] = record  # of a tie, the one metering applies first
        else:
            others.append(record)
    return [*others, *earliest.values()]


def _previous(
    reading: Sample, kept: Sequence[Record], index: CounterIndex, *, first: bool = False
) -> tuple[int, str] | None:
    """Where a counter reading's increment counts from, kept or in the state, and the words. O(k).

    With ``first``, of the first kept reading before it found from the last fed (see
    `spilling()`'s ``watermark``): O(1) when the last fed are the newest. Without it, the
    first reading of a ``zero`` meter (Counter ``from_zero``) counts from the start of
    its resource's running stretch: the state's, unless a kept START (or an UPDATE of a
    resource not known before) begins one before it (a STOP or DELETE before it ends it:
    it then counts from none). O(k log k).
    """
    at_us, meter = reading.at_us, reading.meter
    counted = "its increment counts from the previous reading"
    if first:
        for r in reversed(kept):
            if type(r) is Sample and r.kind == "counter" and r.meter == meter and r.at_us < at_us:
                return r.at_us, counted
    earlier = [
        r.at_us
        for r in kept
        if type(r) is Sample and r.kind == "counter" and r.meter == meter and r.at_us < at_us
    ]
    if earlier:
        return max(earlier), counted
    triple = (reading.account, reading.resource, meter)
    baseline = index.baselines.get(triple)
    if first or meter not in index.zero or (baseline is not None and triple not in index.stretches):
        return None if baseline is None else (baseline[0], counted)
    since = None if baseline is None else baseline[0]
    known = (reading.account, reading.resource) in index.states  # else an update opens it
    events = sorted((r for r in kept if type(r) is Event and r.at_us < at_us), key=_at)
    for event in events:
        if since is None and (event.kind == "start" or (event.kind == "update" and not known)):
            since = event.at_us
        elif event.kind in {"stop", "delete"}:
            since = None
        known = True
    return None if since is None else (since, _FROM_ZERO)


def _at(record: Record) -> int:
    return record.at_us


_FROM_ZERO: Final = "it counts from zero from the start of its resource's running stretch"


def spilled(
    spill: Mapping[Key | None, Sequence[tuple[Record, str]]],
    changed: Iterable[tuple[str, str | None, bool, int]],
    closed_us: int,
    late: str,
) -> list[Anomaly]:
    """The ``"late"`` anomalies of the records of `spilling()` that changed a closed cycle.

    ``changed`` holds, per line the statement gives (charged or reported only), its
    account, resource, whether it is of a closed cycle, and the end of that cycle. One
    anomaly per record and resource whose closed line changed. O(n).
    """
    if not spill:  # (mostly: no line read)
        return []
    out: dict[tuple[Key, int], Anomaly] = {}
    policy = (
        "corrected on the next open invoice (late='correct')"
        if late == "correct"
        else "reported only (late='report')"
    )
    for account, resource, is_late, end_us in changed:
        if not is_late or resource is None:
            continue
        key = (account, resource)
        causes = [*spill.get(key, ()), *spill.get(None, ())]
        for record, how in causes:
            if (key, id(record)) in out:
                continue
            if type(record) is Inventory:
                if any(item[:2] == key for item in record.resources) or (
                    record.accounts is not None and account not in record.accounts
                ):
                    continue  # listed, or of an account outside its scope
                what = f"inventory {record.id!r}" if record.id is not None else "inventory"
            elif type(record) is Sample:
                label = f"sample {record.id!r}" if record.id is not None else "sample"
                what = f"{label} ({record.meter}, {record.value})"
            else:
                continue
            out[key, id(record)] = placed(
                "late",
                f"{what} stamped {format_us(record.at_us)} was not late, but {how}, in "
                f"a cycle closed (up to {format_us(closed_us)}): the closed lines of "
                f"{resource!r} of {account!r} it changed (the cycle ending "
                f"{format_us(end_us)}) are {policy}. A horizon as long as the gap between "
                "two signs of life of a resource keeps such changes in open cycles.",
                () if record.id is None else (record.id,),
                account,
                resource,
                record.at_us,
            )
    return list(out.values())
