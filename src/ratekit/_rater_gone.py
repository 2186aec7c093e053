"""The resources a rater forgot: deleted in compacted cycles, kept as a tombstone each.

Private to [`ratekit.Rater`][ratekit.Rater]. A resource deleted in a cycle that is
compacted, whose state can no longer change anything priced (no reading but a delta's, nothing
spread past its clock, no history, no piece before, no ``seq``, no kept record), is
taken out of the metering state at that compaction (`forget()`): the statements no longer
visit it, and the snapshot keeps of it only a tombstone, its deletion (the instant, the
record that deleted it, the state's clock, the inventories that covered it last), some
30 bytes in JSON for the resource's and the record's ids instead of some 280; the
inventories that covered them are written once for the snapshot, in one table
(``body.gone_listings``), which the tombstones name by index (`encode()`).
A record of the batch that names it again (an event or sample of the resource, an
inventory listing it), stamped in the kept cycles or before them, brings the deleted
state back before the batch is judged (`revive()`): it is judged exactly as before, as
one batch `rate()` judges it (an event after a deletion is an ``"after_delete"``
anomaly, a listing opens the resource again, a record before the kept cycles is too
late); a replay of a record compacted away (seen before) brings nothing back. See
docs/streaming.md, "Deleted resources".
"""

from __future__ import annotations

import itertools
import json
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from . import _vlq
from ._instants import MAX_US, MIN_US, format_us
from ._resource_state import _NO_BASE, ResourceState
from ._shown import show
from ._state_doors import Listings, decoded_listings, listings_door
from .records import Event, Inventory, Record, Sample

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["Gone", "check", "decode", "decode_table", "encode", "forget", "revive"]

Key = tuple[str, str]
Tombstone = tuple[int, str | None, int, Listings | None]
#: Per forgotten resource: the instant of its deletion, the record that deleted it, its
#: state's clock (an event ignored after the deletion moves it) and the inventories that
#: covered it last (see `ResourceState.listings`).
Gone = dict[Key, Tombstone]

_SHAPE: Final = "[account, [resource, ...], deletions, [opened_by or null, ...], clocks, listings]"
_TABLE: Final = "[instants, [[[id or null, attributes or null, close], ...], ...]]"


def _forgettable(state: ResourceState, base_us: int, sums: frozenset[str]) -> bool:
    """Whether ``state`` is a deletion that nothing of it can change any more. O(r).

    Its readings, if any, are the last delta of meters that only add up (``sums``): a
    delta after the deletion is added as it comes, whatever came before (the reading
    kept orders one of its very instant, stamped in the compacted cycles: too late).
    """
    return (
        state.status == "deleted"
        and not state.description
        and state.since_us is not None
        and state.clock_us is not None
        and state.seq is None
        and all(reading[3] == "delta" and reading[0] in sums for reading in state.readings)
        and state.through_us == base_us
        and state._past == _NO_BASE
        and not state._before
        and not state._pending
        and not state._complete
    )


def forget(rater: Rater) -> None:
    """Move the compacted states that `_forgettable()` judges into tombstones.

    Called by compaction once the kept records and the new base are set. A resource
    with a kept record (an inventory's listing of it included), touched since the last
    statement, of an account the metering state does not cover, or of one whose first
    record is not before the kept cycles is kept: so the account stays known before
    them by its first record (`ratekit._rater_coverage`, `_rater_accounts.dues_too_late()`
    and `_rater_late_inventories` read its states only for an account without one). The book
    (metering state at the watermark) forgets them too. O(s + i) for s states and i
    kept inventories' listings.
    """
    base = rater._base_us
    held = rater._records.values()
    named: set[Key] = set()
    for record in held:
        if type(record) is Inventory:
            named.update((account, resource) for account, resource, _ in record.resources)
        else:
            named.add((record.account, record.resource))
    engine = rater._engine
    sums = engine.sums - engine.levels - engine.aggregations.keys()
    kept: list[ResourceState] = []
    gone: Gone = dict(rater._gone)
    for state in rater._state:
        key = (state.account, state.resource)
        if (
            key in named
            or key in rater._dirty
            or state.account in rater._uncovered
            or rater._first.get(state.account, base) >= base
            or not _forgettable(state, base, sums)
        ):
            kept.append(state)
            continue
        assert state.since_us is not None
        assert state.clock_us is not None
        gone[key] = (state.since_us, state.opened_by, state.clock_us, state._listings)
    if len(kept) == len(rater._state):
        return
    rater._state = tuple(kept)
    rater._gone = gone
    book = rater._book
    if book is not None:
        forgotten = [key for key in book.states if key in gone]
        for key in forgotten:
            del book.states[key]
            book.rows.pop(key, None)
            book.lows.pop(key, None)
        book.running.forget(forgotten)
        if book.so_far:
            book.so_far = {
                place: held_so_far
                for place, held_so_far in book.so_far.items()
                if (place[0], place[1]) not in gone
            }


def revive(
    rater: Rater, records: Sequence[object], seen: Callable[[Record], bool] = lambda _: False
) -> list[Key]:
    """Bring back the deleted state of each forgotten resource that ``records`` name.

    Before the batch is judged: its records are then judged against the state as if it
    had never been forgotten. Returns the resources brought back (the caller has the
    next statement meter them again from the kept cycles' start, with their state).
    A record ``seen`` before (a replay of a compacted record: a duplicate, or another
    version, conflicting) brings nothing back: it changes nothing, so its resource is
    not metered again and the next statement says nothing of its account as a
    correction. New mappings, not the old ones changed: a feed that raises puts the old
    ones back (`_rater_undo.FeedUndo`). O(n) for the batch's n records and its
    inventories' listings (plus a digest for each that names a forgotten resource), O(s
    log s) more for s states when one is brought back.
    """
    gone = rater._gone
    if not gone:
        return []
    back: list[Key] = []
    for record in records:
        if type(record) is Inventory:
            named = [
                (account, resource)
                for account, resource, _ in record.resources
                if (account, resource) in gone
            ]
        elif type(record) is Event or type(record) is Sample:
            key = (record.account, record.resource)
            named = [key] if key in gone else []
        else:
            continue
        if named and not seen(record):
            back += named
    if not back:
        return []
    left = dict(gone)
    states = list(rater._state)
    for key in dict.fromkeys(back):
        since_us, opened_by, clock_us, listings = left.pop(key)
        states.append(
            ResourceState(
                key[0],
                key[1],
                "deleted",
                {},
                since_us,
                opened_by,
                clock_us,
                None,
                (),
                rater._base_us,
                listings=listings,
            )
        )
    rater._state = tuple(sorted(states, key=lambda state: (state.account, state.resource)))
    rater._gone = left
    return list(dict.fromkeys(back))


def encode(gone: Gone) -> tuple[list[list[object]], list[object] | None]:
    """The tombstones as a snapshot writes them: per account, in columns, and the listings. O(g log g).

    Per account (`_SHAPE`): ``[account, [resource, ...], deleted, [opened_by or null, ...],
    clocks, listings]``, its resources sorted; ``deleted``: the deletions' instants, each
    after the first as its step from the one before (Base64 VLQ, `ratekit._vlq`);
    ``clocks``: each clock's step from its deletion; ``listings``: ``[]`` when none of the
    account's resources has the inventories that covered it last, else per resource its
    index in the snapshot's table of listings plus one (0: none), in Base64 VLQ.

    The table (``body.gone_listings``, None when no tombstone has listings) writes each
    distinct such listings once for the whole snapshot (the resources of every account
    one hourly listing covered when they were forgotten share it), in order of their
    instants (`_TABLE`): ``[instants, [inventories, ...]]``, the instants as Base64 VLQ
    steps from the one before (the first from 0), each ``inventories`` as
    `ResourceState.to_json()` writes them (``[[id or null, attributes or null, close],
    ...]``).
    """
    accounts: dict[str, list[tuple[str, Tombstone]]] = {}
    for (account, resource), stone in sorted(gone.items()):
        accounts.setdefault(account, []).append((resource, stone))
    # Each distinct listings written once: by its text, then in order of instants.
    written: dict[str, tuple[int, object]] = {}
    keys: dict[Key, str] = {}
    for key, stone in gone.items():
        if stone[3] is not None:
            entries = _inventories_json(stone[3])
            text = json.dumps([stone[3][0], entries], sort_keys=True)
            written.setdefault(text, (stone[3][0], entries))
            keys[key] = text
    order = sorted(written, key=lambda text: (written[text][0], text))
    index = {text: position for position, text in enumerate(order, 1)}
    out: list[list[object]] = []
    for account, stones in accounts.items():
        previous = 0
        steps: list[int] = []
        for _, (since_us, _, _, _) in stones:
            steps.append(since_us - previous)
            previous = since_us
        indices = [index.get(keys.get((account, resource), ""), 0) for resource, _ in stones]
        out.append(
            [
                account,
                [resource for resource, _ in stones],
                _vlq.encode(steps),
                [stone[1] for _, stone in stones],
                _vlq.encode((stone[2] - stone[0] for _, stone in stones), signed=False),
                _vlq.encode(indices, signed=False) if any(indices) else [],
            ]
        )
    if not order:
        return out, None
    instants = [written[text][0] for text in order]
    table: list[object] = [
        _vlq.encode(now - before for before, now in zip([0, *instants], instants, strict=False)),
        [written[text][1] for text in order],
    ]
    return out, table


def _inventories_json(listings: Listings) -> object:
    """The inventories of ``listings`` as `ResourceState.to_json()` writes them. O(l)."""
    probe = ResourceState("a", "r", "unknown", {}, listings=listings)
    written = probe.to_json()["listings"]
    assert isinstance(written, dict)
    return written["inventories"]


def decode_table(table: object) -> list[Listings]:
    """The snapshot's table of listings (``body.gone_listings``, `encode()`), each through its door.

    Raises ``TypeError`` or ``ValueError`` naming what is wrong and what it should be
    (which `ratekit._snapshot.decoding()` turns into a refusal naming the path). O(l).
    """
    if not (isinstance(table, list) and len(table) == 2 and isinstance(table[1], list)):
        raise TypeError(f"the tombstones' listings must be {_TABLE}, not {show(table)}")
    steps = _vlq.decode(table[0], "the listings' instants")
    if len(steps) != len(table[1]) or not steps:
        raise ValueError(
            f"the tombstones' listings give {len(steps)} instants for {len(table[1])} "
            f"listings: one each, and at least one ({_TABLE})"
        )
    out: list[Listings] = []
    for at_us, entries in zip(itertools.accumulate(steps), table[1], strict=True):
        if not MIN_US <= at_us <= MAX_US:
            raise ValueError(
                f"the tombstones' listings give the instant {at_us}, outside the instants "
                f"ratekit represents ({MIN_US} to {MAX_US} µs, that is 0001-01-01 to "
                "9999-12-31 in UTC)"
            )
        listings = listings_door(decoded_listings({"at_us": at_us, "inventories": entries}))
        assert listings is not None
        out.append(listings)
    return out


def decode(
    item: object, table: Sequence[Listings] = ()
) -> tuple[str, list[tuple[Key, Tombstone]], set[int]]:
    """An account's tombstones in a snapshot (`encode()`), each through the state's own door.

    ``table``: the snapshot's listings (`decode_table()`), which the account's indices
    name. Snapshots written before the table wrote, per account, ``[[listings, ...],
    indices]`` (each listings as `ResourceState.to_json()` writes them), read as they are.
    Also returns the indices in ``table`` the account's resources name.
    """
    if not isinstance(item, list) or len(item) != 6:
        raise TypeError(f"forgotten resources must be {_SHAPE}, not {show(item)}")
    account, resources, steps, opened, clocks, listed = item
    if not isinstance(resources, list) or not isinstance(opened, list):
        raise TypeError(f"forgotten resources must be {_SHAPE}, not {show(item)}")
    deleted = list(itertools.accumulate(_vlq.decode(steps, "the deletions")))
    after = _vlq.decode(clocks, "the clocks", signed=False)
    if not len(resources) == len(deleted) == len(opened) == len(after):
        raise ValueError(
            f"forgotten resources of {show(account)} list {len(resources)} resources, "
            f"{len(deleted)} deletions, {len(opened)} records and {len(after)} clocks: "
            "one each"
        )
    found: dict[int, object] = {}
    used: set[int] = set()
    if listed != []:
        if isinstance(listed, str):
            known: Sequence[object] = table
            where = "body.gone_listings' listings"
            text: object = listed
        elif isinstance(listed, list) and len(listed) == 2 and isinstance(listed[0], list):
            known = [decoded_listings(entry) for entry in listed[0]]  # written before the table
            where = "the table's listings"
            text = listed[1]
        else:
            raise TypeError(
                "forgotten resources' listings must be [], indices in body.gone_listings "
                "(a string of Base64 VLQ integers) or, as snapshots wrote them before, "
                f"[[listings, ...], indices], not {show(listed)}"
            )
        indices = _vlq.decode(text, "the listings' indices", signed=False)
        if len(indices) != len(resources) or any(i > len(known) for i in indices):
            raise ValueError(
                f"forgotten resources of {show(account)} give {len(indices)} listings' "
                f"indices for {len(resources)} resources, each 0 (none) to {len(known)} "
                f"({where}): one each, within the table"
            )
        found = {index: known[i - 1] for index, i in enumerate(indices) if i}
        if isinstance(listed, str):
            used = set(indices) - {0}
    out: list[tuple[Key, Tombstone]] = []
    for index, resource in enumerate(resources):
        since_us = deleted[index]
        state = ResourceState(
            account,
            resource,
            "deleted",
            {},
            since_us,
            opened[index],
            since_us + after[index],
            listings=found.get(index),
        )
        assert state.since_us is not None
        assert state.clock_us is not None
        out.append(
            (
                (state.account, state.resource),
                (state.since_us, state.opened_by, state.clock_us, state.listings),
            )
        )
    if type(account) is not str:
        raise TypeError(f"forgotten resources' account must be a string, not {show(account)}")
    return account, out, used


def check(gone: Gone, states: Iterable[ResourceState], base_us: int) -> str | None:
    """What is wrong with tombstones restored beside ``states``, if anything. O(g + s)."""
    for state in states:
        if (state.account, state.resource) in gone:
            return (
                f"resource {show(state.resource)} of {show(state.account)} is both in the "
                "metering state and forgotten (body.gone)"
            )
    for (account, resource), stone in gone.items():
        if stone[2] >= base_us:
            return (
                f"forgotten resource {show(resource)} of {show(account)} has its clock at "
                f"{format_us(stone[2])}, not before the kept cycles' start "
                f"{format_us(base_us)}: only resources deleted in compacted cycles are "
                "forgotten"
            )
    return None
