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

from collections.abc import Callable, Iterable
from typing import Any

from . import _scaleout_partitions as _partitions
from . import _scaleout_run as _run
from ._scaleout_inventories import inventories_for, inventory_for, kept_inventories
from ._scaleout_merge import merged as _merged
from ._scaleout_merge import merged_bills as _merged_bills
from ._scaleout_partitions import MAX_PARTITIONS
from ._shown import show
from ._text import check_text
from .assignments import Assignment
from .billing import Invoice, bill
from .charges import Rating
from .errors import RatekitError, RatekitTypeError
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
    return _partitions.part(text, _partitions.checked_count(partitions, "partition_of partitions"))


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
    parts, kept, replays, given, as_of_us = _run.parts(
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
    parts, kept, replays, given, as_of_us = _run.parts(
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
