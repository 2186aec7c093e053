"""The streaming rater's feed: one pass over a batch, each record filed where it goes.

Private to [`ratekit.Rater`][ratekit.Rater], whose `feed()` takes the batch whole or not at
all (`_rater_undo.FeedUndo`) and calls `fed()` here: the doors (`_rater_reach.checked`,
`_rater_priced_doors`), the order records are judged in (`_rater_order`), then per record
its outcome (accepted, duplicate, conflicting, late, too late) and where it is kept.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from . import _lateness
from . import _rater_accounts as _accounts
from . import _rater_book as _ledger
from . import _rater_gone as _gone
from . import _rater_order as _order
from . import _rater_priced_doors as _priced_doors
from . import _rater_reach as _reach
from . import _rater_redescribed as _redescribed
from . import _rater_remembered as _remembered
from . import _rater_store as _store
from . import _rater_zero as _zero
from ._rater_undo import FeedUndo
from .records import Anomaly, Event, Inventory, Sample
from .statements import Feed, _new_feed

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["fed"]

Record = Event | Sample | Inventory

#: What a record whose id another kind of record holds is compared with: nothing equal.
_CLASH: Final = object()
#: What a sample's value is compared with to tell a correction: a Decimal, as a value
#: given as a Decimal is (a comparison with the int 0 converts 0 for each such sample);
#: a value kept as an int (`records._kept_value`) compares with it exactly.
_ZERO: Final = Decimal(0)
#: What feed() does with a record, in the order of `Feed`'s fields.
_OUTCOMES: Final = ("accepted", "duplicates", "conflicting", "late", "too_late")


def fed(  # noqa: PLR0912, PLR0915 - one pass, the common path inline
    rater: Rater, records: Iterable[Record], undo: FeedUndo, excused: set[str]
) -> tuple[Feed, list[Record], _priced_doors.Refusal | None]:
    """`Rater.feed()`, each change off its common path made after ``undo`` can put it back.

    Also gives the batch as listed, and what `_rater_priced_doors.refusal()` says of
    it once taken (``excused``: the accounts it does not judge).
    """
    # Per outcome, the id of each record it was (None: the record has none).
    told: dict[str, list[str | None]] = {name: [] for name in _OUTCOMES}
    anomalies: list[Anomaly] = []
    listed = _reach.checked(rater, records)
    # A forgotten resource the batch names is brought back first (`_rater_gone`), and
    # metered again from the kept cycles' start with its state at the next statement
    # (it has no row in the book: it was forgotten there too), as a late record's is.
    # A replay of a compacted record, seen before, changes nothing: it brings none back.
    # Bringing one back changes nothing said either (a deleted state, nothing in the
    # kept cycles): its account's lines are said as corrections only when a record
    # reaches before the watermark (below), as had it never been forgotten.
    back = _gone.revive(
        rater,
        listed,
        lambda record: _remembered.seen(rater, record, _store.identity(record)) is not None,
    )
    if back:
        rater._index()
        _store.regroup(rater, book=False)
        undo.off_path()
        if rater._redo is not None:
            rater._redo.update(back)
        rater._dirty.update(back)
    suspects = _priced_doors.suspects(rater, listed)
    # Judged in an order of their own, so that the order listed changes nothing.
    batch = _order.judged(listed, rater._base_us)
    # judged after what they follow; one that cannot be placed is followed by none
    ahead = _lateness.sequenced_in(
        batch, rater._base_us, rater._reach.unordered, held=rater._holders
    )
    kept, forgotten, holders, first = rater._records, rater._forgotten, rater._holders, rater._first
    by_key, pending, dirty = rater._by_key, rater._pending, rater._dirty
    base, closed, prev = rater._base_us, rater._closed_us, rater._as_of_us
    continued, aggregations = rater._engine.continued, rater._engine.aggregations
    sticky = rater._sticky  # replaced by `_rater_store.regroup()` only, never during a feed
    sequenced = rater._sequenced  # (the same)
    corrected, sums = rater._corrected, rater._engine.sums  # (the same)
    # (``rater._reach`` is read anew each time: a too-late inventory of the batch indexes
    # the counters anew, `_rater_early.restate_all()`.)
    names = _store.KINDS
    # One pass, each record filed where it goes; a call per record only off the common
    # path (a record seen before, too late, reaching back, or an inventory).
    fresh = undo.kept  # the records kept, in the order judged
    rater._feeding = undo  # a too-late record judges closings without its kept records
    owing: list[Anomaly] = []
    partly: set[int] = set()  # the records kept and counted too late in part (by id())
    # The records of this batch judged too late (by id, or by content without one):
    # another version of one is conflicting, a replay a duplicate, as when kept.
    judged_late: dict[object, Record] = {}
    # Where each record not accepted is in ``batch``: the ids accepted are listed after
    # the pass, at C speed, not one call per record (no door reads them meanwhile).
    others: set[int] = set()
    # Where each record not pending is (not kept, an inventory, or behind the watermark):
    # the pending ones are added after the pass (or before a kept inventory, which is
    # filed as pending where it is judged), in the order judged, without a call each
    # (nothing else reads ``rater._pending`` during a feed; a feed that raises has the
    # rater's indexes derived anew, `_rater_undo.FeedUndo.undo()`). ``done``: the records
    # before it are added.
    held: set[int] = set()
    done = 0
    for index, record in enumerate(batch):
        record_id = record.id
        name = names[type(record)]
        at_us = record.at_us
        # Every id kept or forgotten has its holder: an id without one (or none) is new.
        # (Mostly new: told by ``in``, without the call of ``get()``.)
        holder = holders[record_id] if record_id in holders else None  # noqa: SIM401
        if record_id is None:
            identity: object = record
            # Looked up and kept at once, hashed once (a sample's hash reads its value):
            # new, it is taken out again before anything off the common path reads the
            # kept records (a record judged too late, or not kept), and a feed that
            # raises meanwhile takes it out (``undo.looked``). The same record fed again
            # is found, not kept: the kept records grow only by a new one.
            size = len(kept)
            known: object = kept.setdefault(record, record)
            if known is record and len(kept) > size:
                known = None
                undo.looked = record
        elif holder is None:
            identity, known = (name, record_id), None
        else:
            identity = (name, record_id)
            known = kept.get(identity)
            if known is None and holder != name:
                known = _CLASH  # one id space, as in rate(): another kind holds it
        if judged_late and known is None:
            earlier = judged_late.get(record if record_id is None else record_id)
            if earlier is not None:
                known = earlier if type(earlier) is type(record) else _CLASH
                if undo.looked is not None:
                    unlooked(kept, undo)
        if known is None and type(record) is not Inventory:
            # Its first usage or record: a delta over a span counts from the span.
            since = record.since_us if type(record) is Sample else None
            t_us = at_us if since is None or since > at_us else since
            account = record.account
            # (Mostly known: told by ``in``, without the call of ``get()``.)
            earliest = first[account] if account in first else None  # noqa: SIM401
            if earliest is None or t_us < earliest:
                undo.first_of(account, earliest)
                first[account] = t_us
                if t_us < base:  # what it owes in compacted cycles: too late
                    if undo.looked is not None:
                        unlooked(kept, undo)
                    undo.placing()
                    owing += _accounts.dues_too_late(rater, record, t_us, earliest)
        # Only records with an id are remembered once compacted (by the id's digest).
        if (
            known is not None
            or (at_us < base and not _reach.sequenced_into_kept(rater, record, ahead))
            # ordered before events the compacted state lost: not placed, wherever
            or (type(record) is Event and record.seq is not None and rater._reach.unordered(record))
            or (at_us == base and _reach.spanned(record, rater._engine.levels))
            or (holder is not None and forgotten and identity in forgotten)
        ):
            held.add(index)
            if undo.looked is not None:
                unlooked(kept, undo)
            if known is None:  # a plain duplicate or conflict changes nothing
                undo.placing()
            outcome = _reach.not_kept(rater, record, identity, known, anomalies)
            if known is None and outcome not in {"duplicates", "conflicting"}:
                judged_late[record if record_id is None else record_id] = record
                # Remembered: a replay in a later batch is a duplicate, another
                # version conflicting, as here.
                _remembered.remember(rater, record, name)
        else:
            # Late: its effect reaches a closed cycle (a delta over a span from its
            # start, a sequenced event from the first event it is ordered before).
            # Most take effect at their instant: an event without seq, a sample neither
            # a counter reading nor over a span, but at the end of the last closed
            # cycle (a stop there ends its last piece); `_rater_reach.effect()` says
            # where the others do.
            effect_us = at_us
            if at_us == closed or not (
                record.seq is None
                if type(record) is Event
                else type(record) is Sample and record.since_us is None and record.kind != "counter"
            ):
                effect_us, reaching = _reach.effect(rater, record)
                anomalies += reaching
                _accounts.too_late_in_part(record, reaching, told, partly)
                # Kept, so that the statement that meters it tells a part never applied
                # from one applied before its cycle was compacted (_rater_advance).
                undo.saying(reaching)
                rater._anomalies.update(reaching)
            # Late only for a kept closed cycle: what reaches before the kept cycles
            # is too late in part (said above), not late.
            reach_us = effect_us if effect_us > base else base  # noqa: FURB136 - hot path
            outcome = "late" if reach_us < closed else "accepted"
            if undo.looked is None:
                kept[identity] = record
            fresh.append(record)
            undo.looked = None
            if record_id is not None:
                holders[record_id] = name
            if outcome == "late":
                rater._late_keys.add(identity)
            if type(record) is Inventory:
                pending += [r for i, r in enumerate(batch[done:index], done) if i not in held]
                held.add(index)
                done = index + 1
                undo.off_path()  # it marks every resource dirty
                _reach.file_inventory(rater, record)
                if (
                    record.close == "last_seen"
                    and outcome == "accepted"
                    and closed > base
                    and _ledger.known_by(record, prev)
                ):
                    rater._late_keys.add(identity)  # behind the watermark: as a reading below
                moves = _redescribed.closed_back(rater, record)
                if rater._reach.stretches or _zero.counting(rater._reach):
                    # It may move (keep on, or end) a stretch a first reading counts from,
                    # or how far an increment from a compacted reading spreads.
                    moves += _zero.kept(rater, record)
                if moves:
                    anomalies += moves
                    _accounts.too_late_in_part(record, moves, told, partly)
                    undo.saying(moves)
                    rater._anomalies.update(moves)
            else:
                # Filed for the book: new to meter, or its resource metered again.
                key = (record.account, record.resource)
                if key in by_key:  # (mostly: one call, the append, not two)
                    by_key[key].append(record)
                else:
                    by_key[key] = [record]
                if record.seq is not None:
                    sequenced.add(key)
                if (
                    type(record) is Sample and record.meter in sums and record._value < _ZERO  # type: ignore[attr-defined] # (as kept)
                ):
                    corrected.add(record.account)  # a correction: see `Rater._corrected`
                if type(record) is Sample and (
                    record.meter not in continued
                    or (record.since_us is not None and record.meter in aggregations)
                ):
                    # (An aggregation's reading with a since: metered again, see
                    # `_rater_aggregations.aggregations()`.)
                    sticky.add(key)
                elif type(record) is Event and (
                    rater._reach.stretches
                    or (record.seq is not None and rater._reach.zero and key in rater._reach.states)
                    or (rater._reach.zero and _zero.counting(rater._reach, key))
                ):
                    # It may move the stretch a first reading from zero counts from (one
                    # ordered by its seq among compacted events, one they ended too).
                    moves = _zero.kept(rater, record)
                    anomalies += moves
                    _accounts.too_late_in_part(record, moves, told, partly)
                    undo.saying(moves)
                    rater._anomalies.update(moves)
                # Pending (metered from prev at the next statement) unless known by it.
                if at_us <= prev and _ledger.known_by(record, prev):
                    held.add(index)
                    if (
                        outcome == "accepted"
                        and closed > base
                        and type(record) is Sample
                        and record.kind == "counter"
                    ):
                        # Behind the watermark, in an open cycle: its increment may reach
                        # a closed cycle, which the statement that meters it says
                        # (`_behind()` of `_rater_accounts`); kept with the late ones until
                        # then (as is a ``last_seen`` inventory there, which may close a
                        # resource back).
                        rater._late_keys.add(identity)
                if effect_us < prev:
                    # Before the last watermark: its resource is metered again, and
                    # what it changes is a correction.
                    undo.off_path()
                    if rater._redo is not None:
                        rater._redo.add(key)
                    dirty.add(key)
                    dirty.add((record.account, None))
        if outcome != "accepted":
            others.add(index)
            told[outcome].append(record_id)
        if owing:  # said after the record's own words
            if outcome in {"accepted", "late"}:  # too late in part: its dues there
                _accounts.too_late_in_part(record, owing, told, partly)
            anomalies += owing
            owing.clear()
    told["accepted"] = [r.id for index, r in enumerate(batch) if index not in others]
    pending += (
        [r for index, r in enumerate(batch[done:], done) if index not in held] if held else batch
    )
    anomalies += _accounts.closings_too_late(rater, fresh, told, partly, undo)
    counts = {name: len(told[name]) for name in _OUTCOMES}
    ids = [_order.named(told[name]) for name in _OUTCOMES]
    in_order = tuple if batch is listed else lambda some: _order.as_listed(some, listed)
    fed = _new_feed(*(in_order(some) for some in ids), tuple(anomalies), counts)
    return fed, listed, _priced_doors.refusal(rater, suspects, excused)


def unlooked(kept: dict[object, Record], undo: FeedUndo) -> None:
    """Take out the record the feed kept where it looked it up (``undo.looked``).

    Judged off the common path (too late, or not kept), it is judged as if never kept,
    and kept again where the pass keeps records. O(1).
    """
    del kept[undo.looked]
    undo.looked = None
