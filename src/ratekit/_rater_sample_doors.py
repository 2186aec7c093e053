"""The feed's door for what a batch makes of its samples' quantities: priced in range.

Private to [`ratekit.Rater`][ratekit.Rater] (called from `_rater_reach.checked()`, after
the doors of `_rater_doors`). A price takes a quantity in range only below 1E+30 in
magnitude: a model taking a cycle's quantity whole (tiers, packages) refuses a larger
one, an entry stated per another unit (``unit=``) converts the quantity first, and a
charge whose amount (a [`PerUnit`][ratekit.PerUnit] rate, a tier's price, times the
quantity) reaches it cannot be made. A batch after which every statement would fail to
price a sample meter, as batch [`rate()`][ratekit.rate] fails on the same records, is
refused whole here (`amounts()`): once taken, a record cannot be removed, and no sample
fed after can lower a counter's increments or a peak.

While a quick bound holds (the largest magnitude of a sample seen, times the samples
known, priced as far as the meter's entries can take a quantity: `_price_reach.reach()`)
nothing can reach the limit and the door costs O(n) for n records; past it, the accounts
the batch concerns are metered as if it were taken and rated as a statement would rate
them, so the door refuses exactly what rating refuses.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from . import _rater_range as _range
from . import _rater_store as _store
from ._instants import MAX_US, format_us
from ._price_reach import out_of_range, within
from ._rater_position import about
from ._shown import show
from .errors import BadTimeError, RatekitError
from .records import Event, Inventory, Sample

if TYPE_CHECKING:
    from .rater import Rater, Record
    from .usage import Usage, UsageRow

__all__ = ["amounts"]


def unseen(rater: Rater, sample: Sample) -> bool:
    """Whether the feed takes ``sample``: not seen before, and kept or placed. O(1).

    One stamped before the kept cycles is too late, but for a counter's reading or an
    aggregation's (read at its instant, whatever its ``since``), which the feed places in
    the compacted state, where the kept cycles count from it (`ratekit._rater_early`):
    metering it with the compacted states places it as the feed does.
    """
    if (
        sample.at_us < rater._base_us
        and sample.kind != "counter"
        and sample.meter not in rater._engine.levels
    ):
        return False
    return is_new(rater, sample)


def _largest_of(
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
    # as kept (an int given stays one, `records._kept_value`): no Decimal made per sample
    values = [r._value for r in fresh]  # type: ignore[attr-defined]
    largest = max(known, abs(max(values)), abs(min(values)))
    return largest if type(largest) is Decimal else Decimal(largest)


def _held_readings(rater: Rater) -> tuple[int, Decimal]:
    """How many readings of priced sample meters the compacted states hold, and the largest.

    A gauge's level held in a state goes on into the kept cycles with no record kept. O(1)
    while the states are those counted last, else O(s) for s states.
    """
    engine = rater._engine
    states = rater._state
    known = engine.held_readings
    if known is None or known[0] is not states:
        priced = engine.priced_samples
        values = [r[2].copy_abs() for s in states for r in s.readings if r[0] in priced]
        known = engine.held_readings = (states, len(values), max(values, default=Decimal(0)))
    return known[1], known[2]


def amounts(
    rater: Rater, batch: Sequence[Record], samples: Sequence[Sample], *, again: bool = False
) -> None:
    """Refuse a batch that would make some entry's price take a sample meter out of range.

    For the meters of samples some entry prices (the engine's ``priced_samples``, each
    with how far its prices can take a quantity: `_price_reach.reach()`): while the
    largest magnitude of a sample seen, times the samples kept, given and held in
    compacted states, priced by that reach stays below 1E+30, no row or cycle of those
    meters can price out of range (a row's quantity, a cycle's sum of deltas, an
    increment, a peak or a mean, is at most that many samples of that magnitude), and
    the batch passes. Else the accounts of the batch's samples, events and inventories
    (an event may describe a resource anew, and so put its samples under another entry,
    or move a counter's running stretch) are metered as if the batch were taken
    (`metered()`) and rated as a statement would rate them; if rating refuses, the batch
    is refused with rating's error class (see `_refusal()`) naming the account,
    the batch's first record of it (a sample, if it has one there) and rating's own
    words (the entry, the cycle, the quantity in the entry's unit, the amount).

    ``batch`` holds records only (`_rater_reach.checked()` refused anything else), and
    ``samples`` its samples; under ``again``, the records the rater keeps (a restored
    state's, judged as if fed again). O(n) for the batch's n records while the bound holds, else
    the metering and rating of those accounts' kept records.
    """
    engine = rater._engine
    priced = engine.priced_samples
    if not priced:
        return
    given = [sample for sample in samples if sample.meter in priced]
    describes = len(samples) < len(batch)  # it holds an event or an inventory
    if not given and not describes:
        return
    meters = frozenset(priced)
    kept = rater._records
    held, most = _held_readings(rater)
    # (an upper bound: the batch's samples seen before, or refused, may raise it)
    largest = engine.largest_priced = _largest_of(engine.largest_priced, kept, meters, given)
    bound = Fraction(max(largest, most)) * (len(kept) + len(given) + held)
    reached = priced if describes else {s.meter for s in given}
    if all(within(bound, *priced[meter]) for meter in reached):
        return
    describing = [r for r in batch if type(r) is Event or type(r) is Inventory]
    fresh: list[Sample] = list(
        {_store.identity(s): s for s in reversed(given) if again or unseen(rater, s)}.values()
    )[::-1]  # (of two versions of an id, the first listed)
    named: list[Record] = [*fresh, *(r for r in describing if again or is_new(rater, r))]
    if again:  # metered as kept, not again beside them
        fresh = []
    accounts = set().union(*map(accounts_of, named)) if named else set()
    if again:  # and those whose compacted states hold readings of such meters
        accounts.update(s.account for s in rater._state if any(r[0] in priced for r in s.readings))
    if not accounts:
        return
    try:
        usage = metered(rater, accounts, fresh, meters, batch)
    except RatekitError as error:
        if not out_of_range(error):
            return  # a rule a later record can satisfy: the statements say it
        raise _refusal(named, min(accounts), "meter", error) from None
    first = rater._first
    rows: dict[str, list[UsageRow]] = {}
    for row in usage.rows:
        rows.setdefault(row.account, []).append(row)
    for account in sorted(rows):
        earliest = min(
            *(row.span.start_us for row in rows[account]),
            *(r.at_us for r in named if account in accounts_of(r)),
        )
        try:
            engine.rate_rows(
                rows[account],
                {account: min(first.get(account, earliest), earliest)},
                rater._base_us,
                max(r.cycle.end_us for r in rows[account]),
                allowed=rater._allowed,
            )
        except RatekitError as error:
            if not out_of_range(error):
                continue  # a price's own rule (tiers that end): a correction may lift it
            raise _refusal(named, account, "price", error) from None


def is_new(rater: Rater, record: Record) -> bool:
    """Whether the feed takes ``record`` anew (too late, in part: placed in the compacted state)."""
    identity = _store.identity(record)
    return identity not in rater._records and identity not in rater._forgotten


def metered(
    rater: Rater,
    accounts: set[str],
    fresh: Sequence[Sample],
    meters: frozenset[str],
    batch: Sequence[Record] = (),
    *,
    changes: bool = False,
    reach_us: int = 0,
) -> Usage:
    """The usage of ``meters`` of ``accounts``, as if the batch were taken.

    Their kept records, ``fresh`` (the batch's samples the feed takes), the events and
    inventories of ``batch`` it takes (one stamped before the kept cycles too), the
    inventories kept and their compacted states, metered from the kept cycles' start to
    the end of the last cycle any of their records lies in (a reading kept after the
    batch's own spreads its increment back over theirs; an event may describe a gauge's
    value held on anew), and one cycle more: a
    gauge's last value holds on (a mean over what is known), and every later cycle
    without a reading sums the values held as that one does. A gauge's value held on is
    priced again wherever a price changes (an entry's start or end, an assignment's), so
    those meters are metered to one cycle past the last such change too, as all are under
    ``changes`` (a resource running on is priced anew there), and ``reach_us`` past it
    (where windows' prices recur). O(k) for the k records of those accounts kept.
    """
    engine = rater._engine
    base = rater._base_us
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
    # (from the base on: a record stamped before it is placed in the compacted state)
    last = max((r.at_us for r in records if r.at_us > base), default=base)
    if changes or meters & engine.levels:
        later = engine.price_changes[bisect.bisect_left(engine.price_changes, last) :]
        last = max(last, later[-1]) if later else last
    if reach_us:
        last = min(last + reach_us, MAX_US)
    end = engine.containing(last)[1]
    with contextlib.suppress(BadTimeError):  # (none after it: the calendar's end)
        end = engine.containing(end)[1]
    # (a sample of a meter not metered here would make metering refuse it as unknown)
    records = [r for r in records if type(r) is not Sample or r.meter in meters]
    return engine.meter(records, base, end, states, meters)


def _taken(rater: Rater, batch: Sequence[Record], accounts: set[str]) -> list[Record]:
    """The events of ``accounts`` and the inventories of ``batch`` the feed takes. O(n).

    Those stamped before the kept cycles too, which the rater places in the compacted
    state, but for one stamped before the description a resource's state holds began
    (a later event described it anew): metering it here would put its description
    after that one.
    """
    base = rater._base_us
    since: dict[tuple[str, str], int] | None = None
    taken: dict[object, Record] = {}
    for record in batch:
        if type(record) is Sample or not is_new(rater, record):
            continue
        if type(record) is Event and record.account not in accounts:
            continue
        if record.at_us < base:
            if since is None:
                since = {
                    (s.account, s.resource): s.since_us
                    for s in rater._state
                    if s.since_us is not None
                }
            concerned = (
                [(record.account, record.resource)]
                if type(record) is Event
                else [(a, r) for a, r, _ in record.resources]
            )
            if any(since.get(key, record.at_us) > record.at_us for key in concerned):
                continue
        taken.setdefault(_store.identity(record), record)  # (of two versions, the first)
    return list(taken.values())


def accounts_of(record: Record) -> set[str]:
    """The accounts whose resources a record concerns."""
    if type(record) is Inventory:
        return {account for account, _, _ in record.resources}
    return {record.account}


def _refusal(
    records: Sequence[Record], account: str, what: str, error: RatekitError
) -> RatekitError:
    """The feed's refusal of the batch: the account's earliest record of ``records``, ``error``.

    A sample of the account is named first, if the batch has one there. Of ``error``'s
    class (a [`BadPriceError`][ratekit.BadPriceError] for a charge out of range, a
    [`BadQuantityError`][ratekit.BadQuantityError] for a quantity metering refuses), as
    batch [`rate()`][ratekit.rate] of the records raises it: one class for one input,
    whichever path.
    """
    refused = type(error)
    mine = [r for r in records if account in accounts_of(r)] or list(records)
    samples = [r for r in mine if type(r) is Sample]
    record = min(samples or mine, key=lambda r: r.at_us)
    if type(record) is Sample:
        return about(
            record,
            refused(
                f"Rater.feed: the samples of account {show(account)} (the batch's first: "
                f"{_range.labelled(record)} of meter {show(record.meter)} stamped "
                f"{format_us(record.at_us)}) would make every statement fail to {what} them: "
                f"{error} The batch is refused whole; fix or drop the samples and feed the "
                "batch again."
            ),
        )
    kind = f" ({record.kind})" if type(record) is Event and record.id is not None else ""
    return about(
        record,
        refused(
            f"Rater.feed: {_range.labelled(record)}{kind} stamped {format_us(record.at_us)} "
            f"would make every statement fail to {what} the samples of account "
            f"{show(account)}: {error} The batch is refused whole; fix or drop the record "
            "and feed the batch again."
        ),
    )
