"""Rating on a Dask cluster, partitioned by account (the ``ratekit[dask]`` extra).

Accounts are isolated: an account's charges and invoices depend only on its own records
and its own plan (tiers aggregate per account and cycle; fees, minimums and allowances
are per account). So a large input can be cut by account, each part rated by the
ordinary [`ratekit.rate()`][ratekit.rate] and [`ratekit.bill()`][ratekit.bill] on a worker, and the parts merged
back into exactly what one process would have returned: the same charges and usage rows
in the same order, the same invoices in the same order. There is no second engine here:
this module only routes records and merges results.

Dask is optional: ``pip install 'ratekit[dask]'`` (dask and distributed). ratekit never
imports it: `rate_by_account()` only calls the methods of the bag it is given, and those
of the ``distributed.Client`` the calling process opened, if any. The computation runs
on whatever Dask scheduler is active (a ``distributed.Client`` when one is open: each
part's result is then decoded as soon as it is done, while the other parts are still
rated; else Dask's local scheduler).

Each part's result travels back in ratekit's wire form (`ratekit._wire`): tables of the
distinct spans, Decimals and other values it holds, and one array of indices per field,
rebuilt in the calling process slot by slot at C speed and checked once per distinct
value, after a sha256 digest of the bytes (bytes that were altered or cut short raise
[`BadDataError`][ratekit.BadDataError], naming the field where the digest holds). Pickled
as values instead, charges cost more to send back than to rate.

Merging rules:

- charges and usage rows: concatenated, then put in account order by a stable sort (of
  the runs of one account, not of every value), so each account's own ordered block
  (``rate`` orders by account first) lands where a single process would have put it;
- invoices: the same, by account (``bill`` orders by account, then cycle);
- anomalies: the same anomalies as a single process, grouped by part (their order
  inside a single process is by the instant metering found each at, which is not
  always an [`Anomaly`][ratekit.Anomaly]'s ``at``: a closing at a last sign of life is
  found at its inventory; so it is not reproduced).
- inventories: an [`Inventory`][ratekit.Inventory] speaks for many accounts, so it is
  given beside the bag (``inventories=``) and each part meters with `inventory_for()`
  its accounts: the same instant, ``close``, ``id`` and ``where``, the listing cut to
  its accounts, the ``accounts`` scope too (an inventory of every account stays so).
  Reconciling is per resource, so each resource is reconciled as in one process. An
  anomaly naming an inventory is of one resource (``reconciled_*``: only the part
  holding it reports it, once) or of the inventory itself (a ``"duplicate"`` replay:
  found once, in the calling process, before the parts, and listed first); an
  inventory id is in ``no_effect`` when no merged row or anomaly names it, with the
  reason one process gives (``"not_yet"``, ``"replaced"`` in some part, else
  ``"confirmed"``). Two inventories without an id, stamped at one instant, that list
  the same for one part's accounts but differ elsewhere, with a third between them in
  that part, cannot be applied there as one process applies them (the part would take
  the second for a replay of the first): [`BadRecordError`][ratekit.BadRecordError]
  names them; give inventories ids.

Each part names in ``accounts=`` the listed accounts it rates, so a listed account is
covered over the whole span as in one process (its fees and minimums before its first
record included). Accounts that a single plan covers through ``accounts`` but that have
no record, and assigned accounts with no record, are rated in the calling process (they
carry only fees, bases and minimums).

What one process checks across accounts, the merge checks across parts: an account
that comes back from two parts (``shuffle=False`` over partitions that cut it) raises
[`SplitAccountError`][ratekit.SplitAccountError], and a record id held by two parts (two
accounts' records sharing an id) raises
[`ConflictingRecordError`][ratekit.ConflictingRecordError], as one process does; each
part returns its record ids for that (about 2 % of the run on the fleet benchmark).

Shares among several accounts are given to `rate_by_account()` as to
[`ratekit.rate()`][ratekit.rate] (each part rates its owners' minimums with them; the
merged [`Rating`][ratekit.Rating] records them and is billed once, in the calling
process, since a share's holders may sit in other parts). Credits are a billing-wide
concern: bill the merged [`Rating`][ratekit.Rating] with [`ratekit.bill()`][ratekit.bill]
for those.

Examples:
    >>> import ratekit as rk
    >>> from ratekit.scaleout import partition_of
    >>> partition_of("acme", 4), partition_of("acme", 4) == partition_of("acme", 4)
    (2, True)
"""

from __future__ import annotations

import functools
import sys
import zlib
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any, Final

from . import _scaleout_inventories as _inv
from . import _values as _v
from . import _wire
from ._account_names import account_names
from ._caller_objects import raised
from ._extras import require
from ._instants import to_us
from ._scaleout_inventories import inventories_for, inventory_for, kept_inventories
from ._scaleout_merge import merged as _merged
from ._scaleout_merge import merged_bills as _merged_bills
from ._scaleout_parts import inventory_refused as _inventory
from ._scaleout_parts import one as _one
from ._scaleout_parts import packed as _packed
from ._scaleout_parts import rate_part as _rate_part
from ._scaleout_parts import rate_quiet as _rate_quiet
from ._scaleout_parts import refused as _refused
from ._scaleout_pickles import check_pickles as _check_pickles
from ._shown import show
from ._text import check_text
from ._zones import portable_name
from .assignments import Assignment, read_plans
from .billing import Invoice, bill
from .charges import Rating
from .errors import RatekitError, RatekitTypeError, UnpricedUsageError
from .policies import meters_of
from .pricebook import Plan
from .records import Anomaly, Event, Inventory, Sample
from .sharing import Share, read_shares
from .spans import Span

__all__ = [
    "MAX_PARTITIONS",
    "bill_by_account",
    "inventories_for",
    "inventory_for",
    "kept_inventories",
    "partition_of",
    "rate_by_account",
]

#: a part's rating, its invoices, the accounts it rated, and its record ids by account
_Part = _wire.Part


#: The most parts `partition_of()`, `rate_by_account()` and `bill_by_account()` take:
#: a Dask shuffle makes every part, even an empty one (a million of them on one record
#: ran for twenty minutes); more parts than workers' cores gain nothing.
MAX_PARTITIONS: Final = 4096


def partition_of(account: str, partitions: int) -> int:
    """The part, in ``range(partitions)``, that rates ``account``: a stable hash. O(len).

    CRC-32 of the account's UTF-8 bytes, modulo ``partitions``: the same in every
    process and every run (Python's own ``hash`` of a string is salted per process).
    ``account`` is an account name (a non-empty string of valid Unicode text) and
    ``partitions`` an int from 1 to `MAX_PARTITIONS` (4,096); anything else raises
    [`RatekitTypeError`][ratekit.RatekitTypeError] naming it.

    Examples:
        >>> from ratekit.scaleout import partition_of
        >>> [partition_of(name, 2) for name in ("acme", "globex", "wayne")]
        [0, 0, 1]
    """
    if not isinstance(account, str) or not account:
        raise RatekitTypeError(
            f"partition_of account must be an account name (a non-empty string), not "
            f"{type(account).__name__}: {show(account)}."
        )
    text = check_text(
        account if type(account) is str else str.__str__(account), "partition_of account"
    )
    return _part(text, _partition_count(partitions, "partition_of partitions"))


def _part_count(bag: Any, partitions: object, shuffle: bool, name: str) -> int:
    """The parts a shuffle makes (``partitions`` or the bag's); a count without one is refused."""
    if partitions is not None and not shuffle:
        raise RatekitTypeError(
            f"{name} partitions={show(partitions)} with shuffle=False: without a shuffle the "
            "bag's own partitions are the parts; leave partitions out, or shuffle."
        )
    return (
        bag.npartitions
        if partitions is None
        else _partition_count(partitions, f"{name} partitions")
    )


def _partition_count(partitions: object, what: str) -> int:
    """``partitions`` when it is an int from 1 to `MAX_PARTITIONS`, else the error naming ``what``."""
    if not isinstance(partitions, int) or isinstance(partitions, bool):
        raise RatekitTypeError(
            f"{what} must be an int from 1 to {MAX_PARTITIONS:,}, not "
            f"{type(partitions).__name__}: {show(partitions)}."
        )
    # A subclass's own comparisons may say anything: judge the exact int it holds.
    count = int.__index__(partitions)
    if not 1 <= count <= MAX_PARTITIONS:
        raise RatekitTypeError(
            f"{what} must be an int from 1 to {MAX_PARTITIONS:,} (ratekit.scaleout."
            f"MAX_PARTITIONS: more parts than the workers' cores gain nothing), not "
            f"{show(count)}."
        )
    return count


def _part(account: str, partitions: int) -> int:
    """The part of an account already read as a record's (`partition_of` without checks)."""
    return zlib.crc32(account.encode("utf-8")) % partitions


def rate_by_account(
    records: Any,
    plans: Plan | Iterable[Assignment],
    *,
    span: Span,
    meters: Iterable[Any] | None = None,
    as_of: Any = None,
    accounts: Iterable[str] | None = None,
    build: Callable[[Any], Event | Sample] | None = None,
    shuffle: bool = True,
    partitions: int | None = None,
    by_resource: bool = False,
    tz: str | None = None,
    shares: Iterable[Share] = (),
    inventories: Iterable[Inventory] = (),
) -> tuple[Rating, tuple[Invoice, ...]]:
    """Rate and bill ``records`` on Dask, one part per group of accounts, merged exactly.

    - ``records``: a ``dask.bag.Bag`` of records ([`Event`][ratekit.Event],
      [`Sample`][ratekit.Sample]), or of anything ``build`` turns into one (a plain tuple,
      a dict); a ``dask.dataframe.DataFrame`` is read row by row as tuples
      (``to_bag(index=False)``) and needs ``build``. Any other element (a tuple without
      ``build``, a ``build`` result that is not a record) raises
      [`RatekitTypeError`][ratekit.RatekitTypeError] naming it, as does an
      [`Inventory`][ratekit.Inventory] in the bag: inventories are given in
      ``inventories``.
    - ``inventories``: the [`Inventory`][ratekit.Inventory] snapshots, beside the bag (an
      inventory speaks for many accounts). Replays are found once, here, as one process
      finds them (a ``"duplicate"`` anomaly, or
      [`ConflictingRecordError`][ratekit.ConflictingRecordError] for an id with other
      content, also against an event's or a sample's id); each part then meters with
      `inventory_for()` its accounts: the copy exact for them. Accounts that only an
      inventory lists (no event or sample) are rated here, as quiet accounts are.
    - ``plans``, ``span``, ``meters``, ``as_of``, ``accounts``: as [`ratekit.rate()`][ratekit.rate].
      Assignments travel to every part and each part keeps its own accounts'; each part
      names the listed ``accounts`` it rates, the others are rated here.
    - ``shuffle``: ``True`` (the default) regroups the records by
      `partition_of()` their account into ``partitions`` parts (by default the
      bag's number of partitions; given, an int from 1 to `MAX_PARTITIONS`, 4,096, else
      [`RatekitTypeError`][ratekit.RatekitTypeError] naming the function); ``False``
      when each account's records already sit in one partition of the bag (read from files cut by account, say): no shuffle, one
      part per partition (``partitions`` given with it is refused: a
      [`RatekitTypeError`][ratekit.RatekitTypeError]). Records of one account in two partitions would be billed
      twice (a graduated tier restarted): the merge refuses them with
      [`SplitAccountError`][ratekit.SplitAccountError] naming the accounts.
    - ``by_resource``, ``tz``: as [`ratekit.bill()`][ratekit.bill].
    - ``shares``: as [`ratekit.rate()`][ratekit.rate]; with shares, the merged rating is
      billed once in the calling process (a share's holders may sit in other parts).

    Returns the merged [`Rating`][ratekit.Rating] and invoices, equal to
    ``rk.rate(...)`` and ``rk.bill(...)`` of the same records in one process (anomalies
    grouped by part). The arguments (``meters``, ``tz``, ``accounts`` without an assignment
    included) are checked here, errors naming this function. Errors raised by rating a
    part (an unpriced account, a bad record, an element that is not a record) come back as themselves; the merge raises
    [`SplitAccountError`][ratekit.SplitAccountError] for an account rated in two parts
    and [`ConflictingRecordError`][ratekit.ConflictingRecordError] for an id held by two
    parts, as one process raises it for two records sharing an id. What travels by
    pickle is tried once here, before any part runs: a price model that does not pickle
    (the charges come back with their price models) and, when the parts run in other
    processes (a ``distributed.Client``, Dask's ``"processes"`` scheduler), plans, meters,
    inventories, shares or a ``build`` that do not raise
    [`RatekitTypeError`][ratekit.RatekitTypeError] naming them. Two inventories
    without an id that a part cannot apply as one process does raise
    [`BadRecordError`][ratekit.BadRecordError] naming them (see `ratekit.scaleout`).
    Work: that of ``rate`` + ``bill`` spread over the parts, plus the shuffle (pickling every record once), sending each part's result back
    and decoding it (O(n), at C speed), an O(n + a log a) merge for a accounts and an O(n)
    check of the record ids; with inventories, each part cuts each one to its accounts
    (O(r) for r listed resources, per part) and they travel with every part's task.

    Example (needs a Dask cluster; see ``docs/performance.md``):

        bag = dask.bag.from_sequence(records, npartitions=8)
        rating, invoices = rate_by_account(bag, plan, span=march, meters=meters)
    """
    share_list = read_shares(shares, "rate_by_account shares")
    parts, kept, replays, given, as_of_us = _parts(
        "rate_by_account",
        records,
        plans,
        span=span,
        meters=meters,
        as_of=as_of,
        accounts=accounts,
        build=build,
        shuffle=shuffle,
        partitions=partitions,
        by_resource=by_resource,
        tz=tz,
        shares=share_list,
        inventories=inventories,
        keep_charges=True,
    )
    rating, invoices = _merged(parts, kept=kept, replays=replays, given=given, as_of_us=as_of_us)
    if share_list:  # the holders' parts, across accounts: billed once, here
        rating = Rating(
            rating.charges,
            rating.anomalies,
            rating.rows,
            shares=share_list,
            no_effect=list(rating.no_effect),
        )
        invoices = bill(rating, by_resource=by_resource, tz=tz)
    return rating, invoices


def bill_by_account(
    records: Any,
    plans: Plan | Iterable[Assignment],
    *,
    span: Span,
    meters: Iterable[Any] | None = None,
    as_of: Any = None,
    accounts: Iterable[str] | None = None,
    build: Callable[[Any], Event | Sample] | None = None,
    shuffle: bool = True,
    partitions: int | None = None,
    by_resource: bool = False,
    tz: str | None = None,
    inventories: Iterable[Inventory] = (),
    shares: Iterable[Share] = (),
) -> tuple[tuple[Invoice, ...], tuple[Anomaly, ...], tuple[tuple[str, str], ...]]:
    """Bill ``records`` on Dask by account, sending back only the invoices and what was odd.

    The same parts as `rate_by_account()` (the same arguments, the same checks, the same
    errors, under this function's name), but each part sends back its invoices, its
    anomalies and its ``no_effect`` pairs, not its charges and usage rows: the charges
    stay where they were rated, so neither the workers' encoding nor the calling
    process's decoding grows with them.

    Returns ``(invoices, anomalies, no_effect)``: the invoices equal to
    ``rk.bill(rk.rate(...))`` of the same records in one process, in the same order; its
    anomalies (grouped by part, as `rate_by_account()` gives them); its ``no_effect``
    pairs ([`Rating.no_effect`][ratekit.Rating.no_effect]), worked out for the whole.
    Each invoice line comes back without its charges (``line.charges == ()``; a line's
    charges are not part of its equality): the lines' quantities, unit prices, amounts
    and totals are all there, but ``line.tiers`` is empty and the text and HTML views
    show no tier breakdown. For the charges (explanations, credits billed later with
    [`ratekit.bill()`][ratekit.bill], exports of charges), use `rate_by_account()`.
    Only what the parts need is tried for pickling (no price model when they run in
    threads). The checks across parts are the same: an account in two parts raises
    [`SplitAccountError`][ratekit.SplitAccountError], a record id held by two parts
    [`ConflictingRecordError`][ratekit.ConflictingRecordError] (each part still sends
    its record ids), and an inventory's ``no_effect`` is worked out from the parts'
    anomalies, their ``no_effect`` and the few usage rows that name an inventory id.

    ``shares`` raise [`RatekitError`][ratekit.RatekitError]: a holder's share is billed
    from the owner's charges, which may sit in another part, and this function leaves the
    charges there; give the shares to `rate_by_account()`, which brings the charges back
    and bills them once in the calling process.

    Work: that of `rate_by_account()` on the workers, then O(i + l) for i invoices of l
    lines to send back and decode, an O(a log a) merge for a accounts and an O(n) check
    of the n record ids.

    Examples:
        >>> import dask, dask.bag
        >>> import ratekit as rk
        >>> from ratekit.scaleout import bill_by_account
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"),
        ...                [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))])
        >>> records = [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"size": 1}),
        ...            rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="stop"),
        ...            rk.Event("wayne", "vm-2", "2026-03-31T12:00:00Z", {"size": 1}),
        ...            rk.Event("wayne", "vm-3", "2026-03-31T12:00:00Z", kind="stop")]
        >>> with dask.config.set(scheduler="synchronous"):  # or a distributed.Client
        ...     invoices, anomalies, no_effect = bill_by_account(
        ...         dask.bag.from_sequence(records, npartitions=2), plan, span=march,
        ...         meters=[rk.Meter("vm.hours", "hour", rk.OnOff())])
        >>> invoices  # 24 h x 0.10 = 2.40; 12 h x 0.10 = 1.20
        (Invoice('acme', '2026-03-01T00:00:00Z'..'2026-04-01T00:00:00Z', 1 line, total=2.40 EUR), Invoice('wayne', '2026-03-01T00:00:00Z'..'2026-04-01T00:00:00Z', 1 line, total=1.20 EUR))
        >>> [anomaly.kind for anomaly in anomalies], invoices[0].lines[0].charges
        (['orphan_stop'], ())
        >>> bill_by_account(records, plan, span=march, shares=[rk.Share("acme", "vm-1", {"wayne": 1})])
        Traceback (most recent call last):
        ...
        ratekit.RatekitError: bill_by_account cannot bill shares: ...
    """
    if tuple(read_shares(shares, "bill_by_account shares")):
        raise RatekitError(
            "bill_by_account cannot bill shares: a holder's part of a shared resource is "
            "billed from its owner's charges, which may be rated in another part, and "
            "bill_by_account leaves every part's charges where they were rated. Give the "
            "shares to ratekit.scaleout.rate_by_account(..., shares=[...]), which sends "
            "the charges back and bills them once here."
        )
    parts, kept, replays, given, as_of_us = _parts(
        "bill_by_account",
        records,
        plans,
        span=span,
        meters=meters,
        as_of=as_of,
        accounts=accounts,
        build=build,
        shuffle=shuffle,
        partitions=partitions,
        by_resource=by_resource,
        tz=tz,
        shares=(),
        inventories=inventories,
        keep_charges=False,
    )
    return _merged_bills(parts, kept=kept, replays=replays, given=given, as_of_us=as_of_us)


def _parts(
    name: str,
    records: Any,
    plans: Plan | Iterable[Assignment],
    *,
    span: Span,
    meters: Iterable[Any] | None,
    as_of: Any,
    accounts: Iterable[str] | None,
    build: Callable[[Any], Event | Sample] | None,
    shuffle: bool,
    partitions: int | None,
    by_resource: bool,
    tz: str | None,
    shares: tuple[Share, ...],
    inventories: Iterable[Inventory],
    keep_charges: bool,
) -> tuple[list[_Part], tuple[Inventory, ...], tuple[Anomaly, ...], tuple[Inventory, ...], int]:
    """Every part rated (and the quiet accounts here), with what the merge needs besides.

    The arguments checked in the calling process, the bag read (a DataFrame row by row,
    ``build`` mapped over it), shuffled by account or taken partition by partition, each
    part rated and billed on the workers (`_rate_part`), its result decoded here. Returns
    the parts, then the inventories kept, the replays' anomalies, the inventories given,
    and ``as_of`` in microseconds (what the merge needs besides).
    """
    _v.switch(shuffle, f"{name} shuffle")
    _v.switch(by_resource, f"{name} by_resource")
    bag = records
    if hasattr(bag, "to_bag"):
        if build is None:
            raise RatekitTypeError(
                f"{name}: a dask DataFrame of records needs build=, a function from a row (a "
                "tuple of the frame's columns) to an Event or a Sample."
            )
        bag = bag.to_bag(index=False)
    if not hasattr(bag, "map_partitions") or not hasattr(bag, "groupby"):
        require("dask.bag", "dask", f"{name} needs")  # missing: say so before the bag
        raise RatekitTypeError(
            f"{name} records must be a dask.bag.Bag or a dask.dataframe.DataFrame, not "
            f"{type(records).__name__}: {show(records)}; for records in a list or a "
            "RecordBatch, call ratekit.rate (or ratekit.bill), or make a bag of them "
            "(dask.bag.from_sequence(records))."
        )
    if build is not None:
        if not callable(build):
            raise RatekitTypeError(
                f"{name} build must be a function from an element of the bag to an "
                f"Event or a Sample, not {type(build).__name__}: {show(build)}."
            )
        bag = bag.map(functools.partial(_built, build=build, name=name))
    plan_or_assignments = read_plans(plans, name)
    # Checked here, under the caller's name, not by rate() and bill() in each part.
    meter_list = None if meters is None else tuple(meters_of(meters, f"{name} meters").values())
    tz = None if tz is None else portable_name(tz, f"{name} tz")  # kept as text, as bill keeps it
    listed = None if accounts is None else _listed(accounts, name)
    if listed is not None and not isinstance(plan_or_assignments, Plan):
        unknown = sorted(listed - {assignment.account for assignment in plan_or_assignments})
        if unknown:
            raise UnpricedUsageError(
                f"{name} accounts {unknown!r} have no assignment: under assignments the "
                "plans cover the assigned accounts; assign them a plan with rk.Assignment(...)."
            )
    if not isinstance(span, Span):
        raise RatekitTypeError(
            f"{name} span must be a Span, not {type(span).__name__}: {show(span)}."
        )
    as_of_us = span.end_us if as_of is None else to_us(as_of, f"{name} as_of")
    kept, replays, given = _inv.read_inventories(inventories, as_of_us, name)
    rate_part = functools.partial(
        _rate_part,
        plans=plan_or_assignments,
        span=span,
        meters=meter_list,
        as_of=as_of,
        by_resource=by_resource,
        tz=tz,
        shares=shares,
        listed=listed,
        as_of_us=as_of_us,
        inventories=kept,
        name=name,
        keep_charges=keep_charges,
    )
    packed = functools.partial(_packed, rate_part=rate_part)
    count = _part_count(bag, partitions, shuffle, name)
    if shuffle:
        key = functools.partial(_key, partitions=count, name=name)
        parts_bag = bag.groupby(key, npartitions=count).map(_second).map(packed)
    else:
        parts_bag = bag.map_partitions(_one, packed)
    travelling = [("meters", meter_list), ("inventories", kept), ("shares", shares)]
    _check_pickles(  # once, here: not a bare TypeError from Dask or the wire form
        name, plan_or_assignments, parts_bag, [*travelling, ("build", build)], keep_charges
    )
    parts = _results(parts_bag, name)
    seen = frozenset().union(*(part[2] for part in parts))
    rest = set() if listed is None else set(listed)
    if not isinstance(plan_or_assignments, Plan):
        rest |= {assignment.account for assignment in plan_or_assignments}
    rest |= _inv.listed_accounts(kept)  # an account only an inventory lists, too
    rest -= seen
    if rest:
        parts.append(_rate_quiet(sorted(rest), rate_part))
    return parts, tuple(kept), tuple(replays), tuple(given), as_of_us


def _results(parts_bag: Any, name: str) -> list[_Part]:
    """Every part's result, decoded (`ratekit._wire`), in the order of the parts.

    Under an open ``distributed.Client`` (the scheduler Dask would use), each part is
    decoded as soon as it is done, while the others are still rated: the calling
    process's work overlaps the workers' instead of following them. Otherwise (Dask's
    local scheduler, or another one chosen) the parts are computed, then decoded. A part's
    error comes back as itself (a `RatekitError`); the parts not done are cancelled. Any
    other error came from the bag's own tasks (the caller's loader that raised while a part
    was read, a value Dask could not move): it is refused as a feed that raises while read
    is, a [`RatekitTypeError`][ratekit.RatekitTypeError] naming it, chained as its cause.
    """
    try:
        return _computed(parts_bag, name)
    except RatekitError:
        raise
    except Exception as error:  # the bag's own tasks: the caller's loader, Dask
        raise RatekitTypeError(
            f"{name} records could not be read: computing the bag raised {raised(error)} "
            "(a task of the bag itself, before ratekit read its part: a loader that failed, "
            "a value Dask could not move); nothing was rated: fix the bag and call again."
        ) from error


def _computed(parts_bag: Any, name: str) -> list[_Part]:
    """`_results()`, the errors as the scheduler raised them."""
    distributed = sys.modules.get("distributed")  # imported by whoever opened the client
    client = None
    if distributed is not None and hasattr(parts_bag, "to_delayed"):
        try:
            client = distributed.default_client()
        except ValueError:  # no client: the local scheduler
            client = None
    if client is not None and sys.modules["dask"].base.get_scheduler(
        collections=[parts_bag]
    ) != getattr(client, "get", None):
        client = None  # another scheduler chosen (dask.config.set(scheduler=...)): use it
    if client is None:
        return [_wire.decode(blob, name) for blob in parts_bag.compute()]
    assert distributed is not None  # for the type checker: the client came from it
    futures = client.compute(parts_bag.to_delayed())
    number = {id(future): index for index, future in enumerate(futures)}
    done: list[list[_Part]] = [[] for _ in futures]
    try:
        for future in distributed.as_completed(futures):
            done[number[id(future)]] = [_wire.decode(blob, name) for blob in future.result()]
    except BaseException:
        client.cancel(futures)
        raise
    return list(chain.from_iterable(done))


def _listed(accounts: Iterable[str], name: str) -> frozenset[str]:
    """The ``accounts=`` names, checked as [`ratekit.rate()`][ratekit.rate] checks them."""
    return account_names(accounts, name, "['acme', 'globex']", keys=True)


def _built(element: Any, build: Callable[[Any], object], name: str) -> Event | Sample:
    """``build(element)``, checked to be a record (on the workers).

    A `RatekitError` the build raises (an ``rk.Event`` refusing a field) passes as it
    is; any other error (the caller's own lookup failing) is refused naming the element,
    chained as its cause.
    """
    try:
        record = build(element)
    except RatekitError:
        raise
    except Exception as error:  # the caller's function may raise anything
        raise RatekitTypeError(
            f"{name} build raised {raised(error)} for the element {show(element)}; build "
            "must return an Event or a Sample for every element."
        ) from error
    if isinstance(record, Event | Sample):
        return record
    if isinstance(record, Inventory):
        raise _inventory(record, name)
    raise RatekitTypeError(
        f"{name} build returned {type(record).__name__}: {show(record)} for the "
        f"element {show(element)}; build must return an Event or a Sample for every element."
    )


def _key(record: Event | Sample, partitions: int, name: str) -> int:
    """The part of ``record`` (the shuffle's key, on the workers); a non-record is refused."""
    if type(record) is not Event and type(record) is not Sample:
        raise _refused(record, name)
    return _part(record.account, partitions)


def _second(item: tuple[int, list[Event | Sample]]) -> list[Event | Sample]:
    return item[1]
