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
value (bytes that were altered raise [`BadDataError`][ratekit.BadDataError] naming the
field). Pickled as values instead, charges cost more to send back than to rate.

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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, groupby
from operator import attrgetter, itemgetter
from typing import Any, TypeVar

from . import _normalize as _n
from . import _scaleout_inventories as _inv
from . import _values as _v
from . import _wire
from ._instants import to_us
from ._scaleout_inventories import inventories_for, inventory_for, kept_inventories
from ._shown import show
from ._text import check_text
from .assignments import Assignment
from .billing import Invoice, bill
from .charges import Rating
from .errors import ConflictingRecordError, RatekitError, RatekitTypeError, SplitAccountError
from .pricebook import Plan
from .rating import rate
from .records import Anomaly, Event, Inventory, Sample
from .sharing import Share, read_shares
from .spans import Span

__all__ = [
    "inventories_for",
    "inventory_for",
    "kept_inventories",
    "partition_of",
    "rate_by_account",
]

#: a part's rating, its invoices, the accounts it rated, and its record ids by account
_Part = _wire.Part
_T = TypeVar("_T")
_ACCOUNT = attrgetter("account")


def partition_of(account: str, partitions: int) -> int:
    """The part, in ``range(partitions)``, that rates ``account``: a stable hash. O(len).

    CRC-32 of the account's UTF-8 bytes, modulo ``partitions``: the same in every
    process and every run (Python's own ``hash`` of a string is salted per process).

    Examples:
        >>> from ratekit.scaleout import partition_of
        >>> [partition_of(name, 2) for name in ("acme", "globex", "wayne")]
        [0, 0, 1]
    """
    if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
        raise RatekitError(f"partitions must be a whole number of at least 1, got {partitions!r}")
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
      bag's number of partitions); ``False`` when each account's records already sit in
      one partition of the bag (read from files cut by account, say): no shuffle, one
      part per partition. Records of one account in two partitions would be billed
      twice (a graduated tier restarted): the merge refuses them with
      [`SplitAccountError`][ratekit.SplitAccountError] naming the accounts.
    - ``by_resource``, ``tz``: as [`ratekit.bill()`][ratekit.bill].
    - ``shares``: as [`ratekit.rate()`][ratekit.rate]; with shares, the merged rating is
      billed once in the calling process (a share's holders may sit in other parts).

    Returns the merged [`Rating`][ratekit.Rating] and invoices, equal to
    ``rk.rate(...)`` and ``rk.bill(...)`` of the same records in one process (anomalies
    grouped by part). Errors raised by rating a part (an unpriced account, a bad
    record, an element that is not a record) come back as themselves; the merge raises
    [`SplitAccountError`][ratekit.SplitAccountError] for an account rated in two parts
    and [`ConflictingRecordError`][ratekit.ConflictingRecordError] for an id held by two
    parts, as one process raises it for two records sharing an id. Two inventories
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
    _v.switch(shuffle, "rate_by_account shuffle")
    _v.switch(by_resource, "rate_by_account by_resource")
    bag = records
    if hasattr(bag, "to_bag"):
        if build is None:
            raise RatekitError(
                "a dask DataFrame of records needs build=, a function from a row (a tuple "
                "of the frame's columns) to an Event or a Sample"
            )
        bag = bag.to_bag(index=False)
    if not hasattr(bag, "map_partitions") or not hasattr(bag, "groupby"):
        raise RatekitError(
            f"records must be a dask.bag.Bag or a dask.dataframe.DataFrame, got "
            f"{type(records).__name__}; for records in a list, call ratekit.rate"
        )
    if build is not None:
        if not callable(build):
            raise RatekitTypeError(
                "rate_by_account build must be a function from an element of the bag to an "
                f"Event or a Sample, not {type(build).__name__}: {show(build)}."
            )
        bag = bag.map(functools.partial(_built, build=build))
    plan_or_assignments: Plan | tuple[Assignment, ...] = (
        plans if isinstance(plans, Plan) else tuple(plans)
    )
    meter_list = None if meters is None else tuple(meters)
    listed = None if accounts is None else _listed(accounts)
    share_list = read_shares(shares, "rate_by_account shares")
    if not isinstance(span, Span):
        raise RatekitTypeError(
            f"rate_by_account span must be a Span, not {type(span).__name__}: {show(span)}."
        )
    as_of_us = span.end_us if as_of is None else to_us(as_of, "rate_by_account as_of")
    kept, replays, given = _inv.read_inventories(inventories, as_of_us)
    rate_part = functools.partial(
        _rate_part,
        plans=plan_or_assignments,
        span=span,
        meters=meter_list,
        as_of=as_of,
        by_resource=by_resource,
        tz=tz,
        shares=share_list,
        listed=listed,
        as_of_us=as_of_us,
        inventories=kept,
    )
    packed = functools.partial(_packed, rate_part=rate_part)
    if shuffle:
        count = bag.npartitions if partitions is None else partitions
        partition_of("", count)  # refuses a count that is not a whole number >= 1
        key = functools.partial(_key, partitions=count)
        parts_bag = bag.groupby(key, npartitions=count).map(_second).map(packed)
    else:
        parts_bag = bag.map_partitions(_one, packed)
    parts = _results(parts_bag)
    seen = frozenset().union(*(part[2] for part in parts))
    rest = set() if listed is None else set(listed)
    if not isinstance(plan_or_assignments, Plan):
        rest |= {assignment.account for assignment in plan_or_assignments}
    rest |= _inv.listed_accounts(kept)  # an account only an inventory lists, too
    rest -= seen
    if rest:
        parts.append(_rate_quiet(sorted(rest), rate_part))
    rating, invoices = _merge(parts, kept, replays, given, as_of_us)
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


def _results(parts_bag: Any) -> list[_Part]:
    """Every part's result, decoded (`ratekit._wire`), in the order of the parts.

    Under an open ``distributed.Client`` (the scheduler Dask would use), each part is
    decoded as soon as it is done, while the others are still rated: the calling
    process's work overlaps the workers' instead of following them. Otherwise (Dask's
    local scheduler, or another one chosen) the parts are computed, then decoded. A part's error comes back as itself; the parts not done are cancelled.
    """
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
        return [_wire.decode(blob) for blob in parts_bag.compute()]
    assert distributed is not None  # for the type checker: the client came from it
    futures = client.compute(parts_bag.to_delayed())
    number = {id(future): index for index, future in enumerate(futures)}
    done: list[list[_Part]] = [[] for _ in futures]
    try:
        for future in distributed.as_completed(futures):
            done[number[id(future)]] = [_wire.decode(blob) for blob in future.result()]
    except BaseException:
        client.cancel(futures)
        raise
    return list(chain.from_iterable(done))


def _listed(accounts: Iterable[str]) -> frozenset[str]:
    """The ``accounts=`` names, checked as [`ratekit.rate()`][ratekit.rate] checks them."""
    if isinstance(accounts, str) or not isinstance(accounts, Iterable):
        raise RatekitTypeError(
            "rate_by_account accounts must be an iterable of account names such as "
            f"['acme', 'globex'], not {type(accounts).__name__}: {show(accounts)}."
        )
    names = tuple(accounts)
    for account in names:
        if not isinstance(account, str) or not account:
            raise RatekitTypeError(
                "rate_by_account accounts must be non-empty strings (account names), not "
                f"{type(account).__name__}: {show(account)}."
            )
        check_text(account, "rate_by_account account")
    return frozenset(names)


def _built(element: Any, build: Callable[[Any], object]) -> Event | Sample:
    """``build(element)``, checked to be a record (on the workers)."""
    record = build(element)
    if isinstance(record, Event | Sample):
        return record
    if isinstance(record, Inventory):
        raise _inventory(record)
    raise RatekitTypeError(
        f"rate_by_account build returned {type(record).__name__}: {show(record)} for the "
        f"element {show(element)}; build must return an Event or a Sample for every element."
    )


def _refused(element: object) -> RatekitTypeError:
    """The error for an element of the bag that is not a record (and no ``build``)."""
    if isinstance(element, Inventory):
        return _inventory(element)
    return RatekitTypeError(
        f"rate_by_account records must be Event or Sample values, not "
        f"{type(element).__name__}: {show(element)}; give build=, a function from each "
        "element of the bag to an Event or a Sample."
    )


def _inventory(inventory: Inventory) -> RatekitTypeError:
    return RatekitTypeError(
        f"rate_by_account got an Inventory in the bag ({show(inventory)}): an inventory "
        "speaks for many accounts, so it cannot travel with one account's records; give "
        "the inventories beside the bag, rate_by_account(bag, ..., inventories=[...]), and "
        "each part gets the copy exact for its accounts."
    )


def _key(record: Event | Sample, partitions: int) -> int:
    """The part of ``record`` (the shuffle's key, on the workers); a non-record is refused."""
    if type(record) is not Event and type(record) is not Sample:
        raise _refused(record)
    return partition_of(record.account, partitions)


def _second(item: tuple[int, list[Event | Sample]]) -> list[Event | Sample]:
    return item[1]


def _one(records: Iterable[Event | Sample], packed: Callable[..., bytes]) -> list[bytes]:
    return [packed(list(records))]


def _packed(records: Sequence[Event | Sample], rate_part: Callable[..., _Part]) -> bytes:
    """A part rated, in ratekit's wire form (`ratekit._wire`): one string of bytes.

    Dask's own serialisation walks a returned tuple's items one by one, and pickling the
    charges as values costs more than rating them; the wire form's columns travel at the
    speed of a memory copy and are rebuilt in the calling process at C speed.
    """
    return _wire.encode(rate_part(records))


def _rate_part(
    records: Sequence[Event | Sample],
    *,
    plans: Plan | tuple[Assignment, ...],
    span: Span,
    meters: tuple[Any, ...] | None,
    as_of: Any,
    by_resource: bool,
    tz: str | None,
    shares: tuple[Share, ...] = (),
    listed: frozenset[str] | None = None,
    quiet: Sequence[str] = (),
    as_of_us: int | None = None,
    inventories: Sequence[Inventory] = (),
) -> _Part:
    """``rate`` + ``bill`` of one part: its records, its accounts' plans, its quiet accounts.

    The part names in ``accounts=`` exactly the listed accounts it rates (those with
    records here, and the quiet ones), as one process names them all: a listed account
    is covered over the whole span, not only from its first record. It meters with the
    copy of each inventory exact for its accounts (`ratekit._scaleout_inventories`), and
    returns the ids of its records known by ``as_of_us`` (one process checks no other).
    """
    mine = set(quiet)
    ids: dict[str, list[str]] = {}
    for record in records:
        if type(record) is not Event and type(record) is not Sample:  # final classes
            raise _refused(record)
        mine.add(record.account)
        if record.id is not None and (as_of_us is None or _n.known_by(record, as_of_us)):
            ids.setdefault(record.account, []).append(record.id)
    rated: Sequence[Event | Sample | Inventory] = records
    if inventories:
        copies = _inv.copies_for(inventories, mine)
        if copies:
            rated = [*records, *copies]
    named = None if listed is None else sorted(listed & mine)
    if isinstance(plans, Plan):
        chosen: Plan | list[Assignment] = plans
    else:
        chosen = [assignment for assignment in plans if assignment.account in mine]
    rating = rate(
        rated, chosen, span=span, meters=meters, as_of=as_of, accounts=named, shares=shares
    )
    invoices = () if shares else bill(rating, by_resource=by_resource, tz=tz)
    return rating, invoices, frozenset(mine), ids


def _rate_quiet(accounts: Sequence[str], rate_part: Callable[..., _Part]) -> _Part:
    return rate_part([], quiet=accounts)


def _merge(
    parts: Sequence[_Part],
    kept: Sequence[Inventory] = (),
    replays: Sequence[Anomaly] = (),
    given: Sequence[Inventory] = (),
    as_of_us: int = 0,
) -> tuple[Rating, tuple[Invoice, ...]]:
    """Concatenate the parts and put each account's block in place (stable sorts).

    An account that comes back from two parts had its records cut in two (``shuffle=False``
    over partitions that do not hold whole accounts): it would be billed once per part,
    so [`SplitAccountError`][ratekit.SplitAccountError] names it instead. The inventories'
    replays (``replays``, found once in the calling process) come first among the
    anomalies; an inventory's ``no_effect`` entry is worked out for the whole.
    """
    counts = Counter(account for part in parts for account in part[2])
    split = sorted(account for account, count in counts.items() if count > 1)
    if split:
        raise SplitAccountError(
            f"rate_by_account got the records of {len(split)} account(s) in more than one "
            f"part: {show(split)}; each part would bill them apart (fees twice, tiers "
            "restarted). With shuffle=False every partition of the bag must hold whole "
            "accounts: use shuffle=True (the default), or cut the input by account "
            "(ratekit.scaleout.partition_of) before making the bag."
        )
    _check_ids(parts)
    _inv.check_ids(
        kept,
        ((account, i) for part in parts for account, ids in part[3].items() for i in ids),
    )
    charges = _by_account([part[0].charges for part in parts])
    rows = _by_account([part[0].rows for part in parts])
    anomalies = (*replays, *(anomaly for part in parts for anomaly in part[0].anomalies))
    invoices = _by_account([part[1] for part in parts])
    pairs = [pair for part in parts for pair in part[0].no_effect]
    if given or _shared(pairs, parts):
        no_effect = _inv.merged_no_effect(pairs, given, chain(rows, anomalies), as_of_us)
    else:
        no_effect = sorted(pairs)
    return Rating(charges, anomalies, rows, no_effect=no_effect), invoices


def _shared(pairs: Sequence[tuple[str, str]], parts: Sequence[_Part]) -> bool:
    """Whether an id without effect in a part is another part's too: then look again.

    Each part judges ``no_effect`` by its own results; an id it reports that another part
    reports or holds (a record of another account with that id, not known by ``as_of``
    in one of them) may be named there. O(p + n) for p pairs and n ids, in sets.
    """
    if not pairs or len(parts) < 2:
        return False
    reported = {record_id for record_id, _ in pairs}
    if len(reported) != len(pairs):
        return True  # reported by two parts
    seen: dict[str, int] = {}
    for number, part in enumerate(parts):
        mine = {pair[0] for pair in part[0].no_effect}
        for record_id in chain.from_iterable(part[3].values()):
            if record_id in reported:
                seen.setdefault(record_id, number)
                if record_id not in mine or seen[record_id] != number:
                    return True
    return False


def _by_account(blocks: Sequence[Sequence[_T]]) -> tuple[_T, ...]:
    """The values of ``blocks`` (in that order) stably sorted by account. O(n + r log r).

    The same as ``sorted(chain(*blocks), key=account)``, by runs: each block is cut into
    its runs of one account (a part's values come in account order, so one run per
    account), the runs are sorted stably by account, and their slices concatenated. Only
    the runs are compared, the values are copied at C speed.
    """
    runs: list[tuple[str, int, int, int]] = []
    for number, block in enumerate(blocks):
        start = 0
        for account, run in groupby(map(_ACCOUNT, block)):
            end = start + len(tuple(run))
            runs.append((account, number, start, end))
            start = end
    runs.sort(key=itemgetter(0))
    return tuple(chain.from_iterable(blocks[number][start:end] for _, number, start, end in runs))


def _check_ids(parts: Sequence[_Part]) -> None:
    """Refuse an id that two parts hold: two records of two accounts, so other content.

    One process raises [`ConflictingRecordError`][ratekit.ConflictingRecordError] for
    them; each part checks only its own records. O(n) for n ids, in sets.
    """
    held = [frozenset(chain.from_iterable(part[3].values())) for part in parts]
    if sum(map(len, held)) == len(frozenset().union(*held)):
        return
    owners: dict[str, str] = {}
    for part in parts:
        for account, ids in part[3].items():
            for record_id in ids:
                owner = owners.setdefault(record_id, account)
                if owner != account:
                    raise ConflictingRecordError(
                        f"two records share the id {show(record_id)} but differ: one of "
                        f"account {show(owner)} and one of account {show(account)} (rated "
                        "in different parts); replaying a record must repeat it exactly, "
                        "so give a corrected record a new id."
                    )
