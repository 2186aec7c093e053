"""The feed's doors for what a record holds beyond its kind: instants, accounts, levels.

Private to [`ratekit.Rater`][ratekit.Rater] (called from `_rater_reach.checked()`; what
samples add up to has doors of its own, `_rater_sample_doors`). A
record that every later statement would fail on is refused at the feed, with its batch,
naming the record and the field and saying what is accepted: once taken, a record cannot
be removed, and a rater that fails every statement has no way out.

- `instants()`: an event or sample stamped (or a delta begun, ``since``) where the
  rater's billing cycle cannot be computed: a statement finds the cycle containing each
  account's first record, and batch [`rate()`][ratekit.rate] the cycles its records lie
  in; an inventory so stamped could never be reached by a watermark either.
- `levels()`: an event or inventory setting a [`Continuous`][ratekit.Continuous] level
  that, held over a whole cycle, passes what a price takes (see
  `ratekit._level_limits`): a cycle's quantity taken whole, converted to an entry's unit
  or made an amount by a [`PerUnit`][ratekit.PerUnit] rate, which batch rating refuses
  too, alone or summed with the levels of its account's other resources under a price
  taking them whole (`level_sums()`);
- `inventory()`: an inventory listing a resource of an account no assignment names (as
  an event of that account is refused), or giving a listed resource attributes that set
  a [`Continuous`][ratekit.Continuous] level to what no level is (as the same attributes
  on an event are).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from . import _rater_range as _range
from ._calendar import in_calendars, outside_calendars
from ._cycles_calendar import _Cached
from ._decimals import CONTEXT
from ._instants import format_us
from ._level_limits import level_in, sum_words
from ._level_limits import refusal as level_refusal
from ._paths import MISSING, lookup
from ._price_reach import within
from ._rater_position import about
from ._shown import show, some
from ._time_policies import _number
from ._zones import from_zone
from .errors import (
    BadPriceError,
    BadQuantityError,
    BadTimeError,
    RatekitError,
    UnpricedUsageError,
)
from .records import Event, Inventory, Sample

if TYPE_CHECKING:
    from .rater import Rater, Record

__all__ = [
    "all_computable",
    "in_a_cycle",
    "instants",
    "inventory",
    "level_error",
    "level_found",
    "level_sums",
    "levels",
    "sum_found",
]


def instants(rater: Rater, record: Record) -> None:
    """Refuse ``record`` when its ``at`` (or ``since``) lies in no cycle the rater computes.

    Each instant must lie in a cycle of the rater's plans that ratekit can compute (for
    calendar cycles: the cycle must lie within years 2 to 9998, so an instant from
    9998-12-31 on, or one whose month or week ends after it, is refused). Raises
    [`BadTimeError`][ratekit.BadTimeError] naming the record, the field and the cycle
    error. O(1) per record (a cached cycle look-up).
    """
    fields = [("at", record.at_us)]
    if type(record) is Sample and record.since_us is not None:
        fields.append(("since", record.since_us))
    for field, t_us in fields:
        try:
            in_a_cycle(rater, t_us)
        except BadTimeError as error:
            if from_zone(error):
                raise
            raise BadTimeError(
                f"Rater.feed: {_range.labelled(record)} has {field} {format_us(t_us)}, in no billing "
                f"cycle the rater can compute ({str(error).rstrip('.')}), so every statement would fail on "
                "it; the batch is refused whole. Feed records whose instants lie in cycles "
                "within the range ratekit's calendars support (years 2 to 9998)."
            ) from None
    _range.record(rater, record)  # and in a cycle a statement can close


def all_computable(rater: Rater, batch: Sequence[object], samples: Sequence[Sample]) -> bool:
    """Whether every instant of ``batch`` lies in a cycle the rater computes, at C speed.

    Cycles follow one another: when the cycles of the batch's earliest and latest
    instants (``at``, and a delta's ``since``; ``samples``: the batch's samples) can be
    computed, so can every cycle between them, and `instants()` need not look at each
    record. ``False`` (look at each one) when either cannot, or the batch holds
    something else than records, or an end lies more than `MAX_CYCLES` cycles from
    the kept cycles' start (`_rater_range.near()`). O(n) at C speed, and four cycle
    look-ups.
    """
    try:
        stamps = [record.at_us for record in batch]  # type: ignore[attr-defined]
    except AttributeError:
        return False
    stamps += [s for r in samples if (s := r.since_us) is not None]
    if not stamps:
        return True
    earliest, latest = min(stamps), max(stamps)
    try:
        in_a_cycle(rater, earliest)
        in_a_cycle(rater, latest)
    except BadTimeError:
        return False
    return (
        _range.closes(rater, earliest)
        and _range.closes(rater, latest)
        and _range.near(rater, earliest)
        and _range.near(rater, latest)
    )


def in_a_cycle(rater: Rater, t_us: int) -> None:
    """Raise `BadTimeError` unless ``t_us`` lies in a cycle the rater computes. O(1).

    A calendar cycle's cache may hold boundaries past the range it answers for (the end
    of its last cycle): the range is checked here, as a cold cache checks it.
    """
    if isinstance(rater._engine.cycle, _Cached) and not in_calendars(t_us):
        raise outside_calendars(t_us)
    rater._engine.containing(t_us)


def level_error(
    attributes: Mapping[str, object],
    level_paths: tuple[tuple[str, tuple[str, ...]], ...],
    fine: set[object] | None = None,
    read: list[object] | None = None,
) -> tuple[str, RatekitError] | None:
    """The meter and the error of the first attribute a level reads that no level can be.

    ``level_paths``: per [`Continuous`][ratekit.Continuous] meter whose level is an
    attribute, a path or a product of them, the paths it reads. A value set there (not
    ``None``, which removes it) must be a number >= 0, as metering reads it. ``fine``:
    the values found to be levels before (`_exactly()`), to which those found now are
    added: each is read once. ``read``: where the value at each path is added, keyed by
    `_exactly()`, in the order of ``level_paths`` (for `level_found()`, which then reads
    none of them again). O(m).
    """
    if not attributes:
        return None
    for name, paths in level_paths:
        for path in paths:
            value = lookup(attributes, path)
            known = None if fine is None and read is None else _exactly(value)
            if read is not None:
                read += (known,)  # (no call of append())
            if value is MISSING or value is None:
                continue
            if fine is not None and known is not None and known in fine:
                continue
            try:
                _number(attributes, path)
            except RatekitError as error:
                return name, error
            if fine is not None and known is not None:
                fine.add(known)
    return None


def _exactly(value: object) -> object:
    """A key equal only for values a level reads alike: an int, a string or a Decimal.

    None for any other value (a bool, a mapping), read each time. A Decimal by its
    digits and exponent (``2`` and ``2.0`` are not taken for one another). `MISSING`
    and ``None`` (no value, a value removed) are keys of their own.
    """
    if value is MISSING or value is None:
        return (value,)
    kind = type(value)
    if kind is int or kind is str:
        return (kind, value)
    if kind is Decimal:
        return (kind, typing.cast("Decimal", value).as_tuple())
    return None


def inventory(
    record: Inventory,
    assigned: frozenset[str] | None,
    level_paths: tuple[tuple[str, tuple[str, ...]], ...],
) -> None:
    """Refuse an inventory that lists what every statement reaching it would fail on.

    - a resource of an account that no assignment names (``assigned``; None under one
      plan, which prices every account): [`UnpricedUsageError`][ratekit.UnpricedUsageError],
      as for an event of that account. A scope (``accounts=``) that names such an
      account but lists none of its resources opens and closes nothing of it, and is
      taken;
    - listed attributes that set a Continuous level to a negative or non-numeric value:
      the error metering raises ([`BadRecordError`][ratekit.BadRecordError], a
      [`BadQuantityError`][ratekit.BadQuantityError] for text that is not a decimal or a
      number out of range) naming the resource, the meter and the attribute (the inventory opens an unknown resource with them, and corrects a known
      one to them).

    O(n m) for n listed resources and m level paths.
    """
    for account, resource, attributes in record.resources:
        if assigned is not None and account not in assigned:
            named = some(assigned)
            raise UnpricedUsageError(
                f"Rater.feed: {_range.labelled(record)} stamped {format_us(record.at_us)} lists "
                f"resource {show(resource)} of account {show(account)}, which no assignment "
                "of this rater names, so every statement reaching it would fail to price it "
                f"(the assignments name {named}); the batch is refused whole. List "
                "only resources of assigned accounts, or assign the account a plan first "
                "with Rater.assign()."
            )
        if level_paths:
            found = level_error(attributes, level_paths)
            if found is not None:
                name, error = found
                raise type(error)(
                    f"Rater.feed: {_range.labelled(record)} stamped {format_us(record.at_us)} lists "
                    f"resource {show(resource)} of {show(account)} with attributes that set "
                    f"the level of meter {show(name)}: {error} Every statement metering the "
                    "resource would fail on it, so the batch is refused whole; fix or drop "
                    "the record and feed the batch again."
                )


def levels(
    rater: Rater, batch: Sequence[Record], read: Mapping[int, list[object]] | None = None
) -> None:
    """Refuse a record setting a level that a cycle's time alone takes past what prices take.

    A [`Continuous`][ratekit.Continuous] meter's quantity is its level times the time it
    is held. A price takes it in range only below 1E+30 in magnitude: the cycle's
    quantity under a model other than [`PerUnit`][ratekit.PerUnit] (tiers, packages, a
    flat price), converted to the entry's unit where it is stated per another, and the
    amount a PerUnit rate or a tier makes of it. So an event (or an inventory's listing)
    setting a level that, held over the longest cycle it can run through
    (`_level_limits.longest_cycle()`), some entry would take past it would make every
    later statement fail, as batch [`rate()`][ratekit.rate] fails on it (judged against
    every entry of the meter, whichever prices the resource). It is refused with its batch,
    with the class rating raises ([`BadPriceError`][ratekit.BadPriceError] for an amount
    out of range, else [`BadQuantityError`][ratekit.BadQuantityError]) naming the record, the resource, the
    meter, the level and the levels accepted (`level_found()`). A level the record alone
    does not give (a product of attributes it sets only in part, a level computed by a
    function) is not judged here. O(n m) for n records and m such meters (each set of
    attributes once). ``read``: the values read already, as for `level_found()`.
    """
    found = level_found(rater, batch, read=read)
    if found is not None:
        record, account, resource, words, amount = found
        what = (
            (_range.labelled(record) + ("" if record.id is None else f" ({record.kind})"))
            if type(record) is Event
            else f"{_range.labelled(record)} listing it"
        )
        # (the class rating raises: an amount out of range, or a quantity a model refuses)
        refused = BadPriceError if amount else BadQuantityError
        raise about(
            record,
            refused(
                f"Rater.feed: {what} stamped {format_us(record.at_us)} for resource "
                f"{show(resource)} of {show(account)} {words} The batch is refused whole; "
                "fix or drop the record and feed the batch again."
            ),
        )
    level_sums(rater, batch)


#: A level refused: the record (or compacted state) setting it, its account, its
#: resource, what is wrong with it ("sets the level of meter ... to ..."), and whether
#: an amount is what lies out of range (`_level_limits.refusal()`).
Refusal = tuple[typing.Any, str, str, str, bool]


def level_found(
    rater: Rater,
    batch: Sequence[object],
    at_us: int | None = None,
    *,
    read: Mapping[int, list[object]] | None = None,
) -> Refusal | None:
    """The first level of ``batch`` that `levels()` refuses alone, or None. O(n m).

    ``batch``: events, inventories (each listing) and compacted resource states (their
    description), each set of attributes looked at once, and each set of the values a
    level reads found below every meter's floor (`_level_limits.floors()`) once.
    ``at_us``: the instant whose cycles a level runs through, for what has no instant of
    its own (a state's description holds from the kept cycles' start); else each
    record's. ``read``: per set of attributes (by `id()`), the values `level_error()`
    read at every level path, as it gives them: not read again.
    """
    engine = rater._engine
    meters = engine.priced_levels
    if not meters:
        return None
    paths = [path for name, some in engine.level_paths if name in meters for path in some]
    # Where the paths read here are among every level path (those `level_error()` reads):
    # None when they are all of them, as mostly.
    named = [name for name, some in engine.level_paths for _ in some]
    picked = None if len(named) == len(paths) else [i for i, n in enumerate(named) if n in meters]
    floors = engine.level_floors
    seen: set[int] = set()
    calm: set[tuple[object, ...]] = set()  # the values read, found below every floor
    for record in batch:
        kind = type(record)
        if kind is Sample:
            continue
        listed = (
            ((record.account, record.resource, record.attributes),)  # type: ignore[attr-defined]
            if kind is Event
            else _listed(record)
        )
        for account, resource, attributes in listed:
            if not attributes:
                continue
            looked = id(attributes)
            if looked in seen:
                continue
            seen.add(looked)
            if read is not None and looked in read:
                given = read[looked]
                values = tuple(given if picked is None else [given[i] for i in picked])
            else:
                values = tuple([_exactly(lookup(attributes, path)) for path in paths])
            if values in calm:
                continue
            stamp = typing.cast("int", record.at_us if at_us is None else at_us)  # type: ignore[attr-defined]
            found = level_refusal(
                attributes,
                meters,
                engine.containing,
                stamp,
                pricing=engine.pricing,
                floors=floors,
            )
            if found is not None:
                return record, account, resource, found[1], found[2]
            if None not in values and all(
                (level := level_in(attributes, meter)) is None
                or not level
                or level.copy_abs() < floors[name]
                for name, meter in meters.items()
            ):
                calm.add(values)
    return None


def _listed(record: object) -> list[tuple[str, str, Mapping[str, object]]]:
    """The (account, resource, attributes) an event, inventory or resource state describes."""
    kind = type(record)
    if kind is Event:
        event = typing.cast("Event", record)
        return [(event.account, event.resource, event.attributes)]
    if kind is Inventory:
        return list(typing.cast("Inventory", record).resources)
    state = getattr(record, "description", None)  # a compacted resource's state
    if isinstance(state, Mapping):
        return [(getattr(record, "account", ""), getattr(record, "resource", ""), state)]
    return []


def level_sums(rater: Rater, batch: Sequence[Record]) -> None:
    """Refuse a record whose level, summed with its account's other levels, passes the limit.

    A cycle's quantity of a [`Continuous`][ratekit.Continuous] meter priced whole is the
    sum over the account's resources of each level times its time: levels that each pass
    `levels()` alone can still sum past 1E+30 within one cycle, and every later statement
    would fail. The first record of the batch whose level brings its account's sum there
    (`sum_found()`) is refused with its batch,
    [`BadQuantityError`][ratekit.BadQuantityError] naming the record, the resource, the
    account, the meter, the cycle, the sum and the sums accepted.
    """
    found = sum_found(rater, batch)
    if found is not None:
        record, account, resource, words, _ = found
        raise about(
            record,
            BadQuantityError(
                f"Rater.feed: {_range.labelled(record)} stamped {format_us(record.at_us)} for "
                f"resource {show(resource)} of {show(account)} {words} The batch is refused "
                "whole; fix or drop the record and feed the batch again."
            ),
        )


def sum_found(rater: Rater, batch: Sequence[object], at_us: int | None = None) -> Refusal | None:
    """The first level of ``batch`` that `level_sums()` refuses, or None.

    Judged as if each resource held its largest level set (kept, compacted or in the
    batch) over the whole longest cycle. ``batch`` and ``at_us`` as for `level_found()`.
    O(n m) for n records and m such meters while no sum can reach the limit (the largest
    level seen times the resources known stays below it), else O(k) more for the k
    records kept.
    """
    engine = rater._engine
    summed = engine.summed_levels
    if not summed:
        return None
    setting = [
        (record, account, resource, name, level)
        for record in batch
        for account, resource, attributes in _listed(record)
        if attributes
        for name, (meter, _) in summed.items()
        if (level := level_in(attributes, meter)) is not None and level > 0
    ]
    if not setting:
        return None
    kept = (*rater._records.values(), *rater._inventories, *rater._state)
    if engine.largest_level is None:  # a restored or new rater: what it keeps sets
        engine.largest_level = max(
            (
                level
                for record in kept
                for _, _, attributes in _listed(record)
                for meter, _ in summed.values()
                if (level := level_in(attributes, meter)) is not None
            ),
            default=Decimal(0),
        )
    largest = max(engine.largest_level, *(item[4] for item in setting))
    engine.largest_level = largest  # an upper bound: a refused batch may raise it, harmlessly
    count = len(rater._by_key) + len(rater._state) + len(setting)
    bound = CONTEXT.multiply(largest, count * 2 * 366 * 86_400_000_000)
    if all(
        within(
            Fraction(CONTEXT.divide(CONTEXT.multiply(bound, m._factor[0]), m._factor[1])),  # type: ignore[index]
            factor,
            Fraction(0),
        )
        for m, factor in summed.values()
    ):
        return None
    accounts = {item[1] for item in setting}
    sums: dict[tuple[str, str], dict[str, Decimal]] = {}
    for record in kept:
        for account, resource, attributes in _listed(record):
            if account in accounts and attributes:
                for name, (meter, _) in summed.items():
                    level = level_in(attributes, meter)
                    if level is not None:
                        per = sums.setdefault((account, name), {})
                        per[resource] = max(per.get(resource, level), level)
    for item, account, resource, name, level in setting:
        per = sums.setdefault((account, name), {})
        per[resource] = max(per.get(resource, level), level)
        stamp = typing.cast("int", item.at_us if at_us is None else at_us)  # type: ignore[attr-defined]
        meter, factor = summed[name]
        words = sum_words(per, resource, meter, engine.containing, stamp, factor=factor)
        if words is not None:
            return item, account, resource, words, False  # (a quantity a model refuses)
    return None
