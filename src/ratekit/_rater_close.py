"""The rater's cycles closing and compacting: which close at a watermark, what is folded away.

Private to [`ratekit.Rater`][ratekit.Rater]. A cycle closes when the watermark passes its
end plus the horizon (`closing()`); the cycle closed the time before is compacted
(`compact()`): its records are metered once more into the metering state at the new
base, what they used of allowances with their own period is carried, and they are
forgotten but for their ids' digests (a replay is still a duplicate).
"""

from __future__ import annotations

import typing
from typing import Final

from . import _rater_allowances as _allowances
from . import _rater_book as _ledger
from . import _rater_closed as _closed
from . import _rater_coverage as _coverage
from . import _rater_gone as _gone
from . import _rater_late_inventories as _late_inventories
from . import _rater_range as _range
from . import _rater_relisted as _relisted
from . import _rater_remembered as _remembered
from . import _rater_said as _said
from . import _rater_states as _states
from . import _rater_store as _store
from . import _rater_stretch as _stretch
from ._instants import format_us
from .errors import BadTimeError
from .records import Event, Inventory

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["MAX_CLOSING", "closing", "compact"]

#: The most cycles one statement closes: a watermark further ahead is refused.
MAX_CLOSING: Final = _range.MAX_CYCLES


def closing(rater: Rater, as_of_us: int) -> list[tuple[int, int]]:
    """The cycles that close at ``as_of_us``: ended at least ``horizon`` before it.

    At most `MAX_CLOSING` (BadTimeError beyond, before anything changes). O(c).
    """
    out: list[tuple[int, int]] = []
    start = rater._closed_us
    while True:
        cycle = rater._engine.containing(start)
        if cycle[1] + rater._horizon_us > as_of_us:
            return out
        if len(out) == MAX_CLOSING:
            raise BadTimeError(
                f"Rater.statement as_of {format_us(as_of_us)} would close more than "
                f"{MAX_CLOSING:,} cycles at once (from {format_us(rater._closed_us)}); a "
                "watermark that far ahead is most likely a wrong clock: ask statements "
                "at watermarks closer together (each closes at most "
                f"{MAX_CLOSING:,} cycles)."
            )
        out.append(cycle)
        start = cycle[1]


def compact(rater: Rater, new_base: int) -> None:
    """Fold the records stamped before ``new_base`` into the metering state."""
    if new_base <= rater._base_us:
        return
    old = {k: r for k, r in rater._records.items() if r.at_us < new_base}
    usage = rater._engine.meter(old.values(), rater._base_us, new_base, rater._state)
    zero = _ledger.from_zero(rater._engine.meters)
    before = {(s.account, s.resource): s for s in rater._state}
    folded = list(old.values())
    states = usage.state
    if zero:
        # A from_zero counter's first reading counts from its stretch's start, which the
        # 16 events a state keeps may no longer hold: written as its base's start.
        states = tuple(
            _stretch.carried_where_counted(
                zero, before.get((s.account, s.resource)), s, folded, new_base
            )
            for s in states
        )
    # The rows rated for the compacted cycles (a kept record's part in them too).
    book = rater._book
    rows = usage.rows if book is None else book.all_rows()
    rater._uncovered = _coverage.uncovered(rater, rater._state, states, rows, new_base)
    rater._first = _coverage.covered_from(rater._first, rows, new_base)
    # A kept event with a seq may move the compacted events without one: their history stays.
    sequenced = {
        (r.account, r.resource)
        for r in rater._records.values()
        if type(r) is Event and r.seq is not None
    }
    # A resource a last_seen inventory closed keeps the piece before the closing.
    # One listed again after a deletion keeps the piece before it (`_rater_relisted`).
    # A from_zero counter's stretch that began with a boot keeps the stop before it (each
    # state asks the whole timeline of its own records, and the inventories).
    own, listings = _stretch.per_resource(folded) if zero else ({}, [])
    rater._state = tuple(
        _stretch.carried_boot(
            zero,
            before.get((state.account, state.resource)),
            _relisted.compacted(
                before.get((state.account, state.resource)),
                _closed.closed(
                    before.get((state.account, state.resource)),
                    _states.lean(
                        state, zero, sequenced=(state.account, state.resource) in sequenced
                    ),
                    folded,
                ),
                folded,
            ),
            [*own.get((state.account, state.resource), ()), *listings],
        )
        for state in states
    )
    if rater._engine.own_periods:
        engine = rater._engine
        rater._allowed = _allowances.consumed(
            engine.plans, rater._allowed, rows, new_base, engine.samples
        )
    # New mappings, not the kept ones changed: a statement's checkpoint holds the old ones
    # (see _rater_undo.checkpoint).
    rater._records = {k: r for k, r in rater._records.items() if k not in old}
    _late_inventories.remember(rater, [r for r in old.values() if type(r) is Inventory])
    forgotten: dict[object, str | None] = {
        identity: _remembered.digest(record)
        for identity, record in old.items()
        if record.id is not None
    }
    _remembered.carried(rater, forgotten)  # the records judged too late since the last one
    rater._forgotten = forgotten
    rater._reported = {k: v for k, v in rater._reported.items() if k[2] > new_base}
    rater._base_us = new_base
    # Said once: an anomaly stays known while a kept record may make metering find it
    # again (its records are compacted with the cycle that holds them), and one
    # compaction longer in any case (a too-late part is told from an applied one).
    # The events a compacted state keeps (its history) are metered again with the kept
    # records that a seq orders before them: their anomalies may be found again too.
    held = [event for state in rater._state for event in state.history]
    rater._anomalies_before = _said.remembered(
        rater._anomalies_before, rater._anomalies, [*rater._records.values(), *held], new_base
    )
    rater._anomalies = set()
    if rater._book is not None:
        rater._book.drop_before(new_base)
    _store.regroup(rater, book=False)
    # A resource deleted in the compacted cycles that nothing can change any more is
    # forgotten but for a tombstone (`_rater_gone`): statements no longer visit it.
    _gone.forget(rater)
    rater._index()
    _ordered_before(rater)


def _ordered_before(rater: Rater) -> None:
    """Meter again, at the next statement, each resource whose kept events its state precedes wrongly.

    A kept event whose ``seq`` is below the last one its compacted state applied is
    ordered before that state (`_lateness.Lateness.event_reach()`: it came after those
    cycles were compacted, too late in part). While the state keeps the events it
    applied (``history``), metering the kept cycles orders them among those; once an
    inventory settled them, or the compaction folded the events the seq order put
    after the kept one, it cannot, and metering the kept cycles from the new state
    gives other lines than those the rater has. A restored rater meters the kept
    cycles from that state: so does this one, and both give the same corrections.
    O(m) for the m kept records, only for states with a ``seq``.
    """
    for state in rater._state:
        seq = state.seq
        if seq is None:
            continue
        key = (state.account, state.resource)
        if any(
            type(r) is Event and r.seq is not None and r.seq < seq
            for r in rater._by_key.get(key, ())
        ):
            rater._dirty.add(key)
            rater._dirty.add((state.account, None))
            if rater._redo is not None:
                rater._redo.add(key)
