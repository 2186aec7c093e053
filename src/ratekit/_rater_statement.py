"""A statement of the streaming rater: meter, rate again, compare, close and compact.

Private to [`ratekit.Rater`][ratekit.Rater], whose `statement()` takes a checkpoint and
calls `statement()` here; the steps are the modules it calls, in order: the watermark's
range (`_rater_range`), the cycles that close (`_rater_close`), the records reaching
back (`_rater_roles`), metering what is new (`_rater_advance`), rating the changed
accounts again (`_rater_lines.rate`), comparing lines with what was reported
(`_rater_lines.compare`), the anomalies said once (`_rater_said`), then the invoices of
the closing cycles and the compaction of the one closed before.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import operator
import typing
from collections.abc import Iterable
from typing import Final

from . import _lateness
from . import _rater_accounts as _accounts
from . import _rater_advance as _advance
from . import _rater_book as _ledger
from . import _rater_close as _close
from . import _rater_coverage as _coverage
from . import _rater_far as _far
from . import _rater_held as _held
from . import _rater_lines as _lines
from . import _rater_priced_ahead as _ahead
from . import _rater_range as _range
from . import _rater_roles as _roles
from . import _rater_said as _said
from . import _rater_zero as _zero
from ._charge_order import in_charge_order
from ._instants import format_us, from_us, to_us
from .billing import Invoice, bill
from .errors import BadTimeError
from .rating import Charge
from .records import Anomaly, Inventory
from .spans import Span
from .statements import Statement, StatementLine

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["statement"]

_AT: Final = operator.attrgetter("at_us")
_ACCOUNT: Final = operator.attrgetter("account")


def _named(lines: Iterable[StatementLine], charges: Iterable[Charge]) -> set[str]:
    """The record ids a statement's lines and charges name. O(n)."""
    ids = {i for line in lines for i in line.record_ids}
    ids.update(i for c in charges if c.row is not None for i in c.row.record_ids)
    return ids


def statement(rater: Rater, as_of: _dt.datetime | str) -> Statement:
    """Rate up to ``as_of``, compare, close and compact: the body of `Rater.statement`.

    Raises `BadTimeError` when ``as_of`` goes back; the caller rolls back on any error.
    """
    as_of_us = to_us(as_of, "Rater.statement as_of")
    if as_of_us < rater._as_of_us:
        last = (
            f"the last watermark {format_us(rater._as_of_us)}"
            if rater._as_of_us > rater._base_us
            else f"the start of the cycles the rater keeps, {format_us(rater._base_us)}"
        )
        raise BadTimeError(
            f"Rater.statement as_of {format_us(as_of_us)} goes back before {last}; "
            "watermarks only move forward."
        )
    _range.as_of(rater, as_of_us)
    closing = _close.closing(rater, as_of_us)  # refused before anything changes
    base = rater._base_us
    # The records pending that this statement meters (known_by's first test inline).
    # Usually all of them are (a watermark after what was fed): told at C speed.
    pending = rater._pending
    if not pending or max(map(_AT, pending)) < as_of_us:
        known = list(pending)
    else:
        known = [r for r in pending if r.at_us < as_of_us or _ledger.known_by(r, as_of_us)]
    spill = _accounts.spilling(rater, known)
    listings = [r for r in known if type(r) is Inventory]
    closed_back = _accounts.closes_back(rater, listings, as_of_us, fresh=known)
    closed_back += _accounts.moves_closing(rater, known, [], as_of_us)
    closed_back += _accounts.relisted(rater, listings, (), known)[0]
    behind, closers = _roles.reaching(rater, known)
    metered, full, changed = _advance.advance(rater, as_of_us)
    # Lines a record changed behind the last watermark are corrected, not incremented.
    behind |= _roles.closed_behind(metered, closers, rater._as_of_us)
    rater._dirty.update((account, None) for account in behind)
    again = full is None or bool(full)
    book = rater._book
    assert book is not None
    first = _coverage.coverage(rater, book.lows.items())
    closed = rater._closed_us
    kept = rater._closed_charges
    start = base
    charges: tuple[Charge, ...] = ()
    if kept is not None and not again and base < closed:
        # The kept closed cycles changed only if a resource was metered again: else
        # their charges stand, and only the open cycles are rated (the rows before
        # them still count for allowances that span cycles).
        start, charges = closed, kept
    accounts = None if changed is None else {account for account, _ in changed}
    given = charges
    # Usage no entry prices that a record fed ahead may take away is not said yet.
    withheld = _ahead.withheld(rater, as_of_us)
    charges, rating, lost, opened = _lines.rate(
        rater, book, first, start, as_of_us, accounts, given, withheld
    )
    groups, scope = _lines.group(rater, charges, rating.charges, lost, full)
    lines, held = _lines.compare(rater, groups, scope, frozenset(closing))
    _accounts.see_late(rater, lines, held)
    spilled = _lateness.spilled(
        spill,
        ((x.account, x.resource, x.late, x.cycle.end_us) for x in (*lines, *held)),
        rater._closed_us,
        rater._late,
    )
    # Said once, in one order whichever resources continued and which were metered
    # again; about a record at the watermark, once its instant is settled.
    found = (*metered, *rating.anomalies, *closed_back, *spilled)
    shown = functools.partial(_named, (*lines, *held), charges)  # a closing that moved
    fresh = _said.fresh(rater, found, as_of_us, full, shown=shown)
    rater._anomalies.update(fresh)
    anomalies = rater._anomalies | rater._anomalies_before
    rater._as_of_us = as_of_us
    rater._dirty.clear()
    invoices, no_effect, given_up = _close_cycles(
        rater, closing, charges, anomalies, base, as_of_us
    )
    _keep(rater, charges, None if closing else (given, opened))

    return Statement(
        from_us(as_of_us),
        tuple(lines),
        invoices,
        tuple(Span.from_us(*cycle) for cycle in closing),
        (*fresh, *given_up),
        tuple(held),
        tuple(no_effect),
        tz=rater._tz,
    )


def _keep(
    rater: Rater,
    charges: tuple[Charge, ...],
    known: tuple[tuple[Charge, ...], dict[str, list[Charge]] | None] | None,
) -> None:
    """Keep the charges rated: those of the kept closed cycles, per account the open ones.

    ``known``: with no cycle closed, the charges given to `_lines.rate()` (those of the
    kept closed cycles, or none) and what it returned per account (None: not known).
    Then those are kept as they are, O(1); else one pass over ``charges``, O(c).
    """
    if known is not None and known[1] is not None:
        rater._closed_charges, rater._open_charges = known[0], known[1]
        return
    lo, hi = rater._base_us, rater._closed_us
    # The charges of the kept closed cycles in a comprehension (no call per charge),
    # then per account the open ones: an account's come in runs (rating's order), each
    # taken whole at C speed, not charge by charge.
    rater._closed_charges = tuple(
        [c for c in charges if c.cycle.end_us <= hi and lo <= c.cycle.start_us]
    )
    opened: dict[str, list[Charge]] = {}
    rater._open_charges = opened
    found = opened.get
    for account, run in itertools.groupby([c for c in charges if c.cycle.end_us > hi], _ACCOUNT):
        mine = found(account)
        if mine is None:
            opened[account] = list(run)
        else:
            mine.extend(run)


def _close_cycles(  # noqa: PLR0917 - the statement's own values, passed on
    rater: Rater,
    closing: list[tuple[int, int]],
    charges: tuple[Charge, ...],
    anomalies: set[Anomaly],
    base: int,
    as_of_us: int,
) -> tuple[tuple[Invoice, ...], list[str], list[Anomaly]]:
    """The invoices of the ``closing`` cycles, the ids with no effect, and what compaction gave up.

    Closes the cycles (those of ``closing``, as (start, end) in µs), then compacts the one
    closed before: its lines go too. ``base`` is the kept cycles' start before the call.
    The anomalies: the parts of long deltas stamped ahead that the compaction passed
    (`_rater_far.given_up()`). O(c + m).
    """
    if not closing:
        return (), [], []
    final = [c for c in charges if (c.cycle.start_us, c.cycle.end_us) in closing]
    invoices = bill(in_charge_order(final), tz=rater._tz)
    no_effect = _accounts.no_effect(rater, closing, charges, final, anomalies)
    rater._closed_us = closing[-1][1]
    if as_of_us == rater._closed_us:  # what is stamped here ends the cycle closed
        _accounts.at_closed_end(rater, as_of_us)
    deltas, before = _far.deltas(rater), rater._base_us
    # A last_seen inventory not applied yet may close a resource back at a first reading
    # from zero that this compaction folds: named as it is folded.
    ahead = _zero.ahead(rater, as_of_us)
    firsts = _zero.compacted_ids(rater) if ahead else set()
    _close.compact(rater, _held.held(rater, closing[-1][0]))
    given_up: list[Anomaly] = []
    if rater._base_us > before:  # the lines of the compacted cycles are gone
        rater._line_members = {
            k: v for k, v in rater._line_members.items() if k[2] > rater._base_us
        }
        given_up = _far.given_up(rater, deltas, before)
        if ahead:
            given_up += _zero.compacted_ahead(rater, ahead, firsts)
    return invoices, no_effect, given_up
