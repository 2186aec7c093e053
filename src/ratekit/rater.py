"""The streaming rater: records as they come, charges so far, corrections, snapshot/restore.

A [`Rater`][ratekit.Rater] is the one place where ratekit keeps state. It has the shape of an
incremental codec (``hashlib``, ``codecs``): [`Rater.feed()`][ratekit.Rater.feed] records in any order and
batch size, ask [`Rater.statement()`][ratekit.Rater.statement] at a watermark ``as_of`` as often as you like,
[`Rater.copy()`][ratekit.Rater.copy] it, [`Rater.snapshot()`][ratekit.Rater.snapshot] it into JSON-safe data and
[`Rater.restore()`][ratekit.Rater.restore] it in another process; built from assignments,
it takes more as customers come ([`Rater.assign()`][ratekit.Rater.assign]).

It does not meter or price by itself: each statement meters what is new with
[`meter()`][ratekit.meter] (each resource continues from its metering state at the last
watermark; one with a late record, a counter or an aggregation is metered again from the
start of the oldest kept cycle; see `ratekit._rater_book`), rates the kept cycles with
[`rate()`][ratekit.rate]'s engine, then compares the lines with what it reported before. So
the statements of a stream add up, per account, cycle and line, to one batch
[`rate()`][ratekit.rate] over all its records, whatever the batches, the watermarks and the
restarts.

What it keeps: the metering state at ``base`` (the start of the oldest kept cycle), the
deduplicated records stamped from ``base`` on, each account's first record instant, the
lines it reported for the kept cycles, the ids of the records compacted away last and of
those judged too late since the compaction before last (`_rater_remembered`), and
what compacted cycles consumed of allowances with their own period (`_rater_allowances`);
in memory, per resource, its rows of the kept cycles and its state at the last
watermark. A cycle **closes** when ``as_of`` reaches its end plus the ``horizon``: its
invoices are given, and the cycle is kept (for late records) until the next cycle
closes; then its records are compacted into the metering state. So the state holds about
two cycles of records, whatever the length of history.

Examples:
    >>> import ratekit as rk
    >>> runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
    >>> plan = rk.Plan("standard", "EUR", rk.cycles.monthly(tz="UTC"),
    ...                [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))])
    >>> rater = rk.Rater(plan, [runtime], start="2026-03-01T00:00:00Z")
    >>> rater.feed([rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "small"},
    ...                      kind="start", id="e1")])
    Feed(accepted=1)
    >>> for line in rater.statement("2026-03-02T00:00:00Z").lines:
    ...     print(line.role, line.quantity, line.amount)
    charge 24 2.40
    >>> for line in rater.statement("2026-03-03T00:00:00Z").lines:
    ...     print(line.role, line.quantity, line.amount)
    increment 24 2.40
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final, Literal

from . import _lateness, _rater_tz, _snapshot, _snapshot_doors
from . import _rater_accounts as _accounts
from . import _rater_allowances as _allowances
from . import _rater_assign as _assign
from . import _rater_book as _ledger
from . import _rater_consistent as _consistent
from . import _rater_engine as _engine_doors
from . import _rater_order as _order
from . import _rater_priced_doors as _priced_doors
from . import _rater_range as _range
from . import _rater_reach as _reach
from . import _rater_remembered as _remembered
from . import _rater_reported as _reported
from . import _rater_scoped as _scoped
from . import _rater_statement as _step
from . import _rater_store as _store
from . import _rater_zero as _zero
from ._decimals import in_context, plain_text
from ._instants import format_us, to_us
from ._rater_close import MAX_CLOSING as MAX_CLOSING  # noqa: PLC0414 - public here
from ._rater_engine import Engine as _Engine
from ._rater_engine import RowCharges
from ._shown import show
from ._text import plain_choice
from .assignments import Assignment
from .errors import (
    RatekitTypeError,
)
from .policies import Meter
from .pricebook import Plan
from .rating import Charge
from .records import Anomaly, Event, Inventory, Sample
from .statements import Feed, LineKey, Statement, _new_feed
from .usage import ResourceState

__all__ = ["Rater"]

Record = Event | Sample | Inventory
LatePolicy = Literal["correct", "report"]

#: What a record whose id another kind of record holds is compared with: nothing equal.
_CLASH: Final = object()
#: What feed() does with a record, in the order of `Feed`'s fields.
_OUTCOMES: Final = ("accepted", "duplicates", "conflicting", "late", "too_late")


# -- the rater -----------------------------------------------------------------------------


@typing.final
class Rater:
    """The streaming rater: feed records, ask statements, snapshot and restore.

    ``plans`` (one [`Plan`][ratekit.Plan], or [`Assignment`][ratekit.Assignment] values, on one
    billing cycle) and ``meters`` are as for [`rate()`][ratekit.rate]. ``start``: the rater
    rates from the start of the cycle containing it. ``horizon``: how long after its end a
    cycle still takes records (a `datetime.timedelta`, default 0). ``late``: what
    happens to a record for a cycle that has closed but is still kept: ``"correct"``
    (default: reversal and correction lines, ``late=True``, in the next statement, for the
    next open invoice) or ``"report"`` (the same pairs in ``Statement.reported_only``, not
    charged). A record stamped before the kept cycles is too late: not applied, an
    anomaly with its quantity; one whose quantity reaches back before them is too late
    for that part (an anomaly with that quantity), and applied for the rest. ``tz`` (an
    IANA name, a fixed offset, or ``None`` for UTC): the timezone the invoices a statement closes name
    their cycle in, as [`bill()`][ratekit.bill]'s ``tz``; it is kept in the snapshot.

    Records without an id are identified by their content: the same record fed twice is a
    duplicate (as [`meter()`][ratekit.meter] does within one call).

    Cost: [`feed()`][ratekit.Rater.feed] is O(n) for n records; [`statement()`][ratekit.Rater.statement] meters the records new since the
    last statement and, from the kept cycles' start, all k kept records of each resource it meters again (one with a counter or aggregation meter, at every statement; one a late record reached), then rates the
    rows of the kept cycles: O((n + k) log(n + k) + r) for r rows. So a counter read every 5 minutes, with a statement per poll, costs O(k) per statement for
    the k readings of its cycle so far, quadratic over the cycle (see the streaming page). It closes at most `MAX_CLOSING` cycles ([`BadTimeError`][ratekit.BadTimeError] beyond).

    Examples:
        >>> import ratekit as rk
        >>> meter = rk.Meter("vm.hours", "hour", rk.OnOff())
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"),
        ...                [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))])
        >>> rater = rk.Rater(plan, [meter], start="2026-03-01T00:00:00Z")
        >>> rater.feed([rk.Event("acme", "vm-1", "2026-03-31T12:00:00Z", {}, kind="start", id="e1")])
        Feed(accepted=1)
        >>> statement = rater.statement("2026-04-01T06:00:00Z")
        >>> for line in statement.lines:
        ...     print(line.cycle.start.month, line.amount)
        3 1.20
        4 0.60
        >>> statement.invoices[0].total
        Decimal('1.20')
        >>> again = rk.Rater.restore(rater.snapshot(), plan, [meter])
        >>> again.statement("2026-04-01T12:00:00Z").lines[0].amount
        Decimal('0.60')
    """

    __slots__ = (
        "_allowed",
        "_anomalies",
        "_anomalies_before",
        "_as_of_us",
        "_base_us",
        "_book",
        "_by_key",
        "_closed_charges",
        "_closed_us",
        "_closers",
        "_dirty",
        "_engine",
        "_fingerprint",
        "_first",
        "_forgotten",
        "_holders",
        "_horizon_us",
        "_inventoried",
        "_inventories",
        "_late",
        "_late_keys",
        "_late_seen",
        "_line_members",
        "_open_charges",
        "_pending",
        "_rated_keys",
        "_reach",
        "_records",
        "_redo",
        "_reported",
        "_row_charges",
        "_scoped",
        "_start_us",
        "_state",
        "_sticky",
        "_too_late",
        "_tz",
        "_uncovered",
    )

    # The book (see _rater_book): per resource, the kept records; the records to meter
    # at the next statement; the resources to meter again from the kept cycles' start
    # (None: all of them); those with samples of a meter a continuation cannot join.
    _book: _ledger.Book | None
    _by_key: dict[tuple[str, str], list[Record]]
    _holders: dict[str, object]  # per id kept or forgotten, its record kind (see _rater_reach)
    _inventories: list[Record]
    _pending: list[Record]
    _redo: set[tuple[str, str]] | None
    _row_charges: RowCharges  # per account, what its last rating left to reuse
    _rated_keys: set[LineKey] | None  # the lines of the charges rated at the last statement
    # Per line, its charges at the last statement, in rating's order (read only while
    # _rated_keys is known: see _rater_lines.group).
    _line_members: dict[LineKey, tuple[Charge, ...]]
    _sticky: set[tuple[str, str]]

    def __init__(
        self,
        plans: Plan | Iterable[Assignment],
        meters: Iterable[Meter],
        *,
        start: _dt.datetime | str,
        horizon: _dt.timedelta = _dt.timedelta(0),
        late: LatePolicy = "correct",
        tz: str | _dt.tzinfo | None = None,
    ) -> None:
        plans = plans if isinstance(plans, Plan) else _engine_doors.assignments(plans)
        meters = _engine_doors.meters(meters)
        self._engine = _Engine(plans, meters)
        self._fingerprint = _snapshot.fingerprint(plans, meters)
        if not isinstance(horizon, _dt.timedelta) or horizon < _dt.timedelta(0):
            raise RatekitTypeError(
                f"Rater horizon must be a timedelta of zero or more, not {show(horizon)}."
            )
        late = typing.cast(LatePolicy, plain_choice(late))
        if late not in ("correct", "report"):
            raise RatekitTypeError(f"Rater late must be 'correct' or 'report', not {show(late)}.")
        self._horizon_us = horizon // _dt.timedelta(microseconds=1)
        self._late: LatePolicy = late
        self._tz = _rater_tz.door(tz)  # the invoices name their cycle there (None: UTC)
        start_us = to_us(start, "Rater start")
        base = _engine_doors.first_cycle(self._engine, start_us)
        _range.start(self._engine, start_us, self._horizon_us)
        self._start_us = base  # the start of the rater's first cycle: it charges from there
        self._base_us = base  # the start of the oldest kept cycle
        self._closed_us = base  # the end of the last closed cycle
        self._as_of_us = base  # the last statement's watermark
        self._state: tuple[ResourceState, ...] = ()  # metering state at _base_us
        self._records: dict[object, Record] = {}  # kept records, by identity
        # The ids compacted away last, each with the digest of its record's content.
        self._forgotten: dict[object, str | None] = {}
        # The records judged too late, each fresh (since the last compaction) or not: see
        # _rater_remembered (those with an id have their digest in _forgotten).
        self._too_late: dict[_remembered.Key, bool] = {}
        self._late_keys: set[object] = set()  # records that came after their cycle closed
        # The ids of those named by a line a statement has given since (their effect shown).
        self._late_seen: set[str] = set()
        self._reported: dict[LineKey, tuple[Decimal, Decimal]] = {}
        self._anomalies: set[Anomaly] = set()  # reported, still produced by the kept cycles
        # What records before the last watermark touched since the last statement.
        self._dirty: set[tuple[str, str | None]] = set()  # (account, resource or None)
        self._anomalies_before: set[Anomaly] = set()  # reported before the last compaction
        # Per account, the instant of its first record (or of its first usage, once
        # compacted): under one plan, its fees, bases and minimums are due from that
        # instant's cycle on (as rate() covers them).
        self._first: dict[str, int] = {}
        self._uncovered: set[str] = set()  # accounts the metering state covers not: see coverage()
        # Per account an inventory was scoped to (None: every account), the instant of the
        # last one compacted: see _rater_late_inventories.last_covering().
        self._inventoried: dict[str | None, int] = {}
        # Per scope and where, the last inventory with a where compacted: _rater_scoped.
        self._scoped: _scoped.Scoped = {}
        # What the compacted cycles consumed of allowances with their own period.
        self._allowed: _allowances.Consumed = {}
        self._book = None  # rows so far, metering state at _as_of_us
        self._closers: list[Inventory] = []  # the inventories of the batch being fed
        # The charges of the kept closed cycles, as last rated (None: not known).
        self._closed_charges: tuple[Charge, ...] | None = None
        # Per account, the charges of the open cycles, as last rated (None: not known).
        self._open_charges: dict[str, list[Charge]] | None = None
        self._line_members = {}
        self._index()
        _store.regroup(self)

    # -- feeding ---------------------------------------------------------------------------

    @in_context
    def feed(self, records: Iterable[Record]) -> Feed:
        """Take a batch of records, in any order; say what was done with each. O(n).

        A record seen before (same id and type; the same content without an id), in any
        earlier batch or before a snapshot, is a duplicate and changes nothing. Nothing is
        rated until the next [`statement()`][ratekit.Rater.statement]. The order within the
        batch changes nothing it says or does: its records are judged in one order that
        depends on them alone (events stamped before the kept cycles by instant, the other
        events from the greatest ``seq`` then by instant, samples in time order, then
        inventories; ties by kind, id and content: see docs/streaming.md). Every record
        that a ``"too_late"`` anomaly of the feed names is in ``too_late`` (a record kept
        for its part from the kept cycles on in ``accepted`` or ``late`` too).

        Examples:
            >>> import ratekit as rk
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
            >>> rater = rk.Rater(plan, [], start="2026-03-01T00:00:00Z")
            >>> start = rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="start", id="e1")
            >>> rater.feed([start, start])
            Feed(accepted=1, duplicates=1)
            >>> rater.feed([rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="stop", id="e1")]).conflicting
            ('e1',)
        """
        # The accounts whose kept usage was unpriced before the batch (as an earlier
        # version's snapshot may hold): left to the statements, not refused here.
        excused: set[str] = set()
        while True:
            undo = _store.FeedUndo(self)  # a batch is taken whole or not at all
            try:
                fed, listed, refusal = self._fed(records, undo, excused)
            except BaseException:
                undo.undo()
                raise
            if refusal is None:
                return fed
            # The batch leaves an account's usage without a price: put back, it is
            # refused unless that usage was unpriced before it, when it is taken again.
            undo.undo()
            _priced_doors.refuse(self, refusal)
            excused.add(refusal[0])
            records = listed

    def _fed(  # noqa: PLR0912, PLR0915 - one pass, the common path inline
        self, records: Iterable[Record], undo: _store.FeedUndo, excused: set[str]
    ) -> tuple[Feed, list[Record], _priced_doors.Refusal | None]:
        """`feed()`, each change off its common path made after ``undo`` can put it back.

        Also gives the batch as listed, and what `_rater_priced_doors.refusal()` says of
        it once taken (``excused``: the accounts it does not judge).
        """
        # Per outcome, the id of each record it was (None: the record has none).
        told: dict[str, list[str | None]] = {name: [] for name in _OUTCOMES}
        anomalies: list[Anomaly] = []
        listed = _reach.checked(self, records)
        suspects = _priced_doors.suspects(self, listed)
        # Judged in an order of their own, so that the order listed changes nothing.
        batch = _order.judged(listed, self._base_us)
        # judged after what they follow; one that cannot be placed is followed by none
        ahead = _lateness.sequenced_in(batch, self._base_us, self._reach.unordered)
        kept, forgotten, holders, first = self._records, self._forgotten, self._holders, self._first
        by_key, pending, dirty = self._by_key, self._pending, self._dirty
        base, closed, prev = self._base_us, self._closed_us, self._as_of_us
        sums = self._engine.sums
        names = _store.KINDS
        # One pass, each record filed where it goes; a call per record only off the common
        # path (a record seen before, too late, reaching back, or an inventory).
        fresh = undo.kept  # the records kept, in the order judged
        owing: list[Anomaly] = []
        partly: set[int] = set()  # the records kept and counted too late in part (by id())
        # The records of this batch judged too late (by id, or by content without one):
        # another version of one is conflicting, a replay a duplicate, as when kept.
        judged_late: dict[object, Record] = {}
        accepted = told["accepted"]
        for record in batch:
            record_id = record.id
            name = names[type(record)]
            at_us = record.at_us
            # Every id kept or forgotten has its holder: an id without one is new.
            holder = None if record_id is None else holders.get(record_id)
            if record_id is None:
                identity: object = record
                known: object = kept.get(record)
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
            if known is None and type(record) is not Inventory:
                # Its first usage or record: a delta over a span counts from the span.
                since = record.since_us if type(record) is Sample else None
                t_us = at_us if since is None or since > at_us else since
                account = record.account
                earliest = first.get(account)
                if earliest is None or t_us < earliest:
                    undo.first_of(account, earliest)
                    first[account] = t_us
                    if t_us < base:  # what it owes in compacted cycles: too late
                        undo.placing()
                        owing += _accounts.dues_too_late(self, record, t_us, earliest)
            # Only records with an id are remembered once compacted (by the id's digest).
            if (
                known is not None
                or (at_us < base and not _reach.sequenced_into_kept(self, record, ahead))
                # ordered before events the compacted state lost: not placed, wherever
                or (
                    type(record) is Event
                    and record.seq is not None
                    and self._reach.unordered(record)
                )
                or (at_us == base and _reach.spanned(record, self._engine.levels))
                or (holder is not None and forgotten and identity in forgotten)
            ):
                if known is None:  # a plain duplicate or conflict changes nothing
                    undo.placing()
                outcome = _reach.not_kept(self, record, identity, known, anomalies)
                if known is None and outcome not in {"duplicates", "conflicting"}:
                    judged_late[record if record_id is None else record_id] = record
                    # Remembered: a replay in a later batch is a duplicate, another
                    # version conflicting, as here.
                    _remembered.remember(self, record, name)
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
                    else type(record) is Sample
                    and record.since_us is None
                    and record.kind != "counter"
                ):
                    effect_us, reaching = _reach.effect(self, record)
                    anomalies += reaching
                    _accounts.too_late_in_part(record, reaching, told, partly)
                    # Kept, so that the statement that meters it tells a part never applied
                    # from one applied before its cycle was compacted (_rater_advance).
                    undo.saying(reaching)
                    self._anomalies.update(reaching)
                # Late only for a kept closed cycle: what reaches before the kept cycles
                # is too late in part (said above), not late.
                reach_us = effect_us if effect_us > base else base  # noqa: FURB136 - hot path
                outcome = "late" if reach_us < closed else "accepted"
                kept[identity] = record
                fresh.append(record)
                if record_id is not None:
                    holders[record_id] = name
                if outcome == "late":
                    self._late_keys.add(identity)
                if type(record) is Inventory:
                    undo.off_path()  # it marks every resource dirty
                    _reach.file_inventory(self, record)
                    if self._reach.stretches:
                        # It may move (keep on, or end) a stretch a first reading counts from.
                        moves = _zero.kept(self, record)
                        anomalies += moves
                        _accounts.too_late_in_part(record, moves, told, partly)
                        undo.saying(moves)
                        self._anomalies.update(moves)
                else:
                    # Filed for the book: new to meter, or its resource metered again.
                    key = (record.account, record.resource)
                    mine = by_key.get(key)
                    if mine is None:
                        by_key[key] = [record]
                    else:
                        mine.append(record)
                    if type(record) is Sample and record.meter not in sums:
                        self._sticky.add(key)
                    elif self._reach.stretches and type(record) is Event:
                        # It may move the stretch a first reading from zero counts from.
                        moves = _zero.kept(self, record)
                        anomalies += moves
                        _accounts.too_late_in_part(record, moves, told, partly)
                        undo.saying(moves)
                        self._anomalies.update(moves)
                    if at_us > prev or not _ledger.known_by(record, prev):
                        pending.append(record)  # metered from prev at the next statement
                    if effect_us < prev:
                        # Before the last watermark: its resource is metered again, and
                        # what it changes is a correction.
                        undo.off_path()
                        if self._redo is not None:
                            self._redo.add(key)
                        dirty.add(key)
                        dirty.add((record.account, None))
            if outcome == "accepted":
                accepted.append(record_id)
            else:
                told[outcome].append(record_id)
            if owing:  # said after the record's own words
                if outcome in {"accepted", "late"}:  # too late in part: its dues there
                    _accounts.too_late_in_part(record, owing, told, partly)
                anomalies += owing
                owing.clear()
        anomalies += _accounts.closings_too_late(self, fresh, told, partly, undo)
        counts = {name: len(told[name]) for name in _OUTCOMES}
        ids = [_order.named(told[name]) for name in _OUTCOMES]
        in_order = tuple if batch is listed else lambda some: _order.as_listed(some, listed)
        fed = _new_feed(*(in_order(some) for some in ids), tuple(anomalies), counts)
        return fed, listed, _priced_doors.refusal(self, suspects, excused)

    @in_context
    def assign(self, *assignments: Assignment) -> tuple[Assignment, ...]:
        """Add [`Assignment`][ratekit.Assignment] values for what is fed after; return the whole set. O(m).

        Each starts at or after the last watermark, so no line given changes. An account's
        open-ended assignment that starts earlier is ended at the new one's start (a plan
        change); the whole set passes the constructor's checks. A rater built from one
        `Plan` refuses it; what it refuses leaves the rater unchanged. Restore the later
        snapshots with the set returned (see docs/streaming.md, new customers).
        """
        return _assign.assign(self, assignments)

    def _index(self) -> None:
        """Index the counters: each one's baseline in the state, its first kept reading."""
        zero = _ledger.from_zero(self._engine.meters)
        self._reach = _lateness.CounterIndex(self._state, self._records.values(), zero)

    # -- statements ------------------------------------------------------------------------

    @in_context
    def statement(self, as_of: _dt.datetime | str) -> Statement:
        """Rate up to the watermark ``as_of``; return what changed since the last statement.

        ``as_of`` must not go back. What is new is metered and the kept cycles re-rated up
        to ``as_of``; each invoice line is compared with what was reported (see
        [`StatementLine`][ratekit.StatementLine] for the roles). Then every cycle whose end plus the horizon
        is at or before ``as_of`` closes: its invoices are given, and the cycle closed the
        time before is compacted away. A statement that raises leaves the rater as it was
        before the call (its snapshot unchanged): once the records that made it fail are
        made good, the next one rates.

        Examples:
            >>> import ratekit as rk
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
            >>> rater = rk.Rater(plan, [], start="2026-03-01T00:00:00Z")
            >>> rater.statement("2026-03-05T00:00:00Z")
            Statement('2026-03-05T00:00:00Z', 0 lines, 0 invoices, 0 anomalies)
            >>> rater.statement("2026-03-04T00:00:00Z")
            Traceback (most recent call last):
            ...
            ratekit.BadTimeError: Rater.statement as_of 2026-03-04T00:00:00Z goes back before the last watermark 2026-03-05T00:00:00Z; watermarks only move forward.
        """
        saved = _store.checkpoint(self)
        try:
            return _step.statement(self, as_of)
        except BaseException:
            _store.rollback(self, saved)
            raise

    # -- copies, snapshots -----------------------------------------------------------------

    def __copy__(self) -> Rater:
        """`copy.copy()` gives an independent copy too (see `copy()`): never shared state."""
        return self.copy()

    def __deepcopy__(self, memo: dict[int, object]) -> Rater:
        """`copy.deepcopy()` gives `copy()`: its records, rows and plans are immutable values.

        Copied member by member, the rater's indexes of them (by identity) would point at
        the originals' objects, and at others once those are freed.
        """
        return self.copy()

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled as its snapshot, with its plans and meters: unpickled, it is restored."""
        return _restored, (self.snapshot(), self._engine.plans, self._engine.meters)

    def copy(self) -> Rater:
        """An independent copy: feeding or asking one does not change the other. O(m)."""
        other = object.__new__(Rater)
        for name in Rater.__slots__:
            value = getattr(self, name)
            if isinstance(value, dict | set):
                value = value.copy()
            object.__setattr__(other, name, value)
        other._by_key = {key: records.copy() for key, records in self._by_key.items()}
        other._pending = self._pending.copy()
        other._closers = []
        other._inventories = self._inventories.copy()
        other._book = None if self._book is None else self._book.copy()
        other._index()
        return other

    @in_context
    def snapshot(self) -> dict[str, Any]:
        """The rater's state as JSON-safe data, versioned and checksummed. O(m).

        ``json.dumps`` it, store it, and [`restore()`][ratekit.Rater.restore] it with the same plans and meters.
        Any text the feed took is saved, and comes back equal through ``json.dumps`` and
        ``json.loads`` (the record doors take valid Unicode text only: no surrogates).

        The checksum (sha256 of the canonical JSON) catches accidental damage, not an
        attacker: anyone can recompute it. Restore checks the body for shape and range
        (each field's type, instants in range, nothing listed twice), not for provenance:
        store snapshots where only the host writes.
        """
        return _snapshot.seal(_store.body(self), self._fingerprint)

    @classmethod
    @in_context
    def restore(
        cls,
        data: typing.Mapping[str, Any],
        plans: Plan | Iterable[Assignment],
        meters: Iterable[Meter],
    ) -> Rater:
        """The rater that [`snapshot()`][ratekit.Rater.snapshot] saved, under the same plans and meters.

        Raises [`BadSnapshotError`][ratekit.BadSnapshotError] when the data is not a snapshot, has an
        unknown version (anything but the ints 1 and 2: snapshots of version 1, which wrote
        each record as a list, are still read), was altered (its checksum does not match),
        was taken under other plans or meters, nests deeper than a snapshot, holds what
        JSON does not (a set, an object, a key that is not a string), cannot be read (a
        mapping or list of the caller's own whose code raises, whose items are no pairs
        or never end: the error it raised is chained), has a body
        whose parts are of the wrong shape or out of range, or keeps what the feed refuses
        (a record, an id held by two kinds, a compacted level or instant: the feed's own
        doors judge them, so that a snapshot it takes can give statements). The message
        names the part and field, and what it should be.
        """
        plans = plans if isinstance(plans, Plan) else _engine_doors.assignments(plans)
        meters = _engine_doors.meters(meters)
        rater = object.__new__(cls)
        rater._engine = _Engine(plans, meters)
        rater._fingerprint = _snapshot.fingerprint(plans, meters)
        legacy = tuple(_snapshot.fingerprint(plans, meters, ordered=o) for o in (True, "plans"))
        body, version = _snapshot.open_envelope(data, rater._fingerprint, legacy)
        _store.load(rater, body, version)
        _consistent.consistent(rater)
        _reported.check(rater)  # each reported line one the rater could give
        rater._closers = []
        rater._line_members = {}
        rater._index()
        _store.regroup(rater)
        _snapshot_doors.restored(rater)  # what the feed refuses, restore refuses
        return rater

    def _check(self) -> None:
        """Assert the invariants of the state (for tests and restore)."""
        _consistent.check(self)

    @plain_text
    def __repr__(self) -> str:
        return (
            f"Rater(base={format_us(self._base_us)!r}, closed={format_us(self._closed_us)!r}, "
            f"as_of={format_us(self._as_of_us)!r}, {len(self._records)} records kept, "
            f"{len(self._state)} resources compacted)"
        )


def _restored(
    data: dict[str, Any], plans: Plan | Iterable[Assignment], meters: Iterable[Meter]
) -> Rater:
    """The rater a pickle holds: restored from its snapshot (see `Rater.__reduce__`)."""
    return Rater.restore(data, plans, meters)
