"""Inventories in a scale-out by account: each part's exact copy, merged as one process.

The parts run here in this process on a stand-in for a Dask bag (`ListBag`: the bag's
partitions as lists), so the whole of ``rate_by_account`` runs (routing, the wire form,
the merge) without a scheduler; the Dask cluster case is in ``tests/test_scaleout.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from itertools import chain
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.test_scaleout import assert_same

import ratekit as rk
from ratekit._shown import show
from ratekit.scaleout import (
    inventories_for,
    inventory_for,
    kept_inventories,
    partition_of,
    rate_by_account,
)

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOURS = (rk.Meter("vm.hours", "hour", rk.OnOff()), rk.Meter("egress", "GB", rk.Discrete()))


def plan() -> rk.Plan:
    """0.10 EUR a VM-hour, 0.50 a GB, and a 5 EUR support fee a month (UTC)."""
    entries = [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.50")),
    ]
    return rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), entries, fees=[rk.Fee("support", 5)])


class ListBag:
    """A stand-in for a ``dask.bag.Bag``: its partitions as lists, computed at once."""

    def __init__(self, partitions: Sequence[Sequence[Any]]) -> None:
        self.partitions = [list(partition) for partition in partitions]

    @property
    def npartitions(self) -> int:
        return len(self.partitions)

    def map(self, function: Callable[[Any], Any]) -> ListBag:
        return ListBag([[function(item) for item in part] for part in self.partitions])

    def map_partitions(self, function: Callable[..., Any], *args: Any) -> ListBag:
        return ListBag([list(function(part, *args)) for part in self.partitions])

    def groupby(self, key: Callable[[Any], int], npartitions: int) -> ListBag:
        groups: dict[int, list[Any]] = {}
        for item in chain.from_iterable(self.partitions):
            groups.setdefault(key(item), []).append(item)
        return ListBag([[(k, groups[k]) for k in sorted(groups) if k % npartitions == n]
                        for n in range(npartitions)])  # fmt: skip

    def compute(self) -> list[Any]:
        return list(chain.from_iterable(self.partitions))


def by_parts(
    groups: Sequence[Sequence[rk.Event | rk.Sample]],
    inventories: Sequence[rk.Inventory],
    *,
    shuffle: bool = False,
    **options: Any,
) -> tuple[rk.Rating, tuple[rk.Invoice, ...]]:
    return rate_by_account(
        ListBag(groups),
        plan(),
        span=MARCH,
        meters=HOURS,
        inventories=inventories,
        shuffle=shuffle,
        **options,
    )


def one(
    records: Sequence[Any], inventories: Sequence[rk.Inventory], **options: Any
) -> tuple[rk.Rating, tuple[rk.Invoice, ...]]:
    rating = rk.rate([*records, *inventories], plan(), span=MARCH, meters=HOURS, **options)
    return rating, rk.bill(rating)


def vm(
    account: str, name: str, start: str, stop: str | None = None, *, kind: str = "stop"
) -> list[rk.Event]:
    """A VM of ``account`` started on March ``start`` (and stopped on ``stop``): ``DDTHH``."""
    resource = f"{account}/{name}"
    key = f"{account}-{name}"
    out = [rk.Event(account, resource, f"2026-03-{start}:00:00Z", kind="start", id=f"{key}-start")]
    if stop is not None:
        out.append(rk.Event(account, resource, f"2026-03-{stop}:00:00Z", kind=kind,  # type: ignore[arg-type]
                            id=f"{key}-{kind}"))  # fmt: skip
    return out


# -- the copy of an inventory for a group of accounts ------------------------------------------


def test_the_copy_for_some_accounts_lists_theirs_and_keeps_the_rest() -> None:
    whole = rk.Inventory(
        "2026-03-10T00:00:00Z",
        {("acme", "acme/vm-1"): {"flavor": "s"}, ("wayne", "wayne/vm-7"): {}},
        close="last_seen",
        id="inv-10",
    )
    copy = inventory_for(whole, ["wayne", "globex"])
    assert copy is not None
    assert (copy.at, copy.close, copy.id, copy.accounts, copy.where) == (
        whole.at, "last_seen", "inv-10", None, ()
    )  # fmt: skip
    assert copy.resources == (("wayne", "wayne/vm-7", {}),)
    assert inventory_for(whole, []) == rk.Inventory(
        "2026-03-10T00:00:00Z", [], close="last_seen", id="inv-10"
    )  # an inventory of every account still speaks for the accounts of the part
    scoped = rk.Inventory(
        "2026-03-10T00:00:00Z",
        [("acme", "acme/vm-1")],
        accounts=["acme", "wayne"],
        where={"entity": "vm"},
        id="inv-s",
    )
    assert inventory_for(scoped, {"wayne", "globex"}) == rk.Inventory(
        "2026-03-10T00:00:00Z", [], accounts=["wayne"], where={"entity": "vm"}, id="inv-s"
    )
    assert inventory_for(scoped, ["globex"]) is None  # it covers none of globex's resources
    assert inventory_for(scoped, ["acme", "wayne", "x"]) is scoped  # nothing to cut


def test_the_copy_is_refused_for_what_is_not_an_inventory_or_accounts() -> None:
    whole = rk.Inventory("2026-03-10T00:00:00Z", [])
    with pytest.raises(rk.RatekitTypeError) as error:
        inventory_for(whole, "acme")
    assert str(error.value) == (
        "inventory_for accounts must be an iterable of account names such as ['acme'], "
        "not str: 'acme'."
    )
    with pytest.raises(rk.RatekitTypeError) as error:
        inventory_for(vm("acme", "vm-1", "01T00")[0], ["acme"])  # type: ignore[arg-type]
    assert str(error.value).startswith("inventory_for takes an Inventory, not Event: Event(")


# -- examples worked by hand ------------------------------------------------------------------


def test_an_inventory_of_every_account_reconciles_each_part_as_one_process() -> None:
    # acme's vm-1 from 1 Mar 00:00 (part 1) and wayne's vm-2 from 2 Mar 00:00 (part 2),
    # never stopped; an inventory of the whole platform on 11 Mar 00:00 lists acme's vm-1
    # and globex's vm-3 (no other record: an account only the inventory knows).
    #   acme   vm-1 runs all month: 31 d x 24 = 744 h x 0.10 = 74.40 + 5 = 79.40
    #   globex vm-3 opened 11 Mar 00:00: 21 d x 24 = 504 h x 0.10 = 50.40 + 5 = 55.40
    #   wayne  vm-2 closed 11 Mar 00:00 (not listed): 9 d x 24 = 216 h = 21.60 + 5 = 26.60
    records = vm("acme", "vm-1", "01T00") + vm("wayne", "vm-2", "02T00")
    snapshot = rk.Inventory(
        "2026-03-11T00:00:00Z", [("acme", "acme/vm-1"), ("globex", "globex/vm-3")], id="inv-11"
    )
    want = one(records, [snapshot])
    got = by_parts([records[:1], records[1:]], [snapshot])
    assert_same(got, want)
    assert [(i.account, i.total) for i in got[1]] == [
        ("acme", Decimal("79.40")),
        ("globex", Decimal("55.40")),
        ("wayne", Decimal("26.60")),
    ]
    assert sorted(a.kind for a in got[0].anomalies) == ["reconciled_close", "reconciled_open"]
    assert got[0].no_effect == ()
    # shuffled by account the same
    assert_same(by_parts([records], [snapshot], shuffle=True, partitions=2), want)


def test_a_scoped_inventory_reaches_only_its_accounts_and_confirms_once() -> None:
    # Scoped to acme: wayne's vm-2 is outside it, and stays open. The listing agrees with
    # acme's timeline (vm-1, stopped, exists), so it changed nothing: one process reports
    # ("inv-a", "confirmed") once; the part without acme gets no copy, acme's reports it.
    #   acme  1 Mar 00:00 .. 3 Mar 00:00 = 48 h x 0.10 = 4.80 + 5 = 9.80
    #   wayne 2 Mar 00:00 .. 1 Apr = 30 d x 24 = 720 h x 0.10 = 72.00 + 5 = 77.00
    records = vm("acme", "vm-1", "01T00", "03T00") + vm("wayne", "vm-2", "02T00")
    snapshot = rk.Inventory(
        "2026-03-05T00:00:00Z", [("acme", "acme/vm-1")], accounts=["acme"], id="inv-a"
    )
    want = one(records, [snapshot])
    got = by_parts([records[:2], records[2:]], [snapshot])
    assert_same(got, want)
    assert [i.total for i in got[1]] == [Decimal("9.80"), Decimal("77.00")]
    assert got[0].no_effect == (("inv-a", "confirmed"),)
    assert got[0].anomalies == ()


def test_an_inventory_that_acts_in_one_part_is_not_reported_without_effect() -> None:
    # Unscoped, listing nothing, on 5 Mar: acme's vm-1 was deleted on 3 Mar (nothing to
    # close), wayne's vm-2 runs: closed on 5 Mar 00:00. The part of acme alone would say
    # "confirmed"; wayne's part names it in a reconciled_close: merged, it had an effect.
    #   acme  1 Mar 00:00 .. 3 Mar 00:00 = 48 h x 0.10 = 4.80 + 5 = 9.80
    #   wayne 2 Mar 00:00 .. 5 Mar 00:00 = 72 h x 0.10 = 7.20 + 5 = 12.20
    records = vm("acme", "vm-1", "01T00", "03T00", kind="delete") + vm("wayne", "vm-2", "02T00")
    snapshot = rk.Inventory("2026-03-05T00:00:00Z", [], id="inv-5")
    want = one(records, [snapshot])
    got = by_parts([records[:2], records[2:]], [snapshot])
    assert_same(got, want)
    assert got[0].no_effect == ()
    assert [i.total for i in got[1]] == [Decimal("9.80"), Decimal("12.20")]


def test_a_last_seen_inventory_closes_at_each_resources_own_last_sign_of_life() -> None:
    # close="last_seen" on 10 Mar: acme's vm-1 last sent egress on 4 Mar 12:00, wayne's
    # vm-2 on 6 Mar 00:00; neither is listed, each is closed at its own last sample.
    #   acme  1 Mar 00:00 .. 4 Mar 12:00 = 84 h x 0.10 = 8.40; 3 GB x 0.50 = 1.50; + 5 = 14.90
    #   wayne 2 Mar 00:00 .. 6 Mar 00:00 = 96 h x 0.10 = 9.60; 4 GB x 0.50 = 2.00; + 5 = 16.60
    acme = [*vm("acme", "vm-1", "01T00"),
            rk.Sample("acme", "acme/vm-1", "egress", "2026-03-04T12:00:00Z", 3, id="s-a")]  # fmt: skip
    wayne = [*vm("wayne", "vm-2", "02T00"),
             rk.Sample("wayne", "wayne/vm-2", "egress", "2026-03-06T00:00:00Z", 4, id="s-w")]  # fmt: skip
    snapshot = rk.Inventory("2026-03-10T00:00:00Z", [], close="last_seen", id="inv-ls")
    want = one(acme + wayne, [snapshot])
    got = by_parts([acme, wayne], [snapshot])
    assert_same(got, want)
    assert [i.total for i in got[1]] == [Decimal("14.90"), Decimal("16.60")]


def test_a_replayed_inventory_is_one_duplicate_not_one_per_part() -> None:
    # The same inventory received twice: one process reports one "duplicate" anomaly. Each
    # of the two parts gets one copy; the replay is found once, in the calling process.
    records = vm("acme", "vm-1", "01T00") + vm("wayne", "vm-2", "02T00")
    snapshot = rk.Inventory("2026-03-11T00:00:00Z", [("acme", "acme/vm-1")], id="inv-11")
    want = one(records, [snapshot, snapshot])
    got = by_parts([records[:1], records[1:]], [snapshot, snapshot])
    assert_same(got, want)
    assert Counter(a.kind for a in got[0].anomalies) == {"duplicate": 1, "reconciled_close": 1}
    # without an id, a replay is known by its content: the same
    anonymous = rk.Inventory("2026-03-11T00:00:00Z", [("acme", "acme/vm-1")])
    assert_same(
        by_parts([records[:1], records[1:]], [anonymous] * 3), one(records, [anonymous] * 3)
    )


def test_an_inventory_id_given_twice_with_other_content_conflicts_as_in_one_process() -> None:
    records = vm("acme", "vm-1", "01T00") + vm("wayne", "vm-2", "02T00")
    first = rk.Inventory("2026-03-11T00:00:00Z", [("acme", "acme/vm-1")], id="inv-11")
    other = rk.Inventory("2026-03-11T00:00:00Z", [("wayne", "wayne/vm-2")], id="inv-11")
    with pytest.raises(rk.ConflictingRecordError) as expected:
        one(records, [first, other])
    with pytest.raises(rk.ConflictingRecordError) as error:
        by_parts([records[:1], records[1:]], [first, other])
    assert str(error.value) == str(expected.value)
    # an event sharing an inventory's id: the parts do not see it (the copy for acme's
    # part is not the event's part), the merge does
    clash = rk.Event("wayne", "wayne/vm-2", "2026-03-20T00:00:00Z", kind="stop", id="inv-a")
    scoped = rk.Inventory("2026-03-11T00:00:00Z", [], accounts=["acme"], id="inv-a")
    with pytest.raises(rk.ConflictingRecordError, match="share the id 'inv-a'"):
        one([*records, clash], [scoped])
    with pytest.raises(rk.ConflictingRecordError) as error:
        by_parts([records[:1], [*records[1:], clash]], [scoped])
    assert str(error.value) == (
        f"two records share the id 'inv-a' but differ: the inventory {show(scoped)} and a "
        "record of account 'wayne'; replaying a record must repeat it exactly, so give a "
        "corrected record a new id."
    )
    # an event stamped after as_of is not known: one process does not compare it
    got = by_parts([records[:1], [*records[1:], clash]], [scoped], as_of="2026-03-15T00:00:00Z")
    assert_same(got, one([*records, clash], [scoped], as_of="2026-03-15T00:00:00Z"))


def test_an_inventory_not_known_by_as_of_is_reported_not_yet_once() -> None:
    records = vm("acme", "vm-1", "01T00") + vm("wayne", "vm-2", "02T00")
    later = rk.Inventory("2026-03-20T00:00:00Z", [], id="inv-20")
    as_of = "2026-03-15T00:00:00Z"
    got = by_parts([records[:1], records[1:]], [later, later], as_of=as_of)
    assert_same(got, one(records, [later, later], as_of=as_of))
    assert got[0].no_effect == (("inv-20", "not_yet"),)


def test_an_inventory_id_known_by_as_of_in_any_copy_is_not_reported_not_yet() -> None:
    # One id on two inventories with other instants: one on 20 March, after as_of, one on
    # 11 March, before it. One process compares only what it knows by as_of, so the one of
    # 20 March is left out and the id is the 11 March listing, confirmed, whichever of the
    # two comes first. The merge judged the id by the first one given: "not_yet".
    records = vm("acme", "vm-1", "01T00") + vm("wayne", "vm-2", "02T00")
    running = [("acme", "acme/vm-1"), ("wayne", "wayne/vm-2")]  # both listings confirm
    later = rk.Inventory("2026-03-20T00:00:00Z", running, id="inv")
    known = rk.Inventory("2026-03-11T00:00:00Z", running, id="inv")
    as_of = "2026-03-15T00:00:00Z"
    for order in ([later, known], [known, later]):
        got = by_parts([records[:1], records[1:]], order, as_of=as_of)
        assert_same(got, one(records, order, as_of=as_of))
        assert got[0].no_effect == (("inv", "confirmed"),)


def test_inventories_in_the_bag_or_not_inventories_are_refused_with_the_way_out() -> None:
    records = vm("acme", "vm-1", "01T00")
    snapshot = rk.Inventory("2026-03-11T00:00:00Z", [("acme", "acme/vm-1")], id="inv-11")
    with pytest.raises(rk.RatekitTypeError) as error:
        by_parts([[*records, snapshot]], [])  # type: ignore[list-item]
    assert str(error.value) == (
        f"rate_by_account got an Inventory in the bag ({show(snapshot)}): an inventory "
        "speaks for many accounts, so it cannot travel with one account's records; give "
        "the inventories beside the bag, rate_by_account(bag, ..., inventories=[...]), and "
        "each part gets the copy exact for its accounts."
    )
    with pytest.raises(rk.RatekitTypeError) as error:
        by_parts([records], [records[0]])  # type: ignore[list-item]
    assert str(error.value).startswith(
        "rate_by_account inventories must be Inventory values (the events and samples go "
        "elsewhere), not Event: Event("
    )
    with pytest.raises(rk.RatekitTypeError) as error:
        by_parts([records], snapshot)  # type: ignore[arg-type]
    assert str(error.value).startswith(
        "rate_by_account inventories must be an iterable of Inventory values, not Inventory: "
    )


def test_anonymous_inventories_equal_for_a_part_are_applied_once_or_refused() -> None:
    # Two inventories without id at one instant, differing only in wayne's listing: for
    # acme's part their copies are equal. Right after one another they act as one there.
    records = vm("acme", "vm-1", "01T00") + vm("wayne", "vm-2", "02T00")
    at = "2026-03-11T00:00:00Z"
    first = rk.Inventory(at, {("acme", "acme/vm-1"): {"size": 1}, ("wayne", "wayne/vm-2"): {}})
    second = rk.Inventory(at, {("acme", "acme/vm-1"): {"size": 1}})
    between = rk.Inventory(at, {("acme", "acme/vm-1"): {"size": 2}, ("wayne", "wayne/vm-2"): {}})
    parts = [records[:1], records[1:]]
    assert_same(by_parts(parts, [first, second]), one(records, [first, second]))
    # With a third between them, acme's part would take the second for a replay of the
    # first: refused (the part's copies need not meet the order in which one process
    # applies the listings of one instant).
    with pytest.raises(rk.BadRecordError) as error:
        by_parts(parts, [first, between, second])
    assert str(error.value) == (
        f"rate_by_account cannot give a part exactly the inventories {show(first)} and "
        f"{show(second)}: they have no id, so they are known by their content, and for its "
        f"accounts ('acme') they list the same (they differ for 'wayne'), while "
        f"{show(between)} comes between them; metered "
        "together, the second would be taken for a replay of the first. Give each "
        "inventory an id (it is then known by it), or rate them in one process with "
        "ratekit.rate."
    )
    # the same inventories with ids are applied exactly
    with_ids = [rk.Inventory(at, {k[:2]: k[2] for k in i.resources}, id=f"i{n}")
                for n, i in enumerate([first, between, second])]  # fmt: skip
    assert_same(by_parts(parts, with_ids), one(records, with_ids))


# -- the law: any partition of the accounts gives one process's result ------------------------

ACCOUNTS = ("a", "b", "c")
#: instants in hours from 1 Mar 00:00 (a few, so that records and inventories share some);
#: -24 is before the span, 400 after an as_of of 300 h
HOURS_AT = (-24, 0, 10, 30, 30, 100, 250, 400)
START_US = MARCH.start_us
HOUR_US = 3_600_000_000
KEYS = [(account, f"{account}/r{n}") for account in ACCOUNTS for n in range(2)]


def _at(hours: int) -> str:
    return rk.Span.from_us(
        START_US + hours * HOUR_US, START_US + hours * HOUR_US + 1
    ).start.isoformat()


@st.composite
def fleets(
    draw: st.DrawFn,
) -> tuple[list[Any], list[rk.Inventory], list[list[str]], dict[str, Any]]:
    """Records, inventories (scoped, unscoped, late, replayed), a grouping of the accounts."""
    ids = iter(range(1000))
    records: list[Any] = []
    for _ in range(draw(st.integers(0, 10))):
        account, resource = draw(st.sampled_from(KEYS))
        at = _at(draw(st.sampled_from(HOURS_AT)))
        record_id = f"r{next(ids)}" if draw(st.booleans()) else None
        if draw(st.integers(0, 3)) == 0:
            quantity = draw(st.integers(1, 5))
            records.append(rk.Sample(account, resource, "egress", at, quantity, id=record_id))
        else:
            kind = draw(st.sampled_from(["start", "start", "stop", "delete"]))
            attributes = {"size": draw(st.integers(1, 2))} if kind == "start" else None
            records.append(rk.Event(account, resource, at, attributes, kind=kind, id=record_id))
    with_ids = [r for r in records if r.id is not None]
    if with_ids and draw(st.integers(0, 3)) == 0:  # an id again, in any account, maybe later
        account, resource = draw(st.sampled_from(KEYS))
        at = _at(draw(st.sampled_from(HOURS_AT)))
        record_id = draw(st.sampled_from(with_ids)).id
        records.append(rk.Event(account, resource, at, kind="stop", id=record_id))
    inventories = _inventories(draw, ids)
    named = [i for i in inventories if i.id is not None]
    if named and draw(st.integers(0, 7)) == 0:  # an event with an inventory's id
        account, resource = draw(st.sampled_from(KEYS))
        at = _at(draw(st.sampled_from(HOURS_AT)))
        records.append(
            rk.Event(account, resource, at, kind="stop", id=draw(st.sampled_from(named)).id)
        )
    groups_of = draw(st.lists(st.integers(0, 2), min_size=len(ACCOUNTS), max_size=len(ACCOUNTS)))
    groups = [[a for a, g in zip(ACCOUNTS, groups_of, strict=True) if g == n] for n in range(3)]
    options: dict[str, Any] = {}
    if draw(st.booleans()):
        options["as_of"] = _at(300)
    if draw(st.integers(0, 3)) == 0:
        options["accounts"] = ["b", "e"]
    return records, inventories, [g for g in groups if g], options


def _inventories(draw: st.DrawFn, ids: Iterator[int]) -> list[rk.Inventory]:
    """Inventories scoped or not, stamped anywhere, some replayed, now and then an id clash."""
    listable = [*KEYS, ("c", "c/only"), ("d", "d/only")]  # d: an account only inventories know
    inventories: list[rk.Inventory] = []
    for _ in range(draw(st.integers(0, 4))):
        scope = draw(st.sampled_from(["none", "accounts", "where"]))
        accounts = None
        if scope == "accounts":
            accounts = draw(st.lists(st.sampled_from([*ACCOUNTS, "d"]), min_size=1, unique=True))
        chosen = draw(st.lists(st.sampled_from(listable), unique=True, max_size=4))
        if accounts is not None:
            chosen = [key for key in chosen if key[0] in accounts]
        listing = {key: ({"size": draw(st.integers(1, 2))} if draw(st.booleans()) else {})
                   for key in chosen}  # fmt: skip
        where = None
        if scope == "where":
            where = {"size": 1}
            listing = {
                key: ({} if value.get("size") == 2 else value) for key, value in listing.items()
            }
        inventories.append(rk.Inventory(
            _at(draw(st.sampled_from(HOURS_AT))),
            listing,
            close=draw(st.sampled_from(["snapshot", "last_seen"])),
            id=f"i{next(ids)}" if draw(st.booleans()) else None,
            accounts=accounts,
            where=where,
        ))  # fmt: skip
    for _ in range(draw(st.integers(0, 2))):  # replays
        if inventories:
            inventories.append(draw(st.sampled_from(inventories)))
    named = [i for i in inventories if i.id is not None]
    if named and draw(st.integers(0, 7)) == 0:  # an id given again with other content
        clash = draw(st.sampled_from(named))
        other = "last_seen" if clash.close == "snapshot" else "snapshot"
        # at its instant, or at another (one of them may come after as_of)
        at = clash.at if draw(st.booleans()) else _at(draw(st.sampled_from(HOURS_AT)))
        inventories.append(rk.Inventory(at, [], close=other, id=clash.id))
    return list(draw(st.permutations(inventories)))


@given(fleets(), st.booleans())
def test_any_partition_of_the_accounts_gives_one_process_result(
    fleet: tuple[list[Any], list[rk.Inventory], list[list[str]], dict[str, Any]], shuffle: bool
) -> None:
    records, inventories, groups, options = fleet
    parts = [[r for r in records if r.account in group] for group in groups]
    try:
        want: Any = one(records, inventories, **options)
    except rk.ConflictingRecordError as error:  # an id twice with other content
        want = error
    try:
        got: Any = by_parts(
            parts, inventories, shuffle=shuffle, partitions=2 if shuffle else None, **options
        )
    except rk.BadRecordError as error:  # a conflict, or two copies a part cannot tell apart
        got = error
    if type(got) is rk.BadRecordError:
        # refused only where two anonymous inventories have equal copies for a group
        assert "cannot give a part exactly the inventories" in str(got)
        anonymous = [i for i in inventories if i.id is None]
        # a part's accounts are those of its records; the accounts of no record (listed,
        # or only an inventory lists them) are rated in one part of their own
        seen = {r.account for r in records}
        owned = [{r.account for r in part} for part in parts if part]
        if shuffle:  # one part per key (2 partitions), whatever the bag's partitions
            keyed = [{a for a in seen if partition_of(a, 2) == key} for key in range(2)]
            owned = [group for group in keyed if group]
        listed = {account for i in inventories for account, _, _ in i.resources}
        quiet = (set(options.get("accounts", ())) | listed) - seen
        assert any(
            x != y and inventory_for(x, group) == inventory_for(y, group) is not None
            for x in anonymous for y in anonymous
            for group in [*owned, *([quiet] if quiet else [])]
        )  # fmt: skip
        return
    if isinstance(want, Exception):
        assert type(got) is type(want)
        return
    assert not isinstance(got, Exception), got
    assert_same(got, want)


@given(fleets())
def test_metering_each_group_with_its_copies_gives_one_process_usage(
    fleet: tuple[list[Any], list[rk.Inventory], list[list[str]], dict[str, Any]],
) -> None:
    # The route of the Spark recipe, with meter(): replays found once (kept_inventories),
    # each group of accounts metered with inventories_for() its accounts.
    records, inventories, groups, _ = fleet
    record_ids = [r.id for r in records if r.id is not None]
    if len(set(record_ids)) != len(record_ids) or set(record_ids) & {i.id for i in inventories}:
        return  # an id shared across accounts: rate_by_account's merge checks that
    cycle = rk.cycles.monthly(tz="UTC")
    try:
        want = rk.meter([*records, *inventories], HOURS, span=MARCH, cycle=cycle, as_of=MARCH.end)
    except rk.ConflictingRecordError:
        with pytest.raises(rk.ConflictingRecordError):
            kept_inventories(inventories, as_of=MARCH.end)
        return
    kept, replays = kept_inventories(inventories, as_of=MARCH.end)
    rows: list[rk.UsageRow] = []
    anomalies = list(replays)
    for group in [*groups, ["d"]]:  # d: the account only inventories know, a group too
        try:
            copies = inventories_for(kept, group)
        except rk.BadRecordError:
            return  # two anonymous copies a group cannot tell apart (the other law)
        mine = [r for r in records if r.account in group]
        usage = rk.meter([*mine, *copies], HOURS, span=MARCH, cycle=cycle, as_of=MARCH.end)
        rows += usage.rows
        anomalies += usage.anomalies
    assert sorted(rows, key=repr) == sorted(want.rows, key=repr)
    assert Counter(map(repr, anomalies)) == Counter(map(repr, want.anomalies))


def test_the_route_by_hand_refuses_what_is_not_inventories_or_accounts() -> None:
    snapshot = rk.Inventory("2026-03-11T00:00:00Z", [("acme", "acme/vm-1")], id="inv-11")
    with pytest.raises(rk.RatekitTypeError) as error:
        inventories_for([snapshot], "acme")
    assert str(error.value) == (
        "inventories_for accounts must be an iterable of account names such as ['acme'], "
        "not str: 'acme'."
    )
    for accounts, shown in (([5], "int: 5"), (["acme", ""], "str: ''"), ([None], "NoneType: None")):
        with pytest.raises(rk.RatekitTypeError) as error:
            inventories_for([snapshot], accounts)  # type: ignore[arg-type]
        assert str(error.value) == (
            f"inventories_for accounts must be non-empty strings (account names), not {shown}."
        )
        with pytest.raises(rk.RatekitTypeError) as error:
            inventory_for(snapshot, accounts)  # type: ignore[arg-type]
        assert str(error.value) == (
            f"inventory_for accounts must be non-empty strings (account names), not {shown}."
        )
    with pytest.raises(
        rk.RatekitTypeError, match=r"^inventories_for account '\\ud800' is not valid"
    ):
        inventories_for([snapshot], ["\ud800"])
    with pytest.raises(rk.RatekitTypeError) as error:
        inventories_for([snapshot, "x"], ["acme"])  # type: ignore[list-item]
    assert str(error.value) == (
        "inventories_for inventories must be Inventory values (the events and samples go "
        "elsewhere), not str: 'x'."
    )
    with pytest.raises(rk.BadTimeError, match="kept_inventories as_of"):
        kept_inventories([snapshot], as_of="2026-03-11")


def test_the_span_and_as_of_are_read_once_in_the_calling_process() -> None:
    # the inventories not yet known are worked out from them before any part runs
    with pytest.raises(rk.RatekitTypeError) as error:
        rate_by_account(ListBag([]), plan(), span="2026-03", meters=HOURS)  # type: ignore[arg-type]
    assert str(error.value) == "rate_by_account span must be a Span, not str: '2026-03'."
    with pytest.raises(rk.BadTimeError, match="rate_by_account as_of"):
        rate_by_account(ListBag([]), plan(), span=MARCH, meters=HOURS, as_of="2026-03-11")


def test_ids_of_records_not_known_by_as_of_are_not_compared_across_parts() -> None:
    # wayne's stop on 20 Mar reuses acme's id; with as_of 15 Mar one process does not know
    # it and compares nothing: nor does the merge (it used to raise a conflict).
    acme = vm("acme", "vm-1", "01T00")
    wayne = [*vm("wayne", "vm-2", "02T00"),
             rk.Event("wayne", "wayne/vm-2", "2026-03-20T00:00:00Z", kind="stop", id="acme-vm-1-start")]  # fmt: skip
    as_of = "2026-03-15T00:00:00Z"
    assert_same(by_parts([acme, wayne], [], as_of=as_of), one(acme + wayne, [], as_of=as_of))
    with pytest.raises(rk.ConflictingRecordError, match="share the id 'acme-vm-1-start'"):
        by_parts([acme, wayne], [])  # known by the end of the span: a conflict, as in one process
    # both stamped after as_of: one ("not_yet") entry, not one per part
    late = rk.Event("acme", "acme/vm-1", "2026-03-21T00:00:00Z", kind="stop", id="late")
    other = rk.Event("wayne", "wayne/vm-2", "2026-03-22T00:00:00Z", kind="stop", id="late")
    got = by_parts([[*acme, late], [*wayne[:1], other]], [], as_of=as_of)
    assert_same(got, one([*acme, late, *wayne[:1], other], [], as_of=as_of))
    assert got[0].no_effect == (("late", "not_yet"),)


def test_an_empty_partition_takes_no_copy_of_anonymous_inventories() -> None:
    # A partition holding no record rates no account, so no inventory is its: two
    # anonymous inventories that list nothing of none of its accounts, with a third
    # between them, were refused there ("cannot give a part exactly the inventories")
    # though every part with accounts could apply them as one process does.
    at = "2026-03-31T00:00:00Z"
    inventories = [
        rk.Inventory(at, [("a", "a/vm"), ("b", "b/x")]),
        rk.Inventory(at, [], close="last_seen"),
        rk.Inventory(at, {("a", "a/vm"): {"flavor": "m1"}, ("d", "d/only"): {}}),
    ]
    records = vm("a", "vm", "01T00")
    got = by_parts([records, []], inventories)
    assert_same(got, one(records, inventories))
    # both snapshots list a/vm (its flavor does not change its price), so it runs all
    # March: 31 days = 744 h x 0.10 = 74.40, + 5.00 support = 79.40
    assert {i.account: i.total for i in got[1]}["a"] == Decimal("79.40")
