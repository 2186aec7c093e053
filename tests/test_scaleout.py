"""Scale-out by account on Dask (ratekit.scaleout), and values that travel (pickle)."""

from __future__ import annotations

import pickle
import random
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

import ratekit as rk
from ratekit._shown import show
from ratekit.scaleout import MAX_PARTITIONS, bill_by_account, partition_of, rate_by_account

#: what a count out of range is told (before the count itself)
OVER = " (ratekit.scaleout.MAX_PARTITIONS: more parts than the workers' cores gain nothing), not "

ZURICH = rk.cycles.monthly(tz="Europe/Zurich")
MARCH = ZURICH.containing("2026-03-15T12:00:00Z")  # 2026-02-28T23:00Z .. 2026-03-31T22:00Z
METERS = (
    rk.Meter("vm.hours", "hour", rk.OnOff()),
    rk.Meter("memory", "GiB*hour", rk.Continuous("memory_gib")),
    rk.Meter("egress", "GB", rk.Discrete()),
)
FLAVORS = {"small": 2, "large": 8}


def plan(*, fee: bool = True) -> rk.Plan:
    """Per-flavor hours rising on the 15th (Zurich), memory per GiB-hour, graduated egress."""
    entries = [
        rk.PriceEntry(flavor, "vm.hours", rk.PerUnit(price), where={"flavor": flavor})
        for flavor, price in (("small", "0.020"), ("large", "0.080"))
    ] + [
        rk.PriceEntry(
            f"{flavor} from the 15th",
            "vm.hours",
            rk.PerUnit(price),
            where={"flavor": flavor},
            start="2026-03-14T23:00:00Z",
            priority=1,
        )
        for flavor, price in (("small", "0.022"), ("large", "0.088"))
    ]
    entries += [
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.003")),
        rk.PriceEntry(
            "egress",
            "egress",
            rk.Graduated([rk.Tier(10, "0"), rk.Tier(100, "0.09"), rk.Tier(None, "0.05")]),
        ),
    ]
    fees = [rk.Fee("support", 5)] if fee else []
    return rk.Plan("fleet", "EUR", ZURICH, entries, fees=fees)


def fleet(accounts: int = 12, seed: int = 13) -> list[rk.Event | rk.Sample]:
    """A small shuffled month: VMs started, resized, stopped, deleted; egress samples."""
    rng = random.Random(seed)
    records: list[rk.Event | rk.Sample] = []
    start_us = MARCH.start_us
    for number in range(accounts):
        account = f"acct-{number:02d}"
        for vm in range(3):
            resource = f"{account}/vm-{vm}"
            times = sorted(rng.randrange(start_us, MARCH.end_us) for _ in range(5))
            flavor = rng.choice(list(FLAVORS))
            kinds = ["start", "start", "stop", "start", rng.choice(["delete", "stop"])]
            for position, (at_us, kind) in enumerate(zip(times, kinds, strict=True)):
                at = rk.Span.from_us(at_us, at_us + 1).start
                if kind == "start":
                    if position == 1:  # a resize while running
                        flavor = "large" if flavor == "small" else "small"
                    description = {"flavor": flavor, "memory_gib": FLAVORS[flavor]}
                    records.append(rk.Event(account, resource, at, description, kind="start"))
                else:
                    records.append(rk.Event(account, resource, at, kind=kind))  # type: ignore[arg-type]
            for _ in range(4):
                at_us = times[0] + rng.randrange(times[-1] - times[0])
                at = rk.Span.from_us(at_us, at_us + 1).start
                records.append(rk.Sample(account, resource, "egress", at, rng.randrange(1, 40)))
        # a stop for a machine never started: an "orphan_stop" anomaly, charging nothing
        at = rk.Span.from_us(start_us + number, start_us + number + 1).start
        records.append(rk.Event(account, f"{account}/ghost", at, kind="stop"))
    rng.shuffle(records)
    return records


def bag(records: list[Any], partitions: int = 3) -> Any:
    import dask.bag

    return dask.bag.from_sequence(records, npartitions=partitions)


def single(
    records: list[Any], plans: Any, accounts: list[str] | None = None
) -> tuple[rk.Rating, tuple[rk.Invoice, ...]]:
    rating = rk.rate(records, plans, span=MARCH, meters=METERS, accounts=accounts)
    return rating, rk.bill(rating)


def assert_same(got: tuple[rk.Rating, tuple[rk.Invoice, ...]], want: Any) -> None:
    (rating, invoices), (expected, expected_invoices) = got, want
    assert rating.charges == expected.charges  # the same charges, in the same order
    assert rating.rows == expected.rows
    assert Counter(map(repr, rating.anomalies)) == Counter(map(repr, expected.anomalies))
    assert rating.no_effect == expected.no_effect
    assert invoices == expected_invoices
    assert [i.total for i in invoices] == [i.total for i in expected_invoices]


def test_rating_by_account_on_two_workers_equals_one_process(client: Any) -> None:
    records = fleet()
    want = single(records, plan())
    # the input crosses parts: each part holds several accounts, each account one part
    assert len({partition_of(r.account, 3) for r in records}) == 3
    got = rate_by_account(bag(records), plan(), span=MARCH, meters=METERS)
    assert_same(got, want)
    assert len(got[1]) == 12
    assert Counter(a.kind for a in got[0].anomalies) == {"orphan_stop": 12}
    assert got[0].total() == want[0].total() != 0


def test_inventories_on_two_workers_equal_one_process(client: Any) -> None:
    # The fleet with three inventories: one of the whole platform on 20 Mar (listing
    # acct-00's VMs and a VM of "newco", an account no other record knows; it closes every
    # other VM still open), one scoped to acct-03 and acct-07 closing at the last sign of
    # life on 25 Mar, and a replay of the first. Each part gets the copy exact for its
    # accounts; newco is rated in the calling process; the replay is one anomaly.
    records = fleet()
    whole = rk.Inventory(
        "2026-03-20T00:00:00Z",
        {**{("acct-00", f"acct-00/vm-{n}"): {} for n in range(3)},
         ("newco", "newco/vm-1"): {"flavor": "small", "memory_gib": 2}},
        id="inv-20",
    )  # fmt: skip
    scoped = rk.Inventory(
        "2026-03-25T00:00:00Z", [], accounts=["acct-03", "acct-07"], close="last_seen", id="inv-25"
    )
    inventories = [whole, scoped, whole]
    rating = rk.rate([*records, *inventories], plan(), span=MARCH, meters=METERS)
    want = (rating, rk.bill(rating))
    got = rate_by_account(bag(records), plan(), span=MARCH, meters=METERS, inventories=inventories)
    assert_same(got, want)
    assert got[0].no_effect == want[0].no_effect
    kinds = Counter(a.kind for a in got[0].anomalies)
    assert kinds["duplicate"] == 1
    assert kinds["reconciled_open"] >= 1  # newco's VM at least
    assert kinds["reconciled_close"] >= 1
    assert [i.account for i in got[1]][-1] == "newco"
    assert len(got[1]) == 13


def test_plain_tuples_are_built_on_the_workers(client: Any) -> None:
    records = fleet(accounts=6, seed=7)
    tuples = [
        ("sample", r.account, r.resource, r.at_us, r.value)
        if isinstance(r, rk.Sample)
        else ("event", r.account, r.resource, r.at_us, r.kind, dict(r.attributes))
        for r in records
    ]
    got = rate_by_account(
        bag(tuples, 2), plan(), span=MARCH, meters=METERS, build=_from_tuple, partitions=4
    )
    assert_same(got, single(records, plan()))


def _from_tuple(row: tuple[Any, ...]) -> rk.Event | rk.Sample:
    at = rk.Span.from_us(row[3], row[3] + 1).start
    if row[0] == "sample":
        return rk.Sample(row[1], row[2], "egress", at, row[4])
    return rk.Event(row[1], row[2], at, row[5] or None, kind=row[4])


def test_a_dask_dataframe_of_plain_columns_is_read_row_by_row(client: Any) -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    records = fleet(accounts=5, seed=11)
    columns = [
        (
            "sample" if isinstance(r, rk.Sample) else r.kind,
            r.account,
            r.resource,
            r.at_us,
            r.value if isinstance(r, rk.Sample) else 0,
            "" if isinstance(r, rk.Sample) else r.attributes.get("flavor", ""),
        )
        for r in records
    ]
    frame = pd.DataFrame(
        columns, columns=["kind", "account", "resource", "at_us", "value", "flavor"]
    )
    got = rate_by_account(
        dd.from_pandas(frame, npartitions=2),
        plan(),
        span=MARCH,
        meters=METERS,
        build=_from_columns,
    )
    assert_same(got, single(records, plan()))


def _from_columns(row: tuple[Any, ...]) -> rk.Event | rk.Sample:
    kind, account, resource, at_us, value, flavor = row
    at = rk.Span.from_us(int(at_us), int(at_us) + 1).start
    if kind == "sample":
        return rk.Sample(account, resource, "egress", at, int(value))
    description = {"flavor": flavor, "memory_gib": FLAVORS[flavor]} if flavor else None
    return rk.Event(account, resource, at, description, kind=kind)


def test_bills_by_account_on_two_workers_equal_one_process(client: Any) -> None:
    # only the invoices, anomalies and no_effect come back: one process's, in its order
    records = fleet()
    rating, invoices = single(records, plan())
    for parts, shuffle in ((bag(records), True), (_by_part(records, 2), False)):
        got, anomalies, no_effect = bill_by_account(
            parts, plan(), span=MARCH, meters=METERS, shuffle=shuffle
        )
        assert got == invoices
        assert [i.total for i in got] == [i.total for i in invoices]
        assert Counter(map(repr, anomalies)) == Counter(map(repr, rating.anomalies))
        assert Counter(a.kind for a in anomalies) == {"orphan_stop": 12}
        assert no_effect == rating.no_effect
        assert {line.charges for invoice in got for line in invoice.lines} == {()}


def _by_part(records: list[Any], count: int) -> Any:
    """A bag of ``count`` partitions, each holding whole accounts (``partition_of``)."""
    import dask.bag

    by_part: list[list[Any]] = [[] for _ in range(count)]
    for record in records:
        by_part[partition_of(record.account, count)].append(record)
    return dask.bag.from_delayed([_delayed(part) for part in by_part])


def test_already_partitioned_input_is_rated_without_a_shuffle(client: Any) -> None:
    records = fleet(accounts=8, seed=3)
    by_part: list[list[Any]] = [[], []]
    for record in records:
        by_part[partition_of(record.account, 2)].append(record)
    import dask.bag

    parts = dask.bag.from_delayed([_delayed(part) for part in by_part])
    got = rate_by_account(parts, plan(), span=MARCH, meters=METERS, shuffle=False)
    assert_same(got, single(records, plan()))


def _delayed(part: list[Any]) -> Any:
    import dask

    return dask.delayed(part)


def test_quiet_accounts_and_assignments_are_charged_once(client: Any) -> None:
    # 12 accounts with records, 2 named only: each owes the 5 EUR support fee once.
    records = fleet(accounts=12, seed=5)
    quiet = ["quiet-a", "quiet-b"]
    want = single(records, plan(), accounts=quiet)
    got = rate_by_account(bag(records), plan(), span=MARCH, meters=METERS, accounts=quiet)
    assert_same(got, want)
    fees = [c for c in got[0].charges if c.kind == "fee"]
    assert len(fees) == 14  # 12 + 2 accounts, one cycle each
    # under assignments, each part keeps its own accounts' assignments: fees not repeated
    assigned = [rk.Assignment(name, plan()) for name in sorted({r.account for r in records})]
    assigned.append(rk.Assignment("quiet-c", plan()))
    want = single(records, assigned)
    got = rate_by_account(bag(records), assigned, span=MARCH, meters=METERS)
    assert_same(got, want)
    assert sum(1 for c in got[0].charges if c.kind == "fee") == 13


H = 3_600_000_000  # an hour in microseconds


def test_accounts_signed_up_at_other_instants_are_rated_as_in_one_process(client: Any) -> None:
    # Each account is assigned from its own instant (a day and an hour apart): each
    # part cuts its accounts' rows at their own sign-ups only, as one process does, so
    # the charges are the same ones, not only the same totals.
    records = fleet(accounts=12, seed=7)
    accounts = sorted({r.account for r in records})
    assigned = [
        rk.Assignment(
            name, plan(), start=rk.Span.from_us(MARCH.start_us + n * 25 * H, MARCH.end_us).start
        )
        for n, name in enumerate(accounts)
    ]
    want = single(records, assigned)
    got = rate_by_account(bag(records), assigned, span=MARCH, meters=METERS)
    assert_same(got, want)
    # no account's rows are cut at another's sign-up
    signups = {MARCH.start_us + n * 25 * H for n in range(1, len(accounts))}
    for n, name in enumerate(accounts):
        own = MARCH.start_us + n * 25 * H
        cut = {c.span.start_us for c in want[0].charges if c.account == name} & signups
        assert cut <= {own}


UTC_MONTHLY = rk.cycles.monthly(tz="UTC")
FEB_MAR = rk.Span("2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOURS = (rk.Meter("vm.hours", "hour", rk.OnOff()),)


def support_plan() -> rk.Plan:
    """0.05 EUR a VM-hour and a 10 EUR support fee a month (UTC)."""
    entries = [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))]
    return rk.Plan("p", "EUR", UTC_MONTHLY, entries, fees=[rk.Fee("support", 10)])


def vm_day(account: str, day: int, hours: int) -> list[rk.Event]:
    """One VM of ``account`` running ``hours`` from 08:00 UTC on March ``day``."""
    start, stop = f"2026-03-{day:02d}T08:00:00Z", f"2026-03-{day:02d}T{8 + hours:02d}:00:00Z"
    return [
        rk.Event(account, f"{account}/vm-1", start, kind="start", id=f"{account}-e1"),
        rk.Event(account, f"{account}/vm-1", stop, kind="stop", id=f"{account}-e2"),
    ]


def test_a_listed_account_with_records_owes_its_fees_before_its_first_record(
    client: Any,
) -> None:
    # acme: listed, records in March only; beta: listed, no record; gamma: not listed,
    # records in March only. One process covers a listed account over the whole span:
    #   acme  Feb 10.00; Mar 12 h x 0.05 = 0.60 + 10 = 10.60
    #   beta  Feb 10.00; Mar 10.00 (no usage, fee only)
    #   gamma Mar 4 h x 0.05 = 0.20 + 10 = 10.20 (covered from its first record's cycle)
    # Each part used to name only its quiet accounts: acme's February fee was lost.
    records = vm_day("acme", 2, 12) + vm_day("gamma", 10, 4)
    listed = ["acme", "beta"]
    rating = rk.rate(records, support_plan(), span=FEB_MAR, meters=HOURS, accounts=listed)
    want = (rating, rk.bill(rating))
    got = rate_by_account(
        bag(records, 2), support_plan(), span=FEB_MAR, meters=HOURS, accounts=listed
    )
    assert_same(got, want)
    totals = [(i.account, i.cycle.start.month, i.total) for i in got[1]]
    assert totals == [
        ("acme", 2, Decimal("10.00")),
        ("acme", 3, Decimal("10.60")),
        ("beta", 2, Decimal("10.00")),
        ("beta", 3, Decimal("10.00")),
        ("gamma", 3, Decimal("10.20")),
    ]
    # the same with each account in its own partition, unshuffled
    import dask.bag

    parts = dask.bag.from_delayed(
        [_delayed(vm_day("acme", 2, 12)), _delayed(vm_day("gamma", 10, 4))]
    )
    got = rate_by_account(
        parts, support_plan(), span=FEB_MAR, meters=HOURS, accounts=listed, shuffle=False
    )
    assert_same(got, want)


def test_a_listed_account_without_assignment_is_refused_as_in_one_process(client: Any) -> None:
    # Under assignments every listed account must be assigned: the part that rates the
    # unassigned "zed" names it in accounts=, as one process does, and refuses it.
    records = vm_day("acme", 2, 12)
    assigned = [rk.Assignment("acme", support_plan())]
    with pytest.raises(rk.UnpricedUsageError, match=r"\['zed'\] have no assignment"):
        rk.rate(records, assigned, span=FEB_MAR, meters=HOURS, accounts=["acme", "zed"])
    with pytest.raises(rk.UnpricedUsageError, match=r"\['zed'\] have no assignment"):
        rate_by_account(
            bag(records, 2), assigned, span=FEB_MAR, meters=HOURS, accounts=["acme", "zed"]
        )
    # listed and assigned: the same as one process (acme's Feb fee, its Mar 10.60)
    rating = rk.rate(records, assigned, span=FEB_MAR, meters=HOURS, accounts=["acme"])
    got = rate_by_account(bag(records, 2), assigned, span=FEB_MAR, meters=HOURS, accounts=["acme"])
    assert_same(got, (rating, rk.bill(rating)))
    assert [i.total for i in got[1]] == [Decimal("10.00"), Decimal("10.60")]


def test_listed_accounts_are_checked_as_rate_checks_them() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"iterable of account names .* str: 'acme'"):
        rate_by_account(bag([]), support_plan(), span=FEB_MAR, meters=HOURS, accounts="acme")
    with pytest.raises(rk.RatekitTypeError, match=r"non-empty strings .* not int: 7"):
        rate_by_account(bag([]), support_plan(), span=FEB_MAR, meters=HOURS, accounts=["a", 7])  # type: ignore[list-item]


def test_one_account_in_two_partitions_unshuffled_is_refused_not_billed_twice(
    client: Any,
) -> None:
    # acme's day in one partition and its other day in the other: each part would bill
    # acme's 10 EUR March fee, so the merge refuses, naming acme (beta, whole, is not named).
    import dask.bag

    first = vm_day("acme", 2, 12) + vm_day("beta", 3, 1)
    second = [
        rk.Event("acme", "acme/vm-2", "2026-03-05T08:00:00Z", kind="start", id="acme-e3"),
        rk.Event("acme", "acme/vm-2", "2026-03-05T09:00:00Z", kind="stop", id="acme-e4"),
    ]
    parts = dask.bag.from_delayed([_delayed(first), _delayed(second)])
    with pytest.raises(rk.SplitAccountError) as error:
        rate_by_account(parts, support_plan(), span=FEB_MAR, meters=HOURS, shuffle=False)
    assert str(error.value) == (
        "rate_by_account got the records of 1 account(s) in more than one part: ['acme']; "
        "each part would bill them apart (fees twice, tiers restarted). With shuffle=False "
        "every partition of the bag must hold whole accounts: use shuffle=True (the "
        "default), or cut the input by account (ratekit.scaleout.partition_of) before "
        "making the bag."
    )
    # shuffled, the same bag is rated as one process rates it: one fee each
    # acme: 12 h + 1 h = 13 h x 0.05 = 0.65 + 10 = 10.65; beta: 0.05 + 10 = 10.05
    records = first + second
    rating = rk.rate(records, support_plan(), span=FEB_MAR, meters=HOURS)
    got = rate_by_account(parts, support_plan(), span=FEB_MAR, meters=HOURS)
    assert_same(got, (rating, rk.bill(rating)))
    assert [i.total for i in got[1]] == [Decimal("10.65"), Decimal("10.05")]


INVENTORY = rk.Inventory("2026-03-15T00:00:00Z", {("acme", "acme/vm-1"): {}}, id="inv-15")
A_ROW = ("acme", "acme/vm-9", "2026-03-02T08:00:00Z", "start")


def _kept_or_none(element: Any) -> Any:
    """A build that keeps records and returns None for anything else (a forgotten return)."""
    return element if isinstance(element, rk.Event) else None


@pytest.mark.parametrize("shuffle", [True, False], ids=["in the shuffle", "in a part"])
def test_an_element_that_is_not_a_record_is_refused_naming_it(client: Any, shuffle: bool) -> None:
    # Met by the shuffle's key (shuffle=True) or by the rating of a part (False), on a
    # worker: the error comes back as itself, a RatekitTypeError (no bare AttributeError).
    good = vm_day("acme", 2, 12) + vm_day("beta", 3, 1)

    def refused(records: list[Any], **options: Any) -> str:
        with pytest.raises(rk.RatekitTypeError) as error:
            rate_by_account(
                bag(records, 2),
                support_plan(),
                span=FEB_MAR,
                meters=HOURS,
                shuffle=shuffle,
                **options,
            )
        assert type(error.value) is rk.RatekitTypeError
        return str(error.value)

    assert refused([*good, A_ROW]) == (
        "rate_by_account records must be Event or Sample values, not tuple: "
        "('acme', 'acme/vm-9', '2026-03-02T08:00:00Z', 'start'); give build=, a function "
        "from each element of the bag to an Event or a Sample."
    )
    assert refused([*good, A_ROW], build=_kept_or_none) == (
        "rate_by_account build returned NoneType: None for the element "
        "('acme', 'acme/vm-9', '2026-03-02T08:00:00Z', 'start'); build must return an "
        "Event or a Sample for every element."
    )
    assert refused([*good, INVENTORY]) == (
        f"rate_by_account got an Inventory in the bag ({show(INVENTORY)}): an inventory "
        "speaks for many accounts, so it cannot travel with one account's records; give "
        "the inventories beside the bag, rate_by_account(bag, ..., inventories=[...]), and "
        "each part gets the copy exact for its accounts."
    )
    assert "Inventory('2026-03-15T00:00:00Z'" in show(INVENTORY)


def test_a_record_a_part_refuses_is_named_with_the_part_its_index_counts_in() -> None:
    # In two parts, acme's and beta's, beta's bad sample is records[2] of beta's part:
    # the message says so (in one process, records[4] of the whole list). The order a
    # part gets its records in is the shuffle's: pinned to Dask's task shuffle (its
    # default with a distributed client; without one it is the disk shuffle, which
    # hands beta's part the bad sample second).
    import dask

    bad = rk.Sample("beta", "beta/vm-1", "gpu", "2026-03-03T01:00:00Z", 1, id="bad")
    records = [*vm_day("acme", 2, 1), *vm_day("beta", 3, 1), bad]
    with pytest.raises(rk.UnknownMeterError) as single:
        rk.rate(records, support_plan(), span=FEB_MAR, meters=HOURS)
    assert str(single.value).startswith("records[4]: sample 'bad' meter 'gpu'")
    with (
        dask.config.set({"scheduler": "synchronous", "dataframe.shuffle.method": "tasks"}),
        pytest.raises(rk.UnknownMeterError) as error,
    ):
        rate_by_account(bag(records, 2), support_plan(), span=FEB_MAR, meters=HOURS)
    assert str(error.value) == (
        "rate_by_account: the part rating account 'beta' (an index records[i] counts that "
        "part's own records, in the order it got them): records[2]: sample 'bad' meter "
        "'gpu' is not one of the meters given: 'vm.hours'; declare a Meter with that name."
    )


def test_a_long_element_is_shown_bounded_and_build_must_be_a_function() -> None:
    import dask

    long_row = ("acme", "x" * 10_000, list(range(10_000)))
    with dask.config.set(scheduler="synchronous"), pytest.raises(rk.RatekitTypeError) as error:
        rate_by_account(bag([long_row], 1), support_plan(), span=FEB_MAR, meters=HOURS)
    assert len(str(error.value)) < 300  # the element shown cut to 80 characters
    assert f"not tuple: {show(long_row)};" in str(error.value)
    with pytest.raises(rk.RatekitTypeError, match=r"build must be a function .* not str: 'x'"):
        rate_by_account(bag([]), support_plan(), span=FEB_MAR, meters=HOURS, build="x")  # type: ignore[arg-type]


@pytest.mark.parametrize("shuffle", [True, False])
def test_one_id_in_two_accounts_of_two_parts_conflicts_as_in_one_process(
    client: Any, shuffle: bool
) -> None:
    # acme and wayne sit in different parts (partition_of: 0 and 1 of 2), and wayne's
    # start reuses acme's id "acme-e1": one process refuses the pair, so the merge does.
    import dask.bag

    assert (partition_of("acme", 2), partition_of("wayne", 2)) == (0, 1)
    acme, wayne = vm_day("acme", 2, 12), vm_day("wayne", 4, 2)
    wayne[0] = rk.Event("wayne", "wayne/vm-1", "2026-03-04T08:00:00Z", kind="start", id="acme-e1")
    with pytest.raises(rk.ConflictingRecordError, match="share the id 'acme-e1'"):
        rk.rate(acme + wayne, support_plan(), span=FEB_MAR, meters=HOURS)
    parts = dask.bag.from_delayed([_delayed(acme), _delayed(wayne)])
    with pytest.raises(rk.ConflictingRecordError) as error:
        rate_by_account(parts, support_plan(), span=FEB_MAR, meters=HOURS, shuffle=shuffle)
    owners = re.fullmatch(
        r"two records share the id 'acme-e1' but differ: one of account '(\w+)' and one of "
        r"account '(\w+)' \(rated in different parts\); replaying a record must repeat it "
        r"exactly, so give a corrected record a new id\.",
        str(error.value),
    )
    assert owners is not None
    assert set(owners.groups()) == {"acme", "wayne"}
    # with its own id, wayne is rated: 2 h x 0.05 = 0.10 + 10 = 10.10
    wayne[0] = rk.Event("wayne", "wayne/vm-1", "2026-03-04T08:00:00Z", kind="start", id="w-e1")
    parts = dask.bag.from_delayed([_delayed(acme), _delayed(wayne)])
    got = rate_by_account(parts, support_plan(), span=FEB_MAR, meters=HOURS, shuffle=shuffle)
    assert [i.total for i in got[1]] == [Decimal("10.60"), Decimal("10.10")]


def test_shares_across_parts_are_rated_in_each_part_and_billed_once(client: Any) -> None:
    # acct-00 (part 1) shares its vm-0 with acct-02 (part 2) and acct-06 (part 0); each
    # account commits to 200 EUR a month, so acct-00's minimum counts only its own third
    # of vm-0 (its usage comes to about 107 EUR, vm-0 to about 34, so the minimum of 200
    # is due): the same charges and invoices as rating and billing in one process.
    records = fleet(seed=21)
    base = plan()
    committed = rk.Plan(
        "fleet", "EUR", ZURICH, base.entries, fees=base.fees, minimums=[rk.Minimum(200)]
    )
    shares = [rk.Share("acct-00", "acct-00/vm-0", {"acct-00": 1, "acct-02": 1, "acct-06": 1})]
    rating = rk.rate(records, committed, span=MARCH, meters=METERS, shares=shares)
    want = (rating, rk.bill(rating))
    got = rate_by_account(bag(records), committed, span=MARCH, meters=METERS, shares=shares)
    assert_same(got, want)
    assert got[0].shares == tuple(shares)
    holders = {i.account for i in got[1] if any(line.kind == "shared" for line in i.lines)}
    assert holders == {"acct-00", "acct-02", "acct-06"}
    # the owner's minimum differs from one rated without the share: the share counted
    unshared = rk.rate(records, committed, span=MARCH, meters=METERS)
    minimum = [c.amount for c in unshared.charges if c.kind == "minimum" and c.account == "acct-00"]
    assert minimum != [
        c.amount for c in got[0].charges if c.kind == "minimum" and c.account == "acct-00"
    ]


def test_an_error_in_a_part_comes_back_as_itself(client: Any) -> None:
    records = fleet(accounts=4, seed=9)
    assigned = [rk.Assignment("acct-00", plan())]  # acct-01.. have no plan
    with pytest.raises(rk.UnpricedUsageError) as single_error:
        single(records, assigned)
    with pytest.raises(rk.UnpricedUsageError, match=r"acct-0[123]"):
        rate_by_account(bag(records), assigned, span=MARCH, meters=METERS)
    assert "acct-0" in str(single_error.value)


def test_under_a_client_each_part_is_decoded_as_soon_as_it_is_done(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = fleet(accounts=6, seed=17)
    computed: list[int] = []
    compute = client.compute

    def spy(*args: Any, **kwargs: Any) -> Any:
        futures = compute(*args, **kwargs)
        computed.append(len(futures))
        return futures

    monkeypatch.setattr(client, "compute", spy)
    got = rate_by_account(bag(records, 3), plan(), span=MARCH, meters=METERS)
    assert_same(got, single(records, plan()))
    assert computed == [3]  # one future per part, each decoded as it comes


def test_another_scheduler_chosen_is_the_one_used(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dask

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the cluster was used while another scheduler was chosen")

    monkeypatch.setattr(client, "compute", refuse)
    records = fleet(accounts=5, seed=19)
    with dask.config.set(scheduler="synchronous"):
        got = rate_by_account(bag(records), plan(), span=MARCH, meters=METERS)
    assert_same(got, single(records, plan()))


def test_a_list_or_a_frame_without_build_is_refused_with_the_way_out() -> None:
    # the function named, the kind of argument error, and the way out for a list or a batch
    for records, shown in (
        ([], "list: []"),
        (rk.RecordBatch(), "RecordBatch: RecordBatch(0 events, 0 samples)"),
    ):
        with pytest.raises(rk.RatekitTypeError) as raised:
            rate_by_account(records, plan(), span=MARCH, meters=METERS)
        assert str(raised.value) == (
            "rate_by_account records must be a dask.bag.Bag or a dask.dataframe.DataFrame, not "
            f"{shown}; for records in a list or a RecordBatch, call ratekit.rate (or "
            "ratekit.bill), or make a bag of them (dask.bag.from_sequence(records))."
        )
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(pd.DataFrame({"account": ["a"]}), npartitions=1)
    with pytest.raises(rk.RatekitTypeError) as raised:
        rate_by_account(frame, plan(), span=MARCH, meters=METERS)
    assert str(raised.value) == (
        "rate_by_account: a dask DataFrame of records needs build=, a function from a row (a "
        "tuple of the frame's columns) to an Event or a Sample."
    )
    with pytest.raises(rk.RatekitTypeError) as raised:
        partition_of("acme", 0)
    assert str(raised.value) == (
        "partition_of partitions must be an int from 1 to 4,096 (ratekit.scaleout."
        "MAX_PARTITIONS: more parts than the workers' cores gain nothing), not 0."
    )


def test_partition_of_is_stable_and_in_range() -> None:
    # CRC-32 of b"acme" is 0x05C4BA3E (96778814): 96778814 % 4 = 2, % 4096 = 2622
    assert partition_of("acme", 4) == 2
    assert all(0 <= partition_of(f"a{n}", 7) < 7 for n in range(200))
    assert partition_of("acme", MAX_PARTITIONS) == 2622
    assert partition_of("z", 1) == 0


@pytest.mark.parametrize(
    ("account", "shown"),
    [
        (5, "int: 5"),
        (None, "NoneType: None"),
        (b"acme", "bytes: b'acme'"),
        ("", "str: ''"),
    ],
)
def test_partition_of_refuses_what_is_not_an_account_name(account: Any, shown: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        partition_of(account, 2)
    assert str(raised.value) == (
        f"partition_of account must be an account name (a non-empty string), not {shown}."
    )


def test_partition_of_refuses_text_utf_8_cannot_encode() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        partition_of("\ud800", 2)
    assert str(raised.value) == (
        "partition_of account '\\ud800' is not valid Unicode text: it holds a surrogate "
        "code point ('\\ud800' at index 0), which is no character and which UTF-8 cannot "
        "encode, so no UTF-8 JSON, CSV or database text could hold it; give text decoded "
        "strictly from its bytes (or with errors='replace')."
    )


@pytest.mark.parametrize(
    ("partitions", "why"),
    [
        (True, ", not bool: True."),
        (2.0, ", not float: 2.0."),
        ("3", ", not str: '3'."),
        (None, ", not NoneType: None."),
        (-1, OVER + "-1."),
        (MAX_PARTITIONS + 1, OVER + "4097."),
        (10**6, OVER + "1000000."),
    ],
)
def test_partition_counts_are_ints_from_1_to_the_maximum(partitions: Any, why: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        partition_of("acme", partitions)
    assert str(raised.value) == "partition_of partitions must be an int from 1 to 4,096" + why


# -- values that travel: every public value pickles and comes back equal -------------------


def travellers() -> list[Any]:
    records = fleet(accounts=2, seed=1)
    meters = [
        *METERS,
        rk.Meter("peak", "GB", rk.Max()),
        rk.Meter("calls", "call", rk.Counter()),
        rk.Meter("running", "hour", rk.OnOff(when={"state": "running"})),
    ]
    nights = rk.PriceEntry(
        "nights",
        "vm.hours",
        rk.PerUnit("0.01"),
        window=rk.windows.daily("22:00", "06:00", tz="Europe/Zurich"),
        priority=2,
    )
    weekly = rk.Plan(
        "weekly",
        "CHF",
        rk.cycles.weekly(tz="Europe/Zurich", weekday="monday"),
        [nights, rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))],
        allowances=[rk.Allowance("vm.hours", 10)],
    )
    rating = rk.rate(records, plan(), span=MARCH, meters=METERS)
    invoices = rk.bill(rating)
    return [
        *records[:4],
        *meters,
        plan(),
        weekly,
        nights,
        rk.Assignment("acme", weekly, start="2026-03-01T00:00:00Z"),
        MARCH,
        rk.SpanSet([MARCH, rk.Span("2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z")]),
        rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.05", block=5)]),
        rk.Volume([rk.Tier(10, "1"), rk.Tier(None, "0.5")]),
        rk.Package(10, "2.50"),
        rk.Flat(3),
        rating,
        rating.rows[0],
        rating.charges[0],
        rating.anomalies[0],  # an orphan stop
        invoices[0],
        invoices[0].lines[0],
        rk.meter(records, METERS, span=MARCH, cycle=ZURICH, as_of=MARCH.end),
    ]


def test_every_public_value_pickles_and_comes_back_equal() -> None:
    for value in travellers():
        copy = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert copy == value, type(value).__name__
        assert repr(copy) == repr(value)
        assert type(copy) is type(value)


def test_records_travel_cheaply() -> None:
    # An event with a two-attribute description and a sample each pickle small: no
    # caches, no cycle tables, no timezone databases travel with them.
    event = rk.Event(
        "acct-0001", "vm-00001", "2026-03-02T08:00:00Z", {"flavor": "m1.large", "memory_gib": 8}
    )
    sample = rk.Sample("acct-0001", "vm-00001", "egress", "2026-03-02T08:00:00Z", 123456789)
    assert len(pickle.dumps(event, protocol=pickle.HIGHEST_PROTOCOL)) < 400
    assert len(pickle.dumps(sample, protocol=pickle.HIGHEST_PROTOCOL)) < 400
    assert len(pickle.dumps(plan(), protocol=pickle.HIGHEST_PROTOCOL)) < 8000
    # and the plan still prices after the trip: 10 GB free, 90 at 0.09 (8.10), 20 at 0.05 (1)
    copy = pickle.loads(pickle.dumps(plan()))
    assert copy.entries[-1].price.amount(120) == Decimal("9.10")


@pytest.mark.parametrize("function", [rate_by_account, bill_by_account])
@pytest.mark.parametrize(
    ("plans", "said"),
    [
        (None, "a Plan or an iterable of Assignment values, not NoneType: None."),
        ("p", "a Plan or an iterable of Assignment values, not str: 'p'."),
        (
            [5],
            (
                "one Plan, or an iterable of Assignment values (rk.Assignment(account, plan)); "
                "plans[0] is int: 5."
            ),
        ),
    ],
)
def test_bad_plans_are_refused_at_the_door_as_rate_refuses_them(
    function: Any, plans: object, said: str
) -> None:
    # As rk.rate refuses them (same checker), naming the scale-out function.
    records = bag(fleet(accounts=2), partitions=1)
    with pytest.raises(rk.RatekitTypeError) as error:
        function(records, plans, span=MARCH, meters=METERS)
    assert str(error.value) == f"{function.__name__} plans must be {said}"
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.rate([], plans, span=MARCH, meters=METERS)  # type: ignore[arg-type]
    assert str(error.value) == f"rate plans must be {said}"


def test_without_dask_a_list_of_records_is_told_to_install_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without dask, a list of records was told to build a dask.bag, never that dask is
    # missing: the extra is named first, as the other extras are.
    import sys

    for module in [name for name in sys.modules if name == "dask" or name.startswith("dask.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "dask", None)  # an import of it fails
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
    with pytest.raises(rk.MissingExtraError) as caught:
        rate_by_account([], plan, span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"))
    assert str(caught.value) == (
        "rate_by_account needs dask.bag, which ratekit does not install by itself; install "
        "it with `pip install 'ratekit[dask]'`."
    )


def test_equal_plans_built_anew_rate_by_account_as_one_process() -> None:
    # acme and beta each on a plan "a" built anew (equal, not the same object), 30 free
    # hours a week, both VMs running from Monday 23 March; rated from Wednesday, the 48 h
    # before the span take the week's 30 free hours: 24 a day charged. Each part rated
    # its accounts' plan object against the plans of one process, which hold one "a":
    # the part raised KeyError on the allowance pools it carried from before the span.
    import dask

    def plan() -> rk.Plan:
        return rk.Plan(
            "a",
            "EUR",
            rk.cycles.daily(tz="UTC"),
            [rk.PriceEntry("vm", "vm", rk.PerUnit(1))],
            allowances=[rk.Allowance("vm", 30, cycle=rk.cycles.weekly(tz="UTC"))],
        )

    vm = rk.Meter("vm", "hour", rk.OnOff())
    held = [rk.Assignment("acme", plan()), rk.Assignment("beta", plan())]
    records = [
        rk.Event(account, f"{account}/v", "2026-03-23T00:00:00Z", kind="start", id=account)
        for account in ("acme", "beta")
    ]
    days = rk.Span("2026-03-25T00:00:00Z", "2026-03-27T00:00:00Z")
    with dask.config.set(scheduler="synchronous"):
        rating, _ = rate_by_account(bag(records, 2), held, span=days, meters=[vm], partitions=2)
    assert rating.charges == rk.rate(records, held, span=days, meters=[vm]).charges
    assert [charge.amount for charge in rating.charges] == [24, 24, 24, 24]
