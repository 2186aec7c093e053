"""What a scale-out sends by pickle, checked in the calling process before any part runs.

Private to `ratekit.scaleout`. Two things travel by pickle:

- each part's result, in ratekit's wire form (`ratekit._wire`), whose charges carry
  their price models (pickled with the standard `pickle`, on every scheduler):
  `check_prices()` tries each distinct price model of the plans once;
- under a scheduler that runs the parts in other processes (a ``distributed.Client``,
  Dask's ``"processes"`` scheduler), the parts' arguments: the plans, the meters, the
  inventories, the shares and ``build``, pickled by Dask (with cloudpickle, which also
  sends lambdas and functions of ``__main__``). `check_arguments()` tries them once.

Without the checks, an object of the caller's that does not pickle (a price model holding
a lock) raised a bare ``TypeError`` from deep inside Dask or the wire form, naming
neither the function nor the value. Each check raises
[`RatekitTypeError`][ratekit.RatekitTypeError] naming the function, the argument (the
plan and entry, for a price model), the object and what pickling it raised.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable, Iterable
from typing import Any

from ._caller_objects import raised
from ._shown import show
from .assignments import Assignment
from .errors import RatekitTypeError
from .pricebook import Plan

__all__ = ["check_arguments", "check_pickles", "check_prices", "ships"]

#: How to make a caller's object picklable, as the messages say it.
_PICKLABLE = (
    "an instance of a class defined at a module's top level, holding no lock, open file, "
    "socket or generator"
)


def _plans(plans: Plan | tuple[Assignment, ...]) -> list[Plan]:
    """The distinct plans, in the order given (one plan, or the assignments' plans)."""
    if isinstance(plans, Plan):
        return [plans]
    return list({id(assignment.plan): assignment.plan for assignment in plans}.values())


def _failure(dumps: Callable[[Any], bytes], value: object) -> Exception | None:
    """What pickling ``value`` with ``dumps`` raised, or ``None`` when it pickles."""
    try:
        dumps(value)
    except Exception as error:  # a caller's object may raise anything from its reduce
        return error
    return None


def _price_failure(
    plans: Plan | tuple[Assignment, ...],
    dumps: Callable[[Any], bytes],
    name: str,
    why: str,
    way_out: str = "",
) -> RatekitTypeError | None:
    """The error for the first price model of ``plans`` that ``dumps`` refuses, if any."""
    tried: set[int] = set()
    for plan in _plans(plans):
        for entry in plan.entries:
            if id(entry.price) in tried:
                continue
            tried.add(id(entry.price))
            error = _failure(dumps, entry.price)
            if error is not None:
                return RatekitTypeError(
                    f"{name} plan {plan.id!r} entry {entry.id!r}: its price {show(entry.price)} "
                    f"does not pickle ({raised(error)}); {why}, so a price model must pickle: "
                    f"{_PICKLABLE}{way_out}."
                )
    return None


def check_prices(plans: Plan | tuple[Assignment, ...], name: str) -> None:
    """Refuse a price model that the wire form cannot carry back (standard `pickle`).

    O(e) pickles for e distinct price models (each a few hundred bytes).
    """
    error = _price_failure(
        plans,
        lambda value: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),
        name,
        "each part sends its charges back with their price models, pickled",
    )
    if error is not None:
        raise error


def ships(collection: Any) -> bool:
    """Whether Dask would run ``collection``'s tasks in other processes (so pickle them).

    True under an open ``distributed.Client`` chosen as the scheduler and under Dask's
    ``"processes"`` scheduler; false under the threaded and synchronous ones (and when
    the scheduler cannot be told: nothing is refused that might run).
    """
    dask = sys.modules.get("dask")
    base = getattr(dask, "base", None)
    try:
        scheduler = base.get_scheduler(collections=[collection]) if base else None
    except Exception:  # an unknown scheduler setting: Dask itself will say
        return False
    owner = getattr(scheduler, "__self__", None)
    if owner is not None and type(owner).__module__.split(".")[0] == "distributed":
        return True
    return getattr(scheduler, "__module__", None) == "dask.multiprocessing"


def check_arguments(
    name: str,
    plans: Plan | tuple[Assignment, ...],
    arguments: Iterable[tuple[str, object]],
) -> None:
    """Refuse the first argument that Dask cannot send to the workers' processes.

    Pickled as Dask pickles a task's arguments (cloudpickle, else the standard pickle),
    once each: O(size of the arguments), which Dask pays again per part.
    """
    cloudpickle = sys.modules.get("cloudpickle")  # imported by dask's multiprocessing
    dumps: Callable[[Any], bytes] = getattr(cloudpickle, "dumps", pickle.dumps)
    why = (
        "the parts run in other processes, which get the plans, meters, inventories, "
        "shares and build= by pickle (as Dask sends a task's arguments)"
    )
    way_out = "; or run the parts in threads: dask.config.set(scheduler='threads')"
    error = _price_failure(plans, dumps, name, why, way_out)
    if error is not None:
        raise error
    for what, value in (("plans", plans), *arguments):
        failure = _failure(dumps, value)
        if failure is not None:
            raise RatekitTypeError(
                f"{name} {what} {show(value)} does not pickle ({raised(failure)}); {why}, "
                f"so each must pickle: {_PICKLABLE}{way_out}."
            )


def check_pickles(
    name: str,
    plans: Plan | tuple[Assignment, ...],
    parts: Any,
    arguments: Iterable[tuple[str, object]],
    keep_charges: bool,
) -> None:
    """Both checks, as the scale-out needs them before computing ``parts`` (a Dask bag).

    The price models when the charges come back (``keep_charges``); the arguments when
    the scheduler runs the parts in other processes (`ships()`); nothing else.
    """
    if keep_charges:
        check_prices(plans, name)
    if ships(parts):
        check_arguments(name, plans, arguments)
