"""Rating: usage rows and plans in, charges with their provenance out.

[`rate()`][ratekit.rate] prices each usage row under the plan its account had at the time:

1. Each row is cut where the account's plan changes, at the plan's cycle boundaries and
   wherever the winning price entry of its meter changes (rows that metering cut at the
   plan's ``cuts`` need no cutting; a row given whole is split in proportion to time,
   telescoping, so the pieces add up to the row exactly).
2. Each piece is priced by the highest-priority entry in effect whose selector matches
   the resource's description.
3. An allowance makes the first units of its period free (the billing cycle, or its own
   cycle), in time order, as exact fractions.
4. A **linear** price ([`PerUnit`][ratekit.PerUnit]) prices each piece on its own. Any other
   price (graduated, volume, package, flat) prices the cycle's total quantity per
   account, plan and meter (or per resource, or per value of a description attribute:
   the entry's ``group_by``), and gives each piece, in time order, the **marginal**
   amount of its quantity on top of those before it: ``amount(before + q) -
   amount(before)``. The group's **base**, ``amount(0)`` (a flat fee, a first tier's
   flat fee), is its own charge (``kind="fee"``, named after the entry): the base and
   the pieces of a group add up exactly to the amount of the group's total. A span that
   starts inside a cycle prices on from where the cycle's rows before it (given) left
   each group, so a cycle rated in pieces adds up to the cycle rated whole.
5. Bases are **due without usage**: every account the plans cover owes, each cycle, the
   base of each meter's account-wide entry (no selector, no ``group_by``) in each price
   regime, prorated by the share of the cycle the plan covers inside the rated span. A
   group opened by another entry (a selector, a ``group_by``) owes its entry's base
   when it has usage. Under a single plan, an account is covered from the first cycle
   in which it has usage or a record. Then recurring fees and minimum commitments are added per
   account, plan and cycle, prorated the same way. A minimum's top-up is the commitment
   less the exact spend; where the exact spend reached the commitment but the lines, as
   [`bill()`][ratekit.bill] will round them, fall short of it, it is a zero top-up (the
   invoice bills the commitment less the lines as rounded); else there is none. A span
   that starts inside a cycle tops up the cycle's top-up so far at its end less that
   at its start (the time before it rated to know it: `_opening`), so that the pieces
   of a cycle add up to it rated whole under a minimum too.

Amounts are exact (no rounding here): invoices round each printed line once.

Examples:
    >>> import ratekit as rk
    >>> months = rk.cycles.monthly(tz="UTC")
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> row = rk.UsageRow("acme", "vm.hours", "vm-1", rk.Span("2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z"),
    ...                   march, 240, "hour", {"flavor": "small"}, ("e1", "e2"))
    >>> plan = rk.Plan("standard", "EUR", months, [
    ...     rk.PriceEntry("small", "vm.hours", rk.PerUnit("0.10")),
    ...     rk.PriceEntry("small-2", "vm.hours", rk.PerUnit("0.12"), start="2026-03-15T00:00:00Z", priority=1),
    ... ])
    >>> for charge in rk.rate([row], plan, span=march).charges:
    ...     print(charge.entry, charge.quantity, charge.unit_price, charge.amount)
    small 120 0.10 12.00
    small-2 120 0.12 14.40
"""

from __future__ import annotations

import datetime as _dt
import functools
import operator
import typing
from collections.abc import Container, Iterable, Mapping
from fractions import Fraction
from itertools import repeat
from typing import Final

from . import _values as _v
from ._allowances import Drawn, Taken
from ._charge_order import in_row_order
from ._cuts import metering_cycle
from ._entry_points import in_context
from ._instants import MAX_US, from_us, to_us
from ._level_limits import capped as capped_levels
from ._meter_units import _read_meters, _row_units, _with_carried
from ._minimum_pieces import Positions, cycle_start, readable_again
from ._pricing import Exact, GroupKey, Place, _Piece
from ._rating_engine import _Engine
from ._rating_unpriced import Awaiting
from ._shown import show
from ._standing import Kept
from .assignments import Assignment
from .charges import _KIND_ORDER as _KIND_ORDER  # noqa: PLC0414 - billing reads it here
from .charges import Charge, Rating
from .charges import ChargeKind as ChargeKind  # noqa: PLC0414 - billing reads it here
from .errors import RatekitTypeError
from .metering import meter_cut_by_account
from .policies import Meter
from .pricebook import Plan
from .records import Anomaly, Event, Inventory, Sample
from .sharing import Share, read_shares, shares_by_owner
from .spans import Span
from .usage import (
    Usage,
    UsageRow,
    _NoEffect,
    _one_unit_per_meter,
)

__all__ = ["Charge", "Rating", "rate"]

Records = Iterable[Event | Sample | Inventory]


@in_context
def rate(
    usage: Usage | Iterable[UsageRow] | Records,
    plans: Plan | Iterable[Assignment],
    *,
    span: Span,
    meters: Iterable[Meter] | None = None,
    as_of: _dt.datetime | str | None = None,
    accounts: Iterable[str] | None = None,
    shares: Iterable[Share] = (),
) -> Rating:
    """Rate usage over ``span`` under ``plans``: the charges, with their provenance.

    - ``usage``: usage rows (a [`Usage`][ratekit.Usage] from [`meter()`][ratekit.meter], or any
      iterable of [`UsageRow`][ratekit.UsageRow]), or, with ``meters``, the records themselves:
      they are metered as [`meter()`][ratekit.meter] meters them, each account with its
      own first plan's cycle, ``as_of`` (by default the end of ``span``), and each
      account's rows cut where its own assignments, prices and cycles change (not at
      another account's: see ``docs/pricing.md``, Layering); the anomalies are returned
      with the charges.
    - ``meters``: with records, the meters to meter them with; with usage rows, the
      meters the rows come from, so that the rows of a meter whose quantity does not add
      up (a peak: ``Max()``, ``Latest()``...) are priced as its cycle's aggregate, whole
      under each price for that price's share of the cycle (see ``docs/usage.md``);
      rows rated without their meters are priced as quantities that add up. A
      [`Usage`][ratekit.Usage] from [`meter()`][ratekit.meter] carries its meters
      (``Usage.meters``): they need not be given again. Given again, each meter named
      both ways must be the same (a meter of that name defined otherwise raises
      [`RatekitTypeError`][ratekit.RatekitTypeError] naming both), and the meters given
      add to the usage's. With its meters known, a row of a meter whose quantity is a
      sum of samples (a delta, a counter, a count) is never split in proportion to time
      at a price cut or an assignment boundary it was not metered with
      (``Usage.cuts``): that raises [`UncutUsageError`][ratekit.UncutUsageError] naming
      the row and the instant; rows without their meters are split in proportion to time.
    - ``plans``: one [`Plan`][ratekit.Plan] for every account, or
      [`Assignment`][ratekit.Assignment] values (an account without a plan at some instant is
      an error). Bases, fees and minimums are due to every account the plans cover:
      under assignments, every assigned account; under a single plan, every account
      named in ``accounts`` (over the whole span) and every account that appears in the
      input (a row or a record, inside the rated span or not), from the first cycle in
      which it has usage or a record (a delta over a span counts from the span's start;
      a [`Usage`][ratekit.Usage] from [`meter()`][ratekit.meter] gives its records'
      instants, ``Usage.first_us``, rows or not).
    - ``accounts``: account names a single plan covers even when the input has none of
      their usage (rating a month in pieces, or an account with no usage at all, still
      charges their slice of fees, bases and minimums). Under assignments, each must be
      assigned ([`UnpricedUsageError`][ratekit.UnpricedUsageError] otherwise).
    - ``span``: what to rate; rows are clipped to it (in proportion to time), and fees,
      minimums and allowances are prorated to the part of each cycle inside it. The
      rows before it in the cycle it starts in place its tiers (and take from
      allowances with their own period): they are not charged. Under a minimum, the
      span tops up the cycle's top-up so far at its end (the commitment prorated to
      then less what the minimum counts to then, at least 0) less that at its start, so
      that the pieces of a cycle add up to it rated whole (see docs/pricing.md). A meter whose quantity
      does not add up (a peak, a mean) is aggregated over each cycle the span cuts from
      the cycle's start, to its end or so far (to ``as_of``), and the span bills its
      share, as a plan's end or start cuts a cycle (see ``docs/usage.md``): the parts of
      a cycle rated as of its end add up to it rated whole.
    - ``shares``: the [`Share`][ratekit.Share] values to split charges by: an owner's
      minimum commitments count only its own part of a shared charge (see
      `ratekit.sharing`), and the rating records them (``Rating.shares``), so that
      [`bill()`][ratekit.bill] of the rating splits by exactly these.
    - ``as_of``: what is known so far: the span is cut there (a resource still running is
      charged up to ``as_of``, and fees, minimums and allowances are prorated to it). A
      record stamped after it is not counted, even for its part inside the span (a
      counter's next reading, a period row ending later): metering's reasons are in
      ``Rating.no_effect`` (``"not_yet"``), as in [`Usage.no_effect`][ratekit.Usage.no_effect].

    Usage no entry prices raises [`UnpricedUsageError`][ratekit.UnpricedUsageError] naming the meter,
    account, resource and span, or, under a plan built with ``unpriced="anomaly"``, is
    reported as an ``"unpriced"`` anomaly. Under assignments, the part of a row where its
    account has no plan (before its first assignment, in a gap between two, after its
    last: a resource running on past an assignment's end) is not charged and is an
    ``"unpriced"`` anomaly naming the meter, account, resource, span, quantity and the
    account's assignments; the rest of the row is priced where it lies. Usage of an
    account no assignment names raises [`UnpricedUsageError`][ratekit.UnpricedUsageError]. A price model that refuses a quantity (more
    than a bounded tier table's last tier) raises
    [`BadQuantityError`][ratekit.BadQuantityError] naming the entry, account, resource and
    records. A correction nets against its cycle's usage in any order (a group priced by
    its total is priced where its running quantity is at zero or above); a cycle total
    below zero is priced at 0 with a ``"negative_total"`` anomaly. Charges come out in a stable order,
    whatever the order of the rows or records. Cost: O(n log n) for n rows.

    Examples:
        >>> import ratekit as rk
        >>> runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
        >>> records = [
        ...     rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "small"}, kind="start", id="e1"),
        ...     rk.Event("acme", "vm-1", "2026-03-03T00:00:00Z", kind="stop", id="e2"),
        ... ]
        >>> plan = rk.Plan("standard", "EUR", rk.cycles.monthly(tz="UTC"),
        ...                [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))], fees=[rk.Fee("support", 30)])
        >>> rating = rk.rate(records, plan, span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        ...                  meters=[runtime])
        >>> for charge in rating.charges:
        ...     print(charge.kind, charge.entry, charge.quantity, charge.unit, charge.amount)
        usage vm 48 hour 4.80
        fee support 1 cycle 30
    """
    return _rate_among(
        usage, plans, span=span, meters=meters, as_of=as_of, accounts=accounts, shares=shares
    )


@in_context
def _rate_among(
    usage: Usage | Iterable[UsageRow] | Records,
    plans: Plan | Iterable[Assignment],
    *,
    span: Span,
    meters: Iterable[Meter] | None = None,
    as_of: _dt.datetime | str | None = None,
    accounts: Iterable[str] | None = None,
    shares: Iterable[Share] = (),
    every: list[Plan] | None = None,
    positions: Positions | None = None,
) -> Rating:
    """[`rate()`][ratekit.rate], with ``every``: the plans of all the assignments.

    `ratekit.scaleout` gives a part only its accounts' assignments; with ``every`` (the
    plans of the whole list, `ratekit._rating_engine.plans_in`) the part checks the
    meters and levels against every plan, as one process does, and meters an account no
    plan covers by the first plan's cycle. Without it, exactly ``rate()``.
    ``positions``: where to record each minimum's position at the span's end (the
    rating of the time before a span that starts inside a cycle, see `_opening`).
    """
    if not isinstance(span, Span):
        raise RatekitTypeError(
            f"rate span must be a Span, not {type(span).__name__}: {show(span)}."
        )
    plans, accounts = readable_again(plans, accounts)
    span, whole = _known(span, as_of)
    engine = _Engine(plans, span, every)
    rows: tuple[UsageRow, ...]
    pairs: set[tuple[str, str]] | None = None  # the rows' (meter, unit) pairs, once gathered
    rated_shares = read_shares(shares, "rate shares")  # the rating records what counted
    engine.owned = shares_by_owner(rated_shares, "rate shares")
    anomalies: list[Anomaly] = []
    if not isinstance(usage, Usage):
        usage = _v.collection(
            usage, "rate usage", read="rate records", accepted="a list of records (or usage rows)"
        )
    given_rows = isinstance(usage, Usage)
    meters = _with_carried(usage, meters)
    if meters is not None:
        meters = _read_meters(meters, engine.plans)
        engine.levels = capped_levels(meters, engine.plans)
        # Which meters' rows share an aggregate that does not add up (a peak).
        engine.peaks = frozenset(m.name for m in meters if not m.additive)
        given_rows = isinstance(usage, Usage) or (
            bool(usage) and all(isinstance(item, UsageRow) for item in usage)
        )
        # Rows metered before: a sum of samples (a delta's, a counter's, a count's) is not
        # split by time at a price cut or an assignment boundary it was not metered with.
        engine.samples = sums = frozenset(
            m.name for m in meters if m._factor is None and m.additive
        )
        engine.sums = sums if given_rows else frozenset()
    engine.opening = _opening(
        engine, (usage, plans, meters, accounts, rated_shares, every), whole, positions
    )
    if meters is not None and not given_rows:
        cycle = metering_cycle(engine.plans)
        metered = meter_cut_by_account(
            typing.cast("Records", usage),
            meters,
            span=span,
            cycle=cycle,
            as_of=span.end if as_of is None else as_of,
            cuts=engine.cuts(m.name for m in meters),
            cycles=engine.cycles(),
            states=False,  # rating carries none
            whole=whole,
        )
        rows = _inside(engine, metered.rows, span)
        anomalies.extend(metered.anomalies)
        first_us = _earliest(typing.cast("Records", usage))
        earlier = engine.period_starts(first_us)
        # (an aggregation such as Max is not a sum: its earlier peak places nothing)
        for name, since in engine.cycle_starts(m.name for m in meters if m.additive).items():
            if first_us < span.start_us:
                earlier[name] = min(earlier.get(name, since), since)
        if earlier:
            # The periods' usage before the span takes from own-period allowances first, and
            # the cycle's places its tiers, as rating it would: the same records are metered
            # over it for that, from where every pool or cycle it touches starts (its
            # anomalies are another span's).
            # Every meter is given, as above: a sample of any of them may be among the
            # records (and be a resource's last sign of life); only the rows of those
            # meters place anything. Known as of what the span's metering knows: a delta
            # over a span, or a counter's increment, stamped in the span spreads a part
            # before it, and an inventory there may close a resource back before it.
            before = Span.from_us(min(earlier.values()), span.start_us)
            before_rows = [
                row
                for row in meter_cut_by_account(
                    typing.cast("Records", usage),
                    meters,
                    span=before,
                    cycle=cycle,
                    as_of=span.end if as_of is None else as_of,
                    # cut as the span's rows are: at plan changes, prices and periods
                    cuts=engine.cuts((m.name for m in meters), (before.start_us, before.end_us)),
                    cycles=engine.cycles(),
                    states=False,
                ).rows
                if row.meter in earlier
            ]
            # a correction in the span takes back usage before it at the price it was
            # billed at: the meters with one are known to both parts (`_taken_back`)
            engine.corrections((*rows, *before_rows))
            engine.consume_before(before_rows)
            engine.place_before(before_rows)
    elif isinstance(usage, Usage):
        rows = usage.rows
        pairs = _one_unit_per_meter(rows, "rate usage")
    else:
        rows = tuple(typing.cast("Iterable[UsageRow]", usage))
        if any(not isinstance(row, UsageRow) for row in rows):
            bad = next(row for row in rows if not isinstance(row, UsageRow))
            raise RatekitTypeError(
                "rate usage must be usage rows, or records with meters=[...], not "
                f"{type(bad).__name__}: {show(bad)}."
            )
        rows = in_row_order(rows)
        pairs = _one_unit_per_meter(rows, "rate usage")
    _row_units(rows, engine.plans, meters, given_rows, pairs)
    records = usage if meters is not None and not given_rows else ()
    return _rated(
        engine,
        rows,
        lambda: engine.covered(
            accounts, rows, records, usage.first_us if isinstance(usage, Usage) else None
        ),
        anomalies,
        rated_shares,
        # what metering knew but counted nowhere, worked out on first use
        no_effect=(lambda: metered.no_effect) if meters is not None and not given_rows else (),
    )


def _opening(
    engine: _Engine, given: tuple[object, ...], as_of_us: int, positions: Positions | None
) -> Positions:
    """The minimums' positions where the span rated starts inside a cycle: a piece of it.

    The time from the cycle's start to the span is rated as the span is (the same
    ``given`` usage, plans, meters, accounts and shares, as of the same instant,
    ``as_of_us``), and each minimum's commitment prorated to the span's start less what
    it counted to then is recorded, so that the piece tops up the cycle's top-up at its
    end less that at its start (`ratekit._minimum_pieces.telescoped`): the pieces add up to the
    cycle rated whole. Empty without a minimum, or where the span starts at every
    cycle's start. ``positions``: given, the rating is that of the time before a span,
    which records its positions there (and looks back no further).
    """
    if positions is not None:
        # (its usage no plan or entry prices is the span's rating's to place, not report)
        engine.positions, engine.quiet = positions, True
        return {}
    start = engine.start_us
    lo = cycle_start(engine.plans, start)
    if lo == start or start >= engine.end_us:
        return {}
    usage, plans, meters, accounts, shares, every = given
    found: Positions = {}
    _rate_among(
        typing.cast("Records", usage),
        typing.cast("Plan | Iterable[Assignment]", plans),
        span=Span.from_us(lo, start),
        meters=typing.cast("Iterable[Meter] | None", meters),
        as_of=from_us(as_of_us),
        accounts=typing.cast("Iterable[str] | None", accounts),
        shares=typing.cast("Iterable[Share]", shares),
        every=typing.cast("list[Plan] | None", every),
        positions=found,
    )
    return found


def _known(span: Span, as_of: _dt.datetime | str | None) -> tuple[Span, int]:
    """``span`` cut at ``as_of``, and how far a cycle it cuts is known: ``as_of``.

    Nothing is known after ``as_of`` (by default the span's end): rows, fees, minimums
    and allowances stop there. A cycle the span cuts is aggregated from its start to its
    end, or so far, to ``as_of`` where that is inside it (a peak, a mean:
    `ratekit._whole_cycles`).
    """
    if as_of is None:
        return span, span.end_us
    as_of_us = to_us(as_of, "rate as_of")
    cut = Span.from_us(span.start_us, max(span.start_us, min(span.end_us, as_of_us)))
    return cut, max(span.start_us, as_of_us)


def _inside(engine: _Engine, rows: tuple[UsageRow, ...], span: Span) -> tuple[UsageRow, ...]:
    """The rows inside ``span``; those of a cycle's part outside it are in its aggregate.

    Metering gives the parts of a cycle the span cuts rows too (a non-additive meter's,
    `ratekit._whole_cycles`): they are not charged, but a price of the aggregate prices
    the whole cycle's (`ratekit._share_pricing._SharePricing.price_shares`). O(n).
    """
    lo, hi = span.start_us, span.end_us
    if not engine.peaks:
        return rows
    kept: list[UsageRow] = []
    for row in rows:
        if row.meter in engine.peaks and (row.span.end_us <= lo or row.span.start_us >= hi):
            engine.aside(row, row.quantity)
        else:
            kept.append(row)
    return rows if len(kept) == len(rows) else tuple(kept)


def _earliest(records: Iterable[object]) -> int:
    """The earliest instant of ``records`` (a delta's ``since``), MAX_US if none.

    The least instant and the least ``since``, each read at C speed. O(n).
    """
    given = records if isinstance(records, list | tuple) else list(records)
    instants = map(getattr, given, repeat("at_us"), repeat(MAX_US))
    since = typing.cast(
        "Iterable[int]", filter(_NOT_NONE, map(getattr, given, repeat("since_us"), repeat(None)))
    )
    return min(MAX_US, min(instants, default=MAX_US), min(since, default=MAX_US))


_NOT_NONE: Final = functools.partial(operator.is_not, None)


def _rated(
    engine: _Engine,
    rows: tuple[UsageRow, ...],
    covered: typing.Callable[[], set[str]],
    anomalies: list[Anomaly],
    shares: tuple[Share, ...] = (),
    *,
    no_effect: _NoEffect = (),
) -> Rating:
    """Steps 2 to 5 of [`rate()`][ratekit.rate] over ``rows``; ``covered()`` names the accounts."""
    engine.consume_before(rows)
    engine.place_before(rows)
    pieces = engine.taken_back(engine.pieces(rows))
    engine.allow(pieces)
    engine.price(pieces)
    charges = engine.charges(pieces, covered())
    anomalies.extend(engine.anomalies)
    return Rating(tuple(charges), tuple(anomalies), rows, shares=shares, no_effect=no_effect)


@in_context
def rate_rows(
    rows: Iterable[UsageRow],
    plans: Plan | Iterable[Assignment],
    *,
    span: Span,
    first: dict[str, int],
    carry: dict[GroupKey, tuple[Place, Exact]] | None = None,
    opened: Mapping[GroupKey, _Piece] | None = None,
    peaks: frozenset[str] = frozenset(),
    samples: frozenset[str] = frozenset(),
    used: typing.Callable[[list[Plan]], dict[tuple[str, int, str, tuple[int, int]], Fraction]]
    | None = None,
    withheld: Container[tuple[str, str]] = frozenset(),
    awaiting: Awaiting | None = None,
    standing: Kept | None = None,
    drawn: tuple[Drawn, Taken] | None = None,
) -> tuple[Rating, dict[GroupKey, list[_Piece]], dict[GroupKey, Exact], list[Charge]]:
    """[`rate()`][ratekit.rate] of usage rows, for the streaming rater; and the groups priced.

    The rater keeps rows, not records: under one plan, ``first`` maps each account it
    knows to the instant of its first record, and each is covered from the start of
    that instant's cycle, as [`rate()`][ratekit.rate] covers the accounts of its input
    (under assignments, the assigned accounts are covered, and ``first`` is not read).
    ``carry``: per group priced by its total, the running amount to start from (see
    `ratekit._rater_reuse`); raises `ratekit._pricing.Crossed` if a piece sorts before
    where it stands. ``opened``: per group carried, its first piece (of the rating it is
    carried from), which a price's base is charged from as if it were rated again. ``used``:
    given the engine's plans, what usage before the span (not in ``rows``) consumed of
    own-period allowances, as ``consume_before`` keys it. ``withheld``: the (account,
    resource) pairs whose usage no entry prices is neither refused nor reported (the
    rater's: see `ratekit._rater_priced_ahead`). ``awaiting``: the usage whose
    description may still be fed, an anomaly, never an error (`ratekit._rating_unpriced`).
    ``standing``: under a minimum, the spend of the charges that stand (not in ``rows``), those charges, and a list that the
    rating fills with what it counts (see `ratekit._standing`). ``drawn``: under an
    allowance, what of its pools the pieces that stand took, and a dict that the
    rating fills with the pieces it takes from them (see `ratekit._rater_pools`). Returns
    the rating; per group priced by its total, its pieces in order and the quantity
    they reach; and the charges priced on the spot (each its row's one charge, in the
    rows' order: see `ratekit._rating_engine._Engine.pieces`).
    """
    engine = _Engine(plans, span)
    engine.peaks = peaks
    engine.samples = samples
    engine.withheld = withheld
    engine.awaiting = awaiting
    if carry:
        engine.carry = carry
    if opened:
        engine.openers.update(opened.items())
    if used is not None:
        engine.used_before.update(used(engine.plans))
    if standing is not None:
        engine.standing, engine.standing_charges, engine.spends = standing
    if drawn is not None:
        engine.drawn, engine.taken = drawn
    ordered = in_row_order(rows)

    def covered() -> set[str]:
        if engine.default is None:
            return engine.covered(None, ordered, ())
        engine.cover_from(first)
        return set(first)

    return _rated(engine, ordered, covered, []), engine.groups, engine.ends, engine.direct
