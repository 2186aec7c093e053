"""The feed's doors for what samples add up to, and for what a price makes of it.

Private to [`ratekit.Rater`][ratekit.Rater] (called from `_rater_reach.checked()`, after
the doors of `_rater_doors`). A batch of samples that every later statement would fail
to price is refused whole here, naming a sample and what is wrong: once taken, a record
cannot be removed, and no sample fed after can lower what it adds (batch
[`rate()`][ratekit.rate] fails on the same records).

- `sums()`: a delta that brings a cycle's quantity of its meter beyond what a price
  taking it whole takes (1E+30);
- `readings()`: the same for counter and gauge readings, whose cycle's quantity (the
  increments, a peak, a mean) only metering tells;
- `amounts()`: samples whose quantity a price takes out of range in another way: a
  [`PerUnit`][ratekit.PerUnit] rate making a row's amount reach 1E+30, an entry stated
  per another unit converting a quantity past it, a tier's price; or a meter priced
  PerUnit alone, whose quantities no door above bounds.

Each is O(n) for a batch of n samples while a quick bound (the largest magnitude seen
times the samples known) says nothing can reach the limit, and meters or rates the
accounts concerned only when it does.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from . import _rater_range as _range
from ._decimals import CONTEXT, exact_sum
from ._instants import format_us
from ._level_limits import LIMIT
from ._price_reach import within
from ._shown import show
from .errors import BadQuantityError, BadTimeError, RatekitError
from .records import Event, Inventory, Sample

if TYPE_CHECKING:
    from .rater import Rater, Record
    from .usage import Usage, UsageRow

__all__ = ["amounts", "readings", "sums"]


def sums(rater: Rater, samples: Sequence[Sample]) -> None:
    """Refuse a delta that makes a cycle's quantity of its meter exceed what prices take.

    A [`Discrete`][ratekit.Discrete] meter's quantity in a cycle is the sum of its
    account's deltas there; a price model other than [`PerUnit`][ratekit.PerUnit] (tiers,
    packages, a flat price) prices that sum, and takes quantities below 1E+30 in
    magnitude: a sum beyond makes every statement fail, as batch
    [`rate()`][ratekit.rate] fails on those records. The delta of the batch that makes
    the sum of its (account, meter, cycle of its ``at``) reach 1E+30 is refused, with
    [`BadQuantityError`][ratekit.BadQuantityError] naming it and the sum. Only meters
    some entry prices so are summed (the engine's ``capped``); a delta over a span
    counts whole in the cycle of its ``at``.

    ``samples``: the batch's samples. O(n) for its n samples while no sum can reach the
    limit (the largest magnitude seen times the records kept stays below it), else O(k)
    for the k records kept.
    """
    engine = rater._engine
    capped = engine.capped
    if not capped:
        return
    fresh = [r for r in samples if r.meter in capped and r.kind == "delta"]
    if not fresh:
        return
    kept = rater._records
    # an upper bound: a refused batch may raise it, harmlessly
    largest = engine.largest = largest_of(engine.largest, kept, capped, fresh)
    if CONTEXT.multiply(largest, len(kept) + len(fresh)) < LIMIT:
        return
    containing = engine.containing
    totals: dict[tuple[str, str, int], Decimal] = {}
    new: list[tuple[tuple[str, str, int], Sample]] = []
    for sample in sorted(fresh, key=lambda r: r.at_us):
        if not unseen(rater, sample):
            continue  # not taken: too late, or seen before
        key = (sample.account, sample.meter, containing(sample.at_us)[0])
        totals[key] = Decimal(0)
        new.append((key, sample))
    _add_kept(rater, totals)
    for key, sample in new:
        before = totals[key]
        total = totals[key] = exact_sum((before, sample.value))
        if total.copy_abs() >= LIMIT:
            start, end = containing(sample.at_us)
            raise BadQuantityError(
                f"Rater.feed: {_range.labelled(sample)} stamped {format_us(sample.at_us)} of meter "
                f"{show(sample.meter)} for account {show(sample.account)} brings the meter's "
                f"quantity in the cycle {format_us(start)}..{format_us(end)} to {total} "
                f"(from {before}), beyond what its price takes (a quantity less than 1E+30 "
                "in magnitude), so every statement would fail to price it; the batch is "
                "refused whole. Keep a cycle's quantity below 1E+30, or price the meter "
                "PerUnit."
            )


def identity_of(record: Record) -> object:
    """How the rater knows ``record`` among its records: by its kind and id, or by itself.

    As `_rater_store.identity()` (the kinds are final classes, named as it names them).
    """
    return record if record.id is None else (type(record).__name__, record.id)


def unseen(rater: Rater, record: Record) -> bool:
    """Whether the feed takes ``record``: not too late, not seen before. O(1)."""
    identity = identity_of(record)
    return (
        record.at_us >= rater._base_us
        and identity not in rater._records
        and identity not in rater._forgotten
    )


def largest_of(
    known: Decimal | None,
    kept: Mapping[object, Record],
    meters: frozenset[str],
    fresh: Sequence[Sample],
) -> Decimal:
    """The largest magnitude of the samples of ``meters`` kept (``known``, if known) and fresh.

    O(k) for the k records kept the first time (a new or restored rater), then O(n) for
    the n fresh samples.
    """
    if known is None:
        known = max(
            (r.value.copy_abs() for r in kept.values() if type(r) is Sample and r.meter in meters),
            default=Decimal(0),
        )
    if not fresh:
        return known
    values = [r.value for r in fresh]
    return max(known, max(values).copy_abs(), min(values).copy_abs())


def _add_kept(rater: Rater, totals: dict[tuple[str, str, int], Decimal]) -> None:
    """Add to each (account, meter, cycle start) of ``totals`` its kept deltas. O(k)."""
    capped, containing = rater._engine.capped, rater._engine.containing
    accounts = {key[0] for key in totals}
    for (account, _), records in rater._by_key.items():
        if account not in accounts:
            continue
        for record in records:
            if type(record) is Sample and record.meter in capped and record.kind == "delta":
                key = (account, record.meter, containing(record.at_us)[0])
                if key in totals:
                    totals[key] = exact_sum((totals[key], record.value))


def readings(rater: Rater, samples: Sequence[Sample]) -> None:
    """Refuse readings that bring a cycle's quantity of their meter beyond what prices take.

    As `sums()` for deltas, for the meters of readings (a [`Counter`][ratekit.Counter]'s
    increments, a peak, a mean, a latest value: a policy other than
    [`Discrete`][ratekit.Discrete]) that some entry prices by a model taking the cycle's
    quantity: its magnitude must stay below 1E+30, or every later statement fails to
    price it, and no reading fed after can lower it (batch [`rate()`][ratekit.rate] fails
    on the same records). Only metering tells such a quantity (a counter's increments
    depend on the readings around each, a reset, a first reading): when a bound says it
    may reach the limit, the accounts of the batch's readings are metered from the
    kept cycles' start to the end of the cycle after the last one of their readings lies
    in (where the values a gauge holds go on alone), with the batch,
    and a quantity of 1E+30 or more in magnitude is refused with
    [`BadQuantityError`][ratekit.BadQuantityError] naming the account, the meter, the
    cycle, the quantity and the batch's first reading of them.

    O(n) for the batch's n samples while the bound holds (every such quantity is at most
    the largest magnitude of a reading times the readings kept and fed: an increment is
    at most its reading, a peak or a mean at most the largest), else the metering of
    those accounts' kept records.
    """
    engine = rater._engine
    capped = engine.capped_readings
    if not capped:
        return
    kept = rater._records
    taken: dict[object, Sample] = {}
    for sample in samples:
        if sample.meter in capped and unseen(rater, sample):
            # (of two versions of an id, the first listed)
            taken.setdefault(identity_of(sample), sample)
    fresh = list(taken.values())
    if not fresh:
        return
    held, most = held_readings(rater, capped)
    largest = engine.largest_reading = largest_of(engine.largest_reading, kept, capped, fresh)
    if CONTEXT.multiply(max(largest, most), len(kept) + len(fresh) + held) < LIMIT:
        return
    usage = metered(rater, {r.account for r in fresh}, fresh, capped)
    totals: dict[tuple[str, str, int, int], Decimal] = {}
    for row in usage.rows:
        key = (row.account, row.meter, row.cycle.start_us, row.cycle.end_us)
        totals[key] = exact_sum((totals.get(key, Decimal(0)), row.quantity))
    for (account, meter, start, end_us), total in sorted(totals.items()):
        if total.copy_abs() < LIMIT:
            continue
        first = min(
            (r for r in fresh if r.account == account and r.meter == meter),
            key=lambda r: r.at_us,
            default=None,
        )
        named = (
            ""
            if first is None
            else f" (the batch's first: {_range.labelled(first)} stamped {format_us(first.at_us)})"
        )
        raise BadQuantityError(
            f"Rater.feed: the readings of meter {show(meter)} for account {show(account)}"
            f"{named} bring the meter's quantity in the cycle {format_us(start)}.."
            f"{format_us(end_us)} to {total}, beyond what its price takes (a quantity less "
            "than 1E+30 in magnitude), so every statement would fail to price it; the batch "
            "is refused whole. Keep a cycle's quantity below 1E+30, or price the meter PerUnit."
        )


def metered(
    rater: Rater,
    accounts: set[str],
    fresh: Sequence[Sample],
    meters: frozenset[str],
    batch: Sequence[Record] = (),
) -> Usage:
    """The usage of ``meters`` of ``accounts``, as if the batch were taken.

    Their kept records, ``fresh`` (the batch's samples the feed takes), the events and
    inventories of ``batch`` it takes (an event may describe a resource anew, and so
    choose another entry), the inventories kept and their compacted states, metered from
    the kept cycles' start to the end of the last cycle any of their samples of
    ``meters`` lies in (a reading kept after the batch's own spreads its increment back
    over theirs), and one cycle more: a gauge's last value holds on (a mean over what is
    known), and every later cycle without a reading sums the values held as that one
    does. O(k) for the k records of those accounts kept.
    """
    engine = rater._engine
    records: list[Record] = [
        record
        for (account, _), mine in rater._by_key.items()
        if account in accounts
        for record in mine
    ]
    records += fresh
    records += rater._inventories
    records += _taken(rater, batch, accounts)
    states = [s for s in rater._state if s.account in accounts]
    last = max(
        (r.at_us for r in records if type(r) is Sample and r.meter in meters),
        default=rater._base_us,
    )
    end = engine.containing(last)[1]
    with contextlib.suppress(BadTimeError):  # (none after it: the calendar's end)
        end = engine.containing(end)[1]
    return engine.meter(records, rater._base_us, end, states, meters)


def _taken(rater: Rater, batch: Sequence[Record], accounts: set[str]) -> list[Record]:
    """The events of ``accounts`` and the inventories of ``batch`` the feed takes. O(n)."""
    taken: dict[object, Record] = {}
    for record in batch:
        kind = type(record)
        if kind is Event:
            if typing.cast("Event", record).account not in accounts:
                continue
        elif kind is not Inventory:
            continue
        if unseen(rater, record):
            taken.setdefault(identity_of(record), record)  # (of two versions, the first)
    return list(taken.values())


def _accounts(record: Record) -> set[str]:
    """The accounts whose resources an event or an inventory describes."""
    if type(record) is Inventory:
        return {account for account, _, _ in record.resources}
    return {record.account}


def held_readings(rater: Rater, meters: frozenset[str]) -> tuple[int, Decimal]:
    """How many readings of ``meters`` the compacted states hold, and the largest magnitude.

    A gauge's level held in a state goes on into the kept cycles with no record kept. O(1)
    while the states are those counted last for ``meters``, else O(s) for s states.
    """
    engine = rater._engine
    states = rater._state
    known = engine.held.get(meters)
    if known is None or known[0] is not states:
        values = [r[2].copy_abs() for s in states for r in s.readings if r[0] in meters]
        known = engine.held[meters] = (states, len(values), max(values, default=Decimal(0)))
    return known[1], known[2]


def amounts(rater: Rater, batch: Sequence[Record], samples: Sequence[Sample]) -> None:
    """Refuse a batch that would make some entry's price take a sample meter out of range.

    For the meters of samples some entry prices (the engine's ``priced_samples``, each
    with how far its prices can take a quantity: `_price_reach.reach()`): while the
    largest magnitude of a sample seen, times the samples kept, given and held in
    compacted states, priced by that reach stays below 1E+30, no row or cycle of those
    meters can price out of range (a row's quantity, a sum of deltas, an increment or a
    gauge's value, is at most that many samples of that magnitude), and the batch
    passes. Else the accounts of the batch's samples, and of its events and
    inventories (which may describe a resource anew, and so put its samples under
    another entry), are metered as if the batch were taken (`metered()`) and rated as a
    statement would rate them; if rating refuses, the batch is refused with
    [`BadQuantityError`][ratekit.BadQuantityError] naming the account, the batch's first
    record of it, and rating's own words (the entry, the quantity, the amount).

    O(n) for the batch's n records while the bound holds, else the metering and rating
    of those accounts' kept records.
    """
    engine = rater._engine
    priced = engine.priced_samples
    if not priced:
        return
    given = [sample for sample in samples if sample.meter in priced]
    describing = [r for r in batch if (type(r) is Event and r.attributes) or type(r) is Inventory]
    if not given and not describing:
        return
    meters = frozenset(priced)
    kept = rater._records
    held, most = held_readings(rater, meters)
    # (an upper bound: the batch's samples seen before, or refused, may raise it)
    largest = engine.largest_priced = largest_of(engine.largest_priced, kept, meters, given)
    bound = Fraction(max(largest, most)) * (len(kept) + len(given) + held)
    reached = priced if describing else {s.meter for s in given}
    if all(within(bound, *priced[meter]) for meter in reached):
        return
    fresh: list[Sample] = list(
        {identity_of(s): s for s in reversed(given) if unseen(rater, s)}.values()
    )[::-1]  # (of two versions of an id, the first listed)
    named: list[Record] = [*fresh, *(r for r in describing if unseen(rater, r))]
    accounts = set().union(*map(_accounts, named)) if named else set()
    if not accounts:
        return
    try:
        usage = metered(rater, accounts, fresh, meters, batch)
    except RatekitError as error:
        raise _refusal(named, min(accounts), "meter", error) from None
    first = rater._first
    rows: dict[str, list[UsageRow]] = {}
    for row in usage.rows:
        rows.setdefault(row.account, []).append(row)
    for account in sorted(rows):
        earliest = min(r.at_us for r in named if account in _accounts(r))
        try:
            engine.rate_rows(
                rows[account],
                {account: min(first.get(account, earliest), earliest)},
                rater._base_us,
                max(r.cycle.end_us for r in rows[account]),
                allowed=rater._allowed,
            )
        except RatekitError as error:
            raise _refusal(named, account, "price", error) from None


def _refusal(
    records: Sequence[Record], account: str, what: str, error: RatekitError
) -> BadQuantityError:
    """The feed's refusal of the batch: the account's earliest record of ``records``, ``error``.

    A sample of the account is named first, if the batch has one there.
    """
    mine = [r for r in records if account in _accounts(r)] or list(records)
    samples = [r for r in mine if type(r) is Sample]
    record = min(samples or mine, key=lambda r: r.at_us)
    if type(record) is Sample:
        sample = record
        return BadQuantityError(
            f"Rater.feed: the samples of account {show(account)} (the batch's first: "
            f"{_range.labelled(sample)} of meter {show(sample.meter)} stamped "
            f"{format_us(sample.at_us)}) would make every statement fail to {what} them: "
            f"{error} The batch is refused whole; fix or drop the samples and feed the "
            "batch again."
        )
    kind = f" ({record.kind})" if type(record) is Event else ""
    return BadQuantityError(
        f"Rater.feed: {_range.labelled(record)}{kind} stamped {format_us(record.at_us)} "
        f"describes resources of account {show(account)} anew, and would make every "
        f"statement fail to {what} the samples taken before it: {error} The batch is "
        "refused whole; fix or drop the record and feed the batch again."
    )
