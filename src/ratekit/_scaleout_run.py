"""A scale-out's parts computed from the bag: read, routed by account, rated, decoded.

Private to `ratekit.scaleout`: `parts()` checks the arguments in the calling process,
reads the bag (a DataFrame row by row, ``build`` mapped over it), shuffles it by account
(`ratekit._scaleout_partitions`) or takes it partition by partition, has each part rated
and billed on the workers (`ratekit._scaleout_parts`), and decodes each part's result here
(`ratekit._wire`), as soon as it is done under a ``distributed.Client``; the merge is
`ratekit._scaleout_merge`'s.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from . import _scaleout_inventories as _inv
from . import _scaleout_partitions as _partitions
from . import _values as _v
from . import _wire
from ._account_names import account_names
from ._caller_objects import raised
from ._extras import require
from ._instants import to_us
from ._scaleout_parts import inventory_refused as _inventory
from ._scaleout_parts import one as _one
from ._scaleout_parts import packed as _packed
from ._scaleout_parts import rate_part as _rate_part
from ._scaleout_parts import rate_quiet as _rate_quiet
from ._scaleout_parts import refused as _refused
from ._scaleout_pickles import check_pickles as _check_pickles
from ._shown import show
from ._zones import portable_name
from .assignments import Assignment, read_plans
from .errors import RatekitError, RatekitTypeError, UnpricedUsageError
from .policies import meters_of
from .pricebook import Plan
from .records import Anomaly, Event, Inventory, Sample
from .sharing import Share
from .spans import Span

__all__ = ["parts"]

#: a part's rating, its invoices, the accounts it rated, and its record ids by account
_Part = _wire.Part


def parts(
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
    count = _partitions.part_count(bag, partitions, shuffle, name)
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
    return _partitions.part(record.account, partitions)


def _second(item: tuple[int, list[Event | Sample]]) -> list[Event | Sample]:
    return item[1]
