"""Scale-out: a caller's object that does not pickle is refused, naming it, before any part runs."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

import ratekit as rk
from ratekit.scaleout import bill_by_account, rate_by_account

pytest.importorskip("dask")

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
METERS = [rk.Meter("vm.hours", "hour", rk.OnOff())]
RECORDS = [
    rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"size": 1}),
    rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="stop"),
]
#: what each message says a picklable object is
PICKLABLE = (
    "an instance of a class defined at a module's top level, holding no lock, open file, "
    "socket or generator"
)
THREADS = "; or run the parts in threads: dask.config.set(scheduler='threads')."
#: what the other processes are sent, as the messages say it
SENT = (
    "the parts run in other processes, which get the plans, meters, inventories, shares "
    "and build= by pickle (as Dask sends a task's arguments)"
)


class Locked:
    """0.01 per unit, holding a lock (which does not pickle)."""

    linear = True

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def amount(self, quantity: Decimal) -> Decimal:
        return quantity * Decimal("0.01")

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        return ()

    def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        return self.amount(quantity + added) - self.amount(quantity)

    def __repr__(self) -> str:
        return "Locked()"


class LockedBuild:
    """A build function holding a lock: each element is already a record."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, element: Any) -> Any:
        return element

    def __repr__(self) -> str:
        return "LockedBuild()"


def locked_plan() -> rk.Plan:
    return rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", Locked())]
    )


def plain_plan() -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.01"))],
    )


def bag() -> Any:
    import dask.bag

    return dask.bag.from_sequence(RECORDS, npartitions=2)


def test_a_price_model_that_does_not_pickle_is_named_on_every_scheduler() -> None:
    # rate_by_account sends every part's charges back with their price models, pickled:
    # a model holding a lock raised a bare TypeError from the wire form, naming nothing.
    import dask

    for scheduler in ("synchronous", "threads"):
        with dask.config.set(scheduler=scheduler), pytest.raises(rk.RatekitTypeError) as error:
            rate_by_account(bag(), locked_plan(), span=MARCH, meters=METERS)
        assert str(error.value) == (
            "rate_by_account plan 'p' entry 'vm': its price Locked() does not pickle "
            "(TypeError: cannot pickle '_thread.lock' object); each part sends its charges "
            f"back with their price models, pickled, so a price model must pickle: {PICKLABLE}."
        )


def test_bill_by_account_in_threads_needs_no_pickle_of_the_price_model() -> None:
    # Only the invoices come back: in threads nothing of the plan is pickled, and the
    # result is one process's. acme ran 24 h (1 to 2 March) at 0.01 = 0.24.
    import dask

    with dask.config.set(scheduler="threads"):
        invoices, anomalies, no_effect = bill_by_account(
            bag(), locked_plan(), span=MARCH, meters=METERS
        )
    one = rk.rate(RECORDS, locked_plan(), span=MARCH, meters=METERS)
    assert invoices == rk.bill(one)
    assert [invoice.total for invoice in invoices] == [Decimal("0.24")]
    assert (anomalies, no_effect) == ((), ())


def test_in_other_processes_what_does_not_pickle_is_named_before_any_part_runs() -> None:
    # Dask's "processes" scheduler pickles each task's arguments: a bare TypeError (or a
    # PicklingError) came from deep inside Dask, naming neither the function nor the value.
    import dask

    with dask.config.set(scheduler="processes"):
        with pytest.raises(rk.RatekitTypeError) as error:
            bill_by_account(bag(), locked_plan(), span=MARCH, meters=METERS)
        assert str(error.value) == (
            "bill_by_account plan 'p' entry 'vm': its price Locked() does not pickle "
            f"(TypeError: cannot pickle '_thread.lock' object); {SENT}, so a price model "
            f"must pickle: {PICKLABLE}{THREADS}"
        )
        with pytest.raises(rk.RatekitTypeError) as error:
            rate_by_account(bag(), plain_plan(), span=MARCH, meters=METERS, build=LockedBuild())
        assert str(error.value) == (
            "rate_by_account build LockedBuild() does not pickle (TypeError: cannot pickle "
            f"'_thread.lock' object); {SENT}, so each must pickle: {PICKLABLE}{THREADS}"
        )


def test_on_two_workers_a_price_model_that_does_not_pickle_is_named(client: Any) -> None:
    # distributed raised "TypeError: Could not serialize object of type _HLGExprSequence".
    with pytest.raises(rk.RatekitTypeError) as error:
        bill_by_account(bag(), locked_plan(), span=MARCH, meters=METERS)
    assert str(error.value).startswith(
        "bill_by_account plan 'p' entry 'vm': its price Locked() does not pickle"
    )
    assert str(error.value).endswith(THREADS)
    # a lambda travels (Dask sends it with cloudpickle): the run is one process's,
    # 24 h at 0.01 = 0.24
    invoices, _, _ = bill_by_account(
        bag(), plain_plan(), span=MARCH, meters=METERS, build=lambda record: record
    )
    assert [invoice.total for invoice in invoices] == [Decimal("0.24")]
