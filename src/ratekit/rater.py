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
from typing import Any, Literal

from . import _lateness, _rater_tz, _snapshot, _snapshot_doors
from . import _rater_allowances as _allowances
from . import _rater_assign as _assign
from . import _rater_book as _ledger
from . import _rater_consistent as _consistent
from . import _rater_engine as _engine_doors
from . import _rater_feed as _feed
from . import _rater_gone as _gone
from . import _rater_priced_ahead as _ahead
from . import _rater_priced_doors as _priced_doors
from . import _rater_range as _range
from . import _rater_remembered as _remembered
from . import _rater_reported as _reported
from . import _rater_scoped as _scoped
from . import _rater_statement as _step
from . import _rater_store as _store
from . import _rater_undo as _undo
from ._call_arguments import checked
from ._entry_points import in_context, plain_text
from ._instants import format_us, to_us
from ._rater_close import MAX_CLOSING as MAX_CLOSING  # noqa: PLC0414 - public here
from ._rater_engine import Engine as _Engine
from ._rater_engine import RowCharges
from ._rater_far import MAX_AHEAD as MAX_AHEAD  # noqa: PLC0414 - public here
from ._rater_position import positioned
from ._rater_turn import Turn, one_at_a_time
from ._shown import show
from ._text import one_of
from .assignments import Assignment
from .errors import (
    BadTimeError,
    RatekitError,
    RatekitTypeError,
)
from .policies import Meter
from .pricebook import Plan
from .rating import Charge
from .records import Anomaly, Event, Inventory, Sample
from .statements import Feed, LineKey, Statement
from .usage import ResourceState

__all__ = ["Rater"]

Record = Event | Sample | Inventory
LatePolicy = Literal["correct", "report"]


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
    for that part (an anomaly with that quantity), and applied for the rest. A delta fed
    ahead of the watermark keeps the cycles from its ``since``, or from the horizon plus
    `MAX_AHEAD` before its instant if later: each statement that compacts a part of its
    span before that says the part (a ``"too_late"`` anomaly). ``tz`` (an
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
        "_corrected",
        "_dirty",
        "_engine",
        "_feeding",
        "_fingerprint",
        "_first",
        "_forgotten",
        "_gone",
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
        "_sequenced",
        "_start_us",
        "_state",
        "_sticky",
        "_too_late",
        "_turn",
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
    # The resources with a kept record that has a ``seq`` (or had: a superset until the
    # indexes are derived anew), the only ones whose order a compaction must check
    # (`_rater_held.held()`), without reading every kept record at each closing.
    _sequenced: set[tuple[str, str]]
    # The accounts with a correction (a `Discrete` delta below zero) among the kept
    # records: all their resources are metered again at each statement (the correction
    # cuts the rows of all of them, see `ratekit._metering_corrections`).
    _corrected: set[str]

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
        self._turn = Turn()  # one call at a time (see _rater_turn)
        plans = plans if isinstance(plans, Plan) else _engine_doors.assignments(plans)
        meters = _engine_doors.meters(meters)
        self._engine = _Engine(plans, meters)
        self._engine.awaiting = _ahead.Undescribed(self)
        self._fingerprint = _snapshot.fingerprint(plans, meters)
        if not isinstance(horizon, _dt.timedelta) or horizon < _dt.timedelta(0):
            # a timedelta below zero is a wrong value of the right type: a ValueError
            wrong = BadTimeError if isinstance(horizon, _dt.timedelta) else RatekitTypeError
            raise wrong(f"Rater horizon must be a timedelta of zero or more, not {show(horizon)}.")
        chosen = one_of(late, ("correct", "report"))
        if chosen is None:
            raise RatekitTypeError(f"Rater late must be 'correct' or 'report', not {show(late)}.")
        self._horizon_us = horizon // _dt.timedelta(microseconds=1)
        self._late = typing.cast(LatePolicy, chosen)
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
        # The resources deleted in compacted cycles, forgotten: a tombstone each.
        self._gone: _gone.Gone = {}
        # The records judged too late, each fresh (since the last compaction) or not: see
        # _rater_remembered (those with an id have their digest in _forgotten).
        self._too_late: dict[_remembered.Key, bool] = {}
        # records that came after their cycle closed, and counter readings fed behind the
        # watermark whose increment may reach a closed cycle (see _rater_feed)
        self._late_keys: set[object] = set()
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
        # The feed under way, whose kept records a too-late one is judged without.
        self._feeding: _undo.FeedUndo | None = None
        # The charges of the kept closed cycles, as last rated (None: not known).
        self._closed_charges: tuple[Charge, ...] | None = None
        # Per account, the charges of the open cycles, as last rated (None: not known).
        self._open_charges: dict[str, list[Charge]] | None = None
        self._line_members = {}
        self._index()
        _store.regroup(self)

    # -- feeding ---------------------------------------------------------------------------

    @one_at_a_time
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
            undo = _undo.FeedUndo(self)  # a batch is taken whole or not at all
            try:
                fed, listed, refusal = _feed.fed(self, records, undo, excused)
            except BaseException:
                undo.undo()
                raise
            if refusal is None:
                return fed
            # The batch leaves an account's usage without a price: put back, it is
            # refused unless that usage was unpriced before it, when it is taken again.
            undo.undo()
            try:
                _priced_doors.refuse(self, refusal)
            except RatekitError as error:
                positioned(error, listed)
                raise
            excused.add(refusal[0])
            records = listed

    @one_at_a_time
    @in_context
    def assign(self, *assignments: Assignment) -> tuple[Assignment, ...]:
        """Add [`Assignment`][ratekit.Assignment] values for what is fed after; return the whole set. O(m + n).

        Each starts at or after the last watermark, so no line given changes. An account's
        open-ended assignment that starts earlier is ended at the new one's start (a plan
        change); one the rater holds already is a replay that changes nothing (so is one
        told open-ended with the account, plan and start of one it holds ended); one it
        holds open-ended, told again with an end at or after the watermark, ends there (a
        customer who leaves). Several in one call (a host's log of plan changes, in any
        order) are taken as one call each in the order of their starts, one with no start
        first; the whole set after the last passes the constructor's checks. A rater built from one
        `Plan` refuses it, and so it does an argument that is no `Assignment` (for a list of
        them, give ``rater.assign(*assignments)``); what it refuses leaves the rater
        unchanged. Restore the later snapshots with the set returned (see
        docs/streaming.md, new customers).
        """
        return _assign.assign(self, assignments)

    def _index(self) -> None:
        """Index the counters: each one's baseline in the state, its first kept reading."""
        zero = _ledger.from_zero(self._engine.meters)
        self._reach = _lateness.CounterIndex(self._state, self._records.values(), zero)

    # -- statements ------------------------------------------------------------------------

    @one_at_a_time
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
        saved = _undo.checkpoint(self)
        try:
            return _step.statement(self, as_of)
        except BaseException:
            _undo.rollback(self, saved)
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

    @one_at_a_time
    @checked
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
        other._feeding = None
        other._inventories = self._inventories.copy()
        other._book = None if self._book is None else self._book.copy()
        other._turn = Turn()
        other._index()
        return other

    @one_at_a_time
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
        unknown version (anything but the ints 1, 2 and 3: snapshots of version 1, which
        wrote each record as a list, and of version 2, whose resource states keep no piece
        before their base's, are still read), was altered (its checksum does not match),
        was taken under other plans or meters, nests deeper than a snapshot, holds what
        JSON does not (a set, an object, a key that is not a string), cannot be read (a
        mapping or list of the caller's own whose code raises, whose items are no pairs
        or never end: the error it raised is chained; an envelope is read no further than
        its five keys, a body than the keys a body may have, any other mapping or list of
        the caller's than its ``len()`` says, and keys a snapshot has not are refused
        before the checksum, so an endless or huge one is refused at once), has a body
        whose parts are of the wrong shape or out of range, or keeps what the feed refuses
        (a record, an id held by two kinds, a compacted level or instant: the feed's own
        doors judge them, so that a snapshot it takes can give statements). The message
        names the part and field, and what it should be.
        """
        return cls._restore(data, plans, meters)

    @classmethod
    def _restore(
        cls,
        data: typing.Mapping[str, Any],
        plans: Plan | Iterable[Assignment],
        meters: Iterable[Meter],
        *,
        priced: bool = True,
    ) -> Rater:
        """`restore()`, the door on usage no entry prices asked only with ``priced``.

        `Rater.assign()` restores without it: it judges the accounts it assigns itself
        (`_rater_kept_usage.reassigned()`), in words of its own.
        """
        plans = plans if isinstance(plans, Plan) else _engine_doors.assignments(plans)
        meters = _engine_doors.meters(meters)
        rater = object.__new__(cls)
        rater._turn = Turn()
        rater._engine = _Engine(plans, meters)
        rater._engine.awaiting = _ahead.Undescribed(rater)
        rater._fingerprint = _snapshot.fingerprint(plans, meters)

        def legacy() -> tuple[str, ...]:  # the fingerprints of earlier versions, if needed
            return tuple(_snapshot.fingerprint(plans, meters, ordered=o) for o in (True, "plans"))

        body, version = _snapshot.open_envelope(data, rater._fingerprint, legacy, body=_store.BODY)
        _store.load(rater, body, version)
        _consistent.consistent(rater)
        _reported.check(rater)  # each reported line one the rater could give
        rater._closers = []
        rater._feeding = None
        rater._line_members = {}
        rater._index()
        _store.regroup(rater)
        _snapshot_doors.restored(rater, priced=priced)  # what the feed refuses, restore refuses
        _reported.check_resources(rater)  # each reported line's resource one it metered
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
