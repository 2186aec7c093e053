"""A caller's feed that raises while it is read is refused naming what was read.

A generator that fails midway, a list or ``dict`` subclass whose own methods raise, a
column that fails: what the caller's code raises becomes a `RatekitTypeError` naming
the records (or the column) and chained as its cause, in the lean input path and in the
doors that take records, never a raw error of the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
T0 = MARCH.start_us
METERS = [rk.Meter("runtime", "hour", rk.OnOff())]
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "runtime", rk.PerUnit("1"))]
)


class GoneError(RuntimeError):
    """What the caller's feed raises."""


class ItemsGone(dict[str, object]):
    """A dict whose ``items()`` itself raises."""

    def items(self) -> ItemsView[str, object]:
        raise GoneError("backing store gone")


class IterGone(list[object]):
    """A list whose iteration raises."""

    def __iter__(self) -> Iterator[object]:
        raise GoneError("cursor closed")


def _tuples_then_gone() -> Iterator[tuple[object, ...]]:
    yield ("acme", "vm-1", T0, "start")
    raise GoneError("cursor closed")


def _values_then_gone() -> Iterator[object]:
    yield "acme"
    raise GoneError("cursor closed")


def _records_then_gone() -> Iterator[rk.Event]:
    yield rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="start")
    raise GoneError("cursor closed")


def _refused(call: Callable[[], object], match: str) -> None:
    with pytest.raises(rk.RatekitTypeError, match=match) as caught:
        call()
    assert isinstance(caught.value.__cause__, GoneError)


def test_an_attribute_mapping_whose_items_raise_is_refused_at_every_door() -> None:
    said = r"could not be read: its mapping \(ItemsGone\) raised GoneError: backing store gone"
    _refused(lambda: rk.Event("a", "r", "2026-03-02T00:00:00Z", ItemsGone(x=1)), said)
    _refused(lambda: rk.Event("a", "r", "2026-03-02T00:00:00Z", {"n": ItemsGone(x=1)}), said)
    _refused(
        lambda: rk.RecordBatch.from_tuples(events=[("a", "r", T0, "start", ItemsGone(x=1))]),
        r"events\[0\]: attributes " + said,
    )
    _refused(
        lambda: rk.RecordBatch.from_columns(
            events={"account": ["a"], "resource": ["r"], "at_us": [T0], "attributes": [ItemsGone()]}
        ),
        r"events\[0\]: attributes " + said,
    )


def test_a_generator_of_tuples_that_fails_midway_names_the_record_it_was_to_give() -> None:
    _refused(
        lambda: rk.RecordBatch.from_tuples(events=_tuples_then_gone()),
        r"^RecordBatch events\[1\] could not be read: its generator raised GoneError: cursor closed; ",
    )


def test_a_list_subclass_of_tuples_that_raises_is_refused() -> None:
    _refused(
        lambda: rk.RecordBatch.from_tuples(samples=IterGone([("a", "r", "m", T0, 1)])),
        r"^RecordBatch samples could not be read: its list \(IterGone\) raised GoneError",
    )


def test_columns_that_raise_are_refused_naming_the_column() -> None:
    _refused(
        lambda: rk.RecordBatch.from_columns(
            events={"account": _values_then_gone(), "resource": ["r", "r"], "at_us": [T0, T0]}
        ),
        r"^RecordBatch event column 'account' could not be read: its generator raised GoneError",
    )
    _refused(
        lambda: rk.RecordBatch.from_columns(
            events={"account": ["a"], "resource": IterGone(["r"]), "at_us": [T0]}
        ),
        r"^RecordBatch event column 'resource' could not be read: its list \(IterGone\) raised",
    )
    _refused(
        lambda: rk.RecordBatch.from_columns(events=ItemsGone(account=["a"])),
        r"^RecordBatch event columns could not be read: its mapping \(ItemsGone\) raised GoneError",
    )


def test_the_doors_that_take_records_name_a_generator_that_fails() -> None:
    _refused(
        lambda: rk.rate(_records_then_gone(), PLAN, span=MARCH, meters=METERS),
        r"^rate records could not be read: its generator raised GoneError: cursor closed",
    )
    _refused(
        lambda: rk.meter(_records_then_gone(), METERS, span=MARCH, cycle=None, as_of=MARCH.end),
        r"^meter\(\) records could not be read: its generator raised GoneError: cursor closed",
    )
    _refused(
        lambda: rk.Rater(PLAN, METERS, start=MARCH.start).feed(_records_then_gone()),
        r"^Rater.feed records could not be read: its generator raised GoneError: cursor closed",
    )


def test_a_feed_that_ends_is_read_as_before() -> None:
    def feed() -> Iterator[tuple[object, ...]]:
        yield ("acme", "vm-1", T0, "start")
        yield ("acme", "vm-1", T0 + 3_600_000_000, "stop")

    batch = rk.RecordBatch.from_tuples(events=feed())
    assert rk.rate(batch, PLAN, span=MARCH, meters=METERS).total() == 1


def _accounts_then_gone() -> Iterator[str]:
    yield "acme"
    raise GoneError("cursor closed")


def _pairs_then_gone() -> Iterator[tuple[str, str]]:
    yield ("acme", "vm-1")
    raise GoneError("cursor closed")


LISTING = rk.Inventory("2026-03-02T00:00:00Z", [("acme", "vm-1"), ("beta", "vm-2")], id="i1")


def _inventories_then_gone() -> Iterator[rk.Inventory]:
    yield LISTING
    raise GoneError("cursor closed")


def test_accounts_and_inventories_that_fail_midway_are_refused() -> None:
    from ratekit.scaleout import inventories_for, inventory_for, kept_inventories

    gone = "could not be read: its generator raised GoneError: cursor closed"
    _refused(
        lambda: rk.rate([], PLAN, span=MARCH, meters=METERS, accounts=_accounts_then_gone()),
        r"^rate accounts " + gone,
    )
    _refused(
        lambda: rk.Inventory("2026-03-02T00:00:00Z", _pairs_then_gone()),
        r"^Inventory resources " + gone,
    )
    _refused(
        lambda: rk.Inventory("2026-03-02T00:00:00Z", [], accounts=_accounts_then_gone()),
        r"^inventory accounts " + gone,
    )
    _refused(
        lambda: kept_inventories(_inventories_then_gone(), as_of=MARCH.end),
        r"^kept_inventories inventories " + gone,
    )
    _refused(
        lambda: inventories_for([LISTING], _accounts_then_gone()),
        r"^inventories_for accounts " + gone,
    )
    _refused(lambda: inventory_for(LISTING, _accounts_then_gone()), r"^inventory_for accounts ")
