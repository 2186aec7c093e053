"""The fleet's month on a two-worker `distributed.LocalCluster` (worker processes).

As `docs/performance.md` shows it: a `dask.bag` of records (shuffled by account, or cut
by account beforehand), a `dask.dataframe` read row by row through `build`, and the
errors of the workers coming back as themselves. Every result is one process's
(`assert_same` of `test_scaleout_newcomer.py`).
"""

from __future__ import annotations

import collections
import math
import threading
from decimal import Decimal

import pytest

import ratekit as rk

dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from ratekit.scaleout import bill_by_account, partition_of, rate_by_account  # noqa: E402
from test_scaleout_newcomer import (  # noqa: E402
    ACCOUNTS,
    MARCH,
    METERS,
    PLAN,
    PRO,
    START_US,
    assert_same,
    assert_same_bills,
    at,
    fleet,
    lines_of,
    oracle,
)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as opened,
    ):
        yield opened


def test_a_bag_shuffled_by_account_on_the_cluster(client):
    records = fleet(21)
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    assert lines_of(rk.bill(one)) == oracle(records)
    bag = db.from_sequence(records[::-1], npartitions=7)
    assert_same(rate_by_account(bag, PLAN, span=MARCH, meters=METERS), one)
    assert_same_bills(bill_by_account(bag, PLAN, span=MARCH, meters=METERS), one)


def test_a_bag_cut_by_account_beforehand_and_inventories_and_assignments(client):
    records = fleet(22)
    parts: dict[int, list[rk.Event | rk.Sample]] = collections.defaultdict(list)
    for record in records:
        parts[partition_of(record.account, 3)].append(record)
    bag = db.from_delayed([dask.delayed(list)(parts[n]) for n in range(3)])
    listing = rk.Inventory("2026-03-12T00:00:00Z", [("globex", "vm-1", {"flavor": "large"}),
                                                   ("listed-only", "vm-0", {"flavor": "small"})], id="inv-12")  # fmt: skip
    assignments = [*(rk.Assignment(a, PLAN) for a in ACCOUNTS if a != "acme"),
                   rk.Assignment("acme", PRO), rk.Assignment("listed-only", PLAN)]  # fmt: skip
    one = rk.rate([*records, listing], assignments, span=MARCH, meters=METERS)
    assert {"listed-only", "acme"} <= {charge.account for charge in one.charges}
    got = rate_by_account(
        bag, assignments, span=MARCH, meters=METERS, shuffle=False, inventories=[listing]
    )
    assert_same(got, one)
    bills = bill_by_account(
        bag, assignments, span=MARCH, meters=METERS, shuffle=False, inventories=[listing]
    )
    assert_same_bills(bills, one)


def missing(value: object) -> bool:
    """NaN, pd.NA or None: a frame's missing value."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def build_row(row: tuple) -> rk.Event | rk.Sample:
    """A row (kind, account, resource, at_us, flavor, gb, id) as a record; flat attributes."""
    kind, account, resource, at_us, flavor, gb, rid = row
    when = at((at_us - START_US) // 3_600_000_000)
    if kind == "sample":
        return rk.Sample(account, resource, "egress", when, gb, id=rid)
    return rk.Event(
        account, resource, when, None if missing(flavor) else {"flavor": flavor}, kind=kind, id=rid
    )


def frame_of(records: list[rk.Event | rk.Sample]) -> pd.DataFrame:
    rows = []
    for r in records:
        if isinstance(r, rk.Sample):
            rows.append(("sample", r.account, r.resource, r.at_us, None, float(r.value), r.id))
        else:
            flavor = r.attributes.get("flavor") if r.attributes else None
            rows.append((r.kind, r.account, r.resource, r.at_us, flavor, math.nan, r.id))
    return pd.DataFrame(
        rows, columns=["kind", "account", "resource", "at_us", "flavor", "gb", "id"]
    )


@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_a_dataframe_read_row_by_row_through_build(client):
    # The samples' tenths of a GB go through a float column: 12.3 is read as its
    # shortest repr, so the records built from the frame are the fleet's own.
    records = fleet(23, ACCOUNTS[:8])
    pandas_frame = frame_of(records)
    assert [build_row(row) for row in pandas_frame.itertuples(index=False)] == records
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    frame = dd.from_pandas(pandas_frame, npartitions=3)  # Dask's default string conversion
    assert_same(rate_by_account(frame, PLAN, span=MARCH, meters=METERS, build=build_row), one)
    # A frame cut by account with the task shuffle, as the page says, goes without ours.
    by_account = frame.shuffle("account", shuffle_method="tasks")
    got = rate_by_account(
        by_account, PLAN, span=MARCH, meters=METERS, build=build_row, shuffle=False
    )
    assert_same(got, one)
    assert_same_bills(bill_by_account(frame, PLAN, span=MARCH, meters=METERS, build=build_row), one)


def raise_key_error(row):
    raise KeyError("flavor")


def test_errors_of_the_workers_come_back_as_themselves(client):
    records = fleet(24, ("acme", "globex", "wayne"))
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^rate_by_account build raised KeyError: 'flavor' for the element",
    ) as raised:
        rate_by_account(db.from_sequence([("acme", 1)], npartitions=1), PLAN, span=MARCH, meters=METERS,
                        build=raise_key_error)  # fmt: skip
    assert isinstance(raised.value.__cause__, KeyError)
    with_nan = frame_of(records)
    with_nan.loc[with_nan["kind"] == "sample", "gb"] = math.nan
    first_sample = with_nan.loc[with_nan["kind"] == "sample", "id"].tolist()
    with pytest.raises(
        rk.BadQuantityError, match=r"^sample '(.*)' value must be a finite number, not nan\."
    ) as raised:
        bill_by_account(
            dd.from_pandas(with_nan, npartitions=2),
            PLAN,
            span=MARCH,
            meters=METERS,
            build=build_row,
        )
    assert str(raised.value).split("'")[1] in first_sample
    unknown = [*records, rk.Sample("wayne", "vm-1", "cpu", at(5), 1, id="cpu-5")]
    with pytest.raises(rk.UnknownMeterError, match=r"^rate_by_account: the part rating accounts? .*'wayne'.*sample "
                                                   r"'cpu-5' meter 'cpu' is not one of the meters given"):  # fmt: skip
        rate_by_account(db.from_sequence(unknown, npartitions=2), PLAN, span=MARCH, meters=METERS)
    with pytest.raises(rk.SplitAccountError, match=r"^bill_by_account got the records of 3 account\(s\) in more "
                                                   r"than one part: \['acme', 'globex', 'wayne'\]"):  # fmt: skip
        bill_by_account(db.from_sequence(records[::2] + records[1::2], npartitions=2), PLAN, span=MARCH,
                        meters=METERS, shuffle=False)  # fmt: skip


def test_what_does_not_pickle_is_named_before_any_part_runs(client):
    lock = threading.Lock()

    def holding_a_lock(row):
        return lock and build_row(row)

    with pytest.raises(rk.RatekitTypeError, match=r"^rate_by_account build .* does not pickle \(TypeError: cannot "
                                                  r"pickle '_thread.lock' object\); the parts run in other processes"):  # fmt: skip
        rate_by_account(db.from_sequence([("start", "acme", "vm", START_US, "small", None, "e1")]), PLAN,
                        span=MARCH, meters=METERS, build=holding_a_lock)  # fmt: skip


class Unpicklable(str):
    def __reduce__(self):
        raise TypeError("Unpicklable refuses to pickle")


def test_a_record_given_unpicklable_names_travels_as_plain_text(client):
    # 10 h small x 0.020 = 0.20; with the fee 10.20.
    records = [rk.Event(Unpicklable("acme"), "vm-1", at(3), {"flavor": Unpicklable("small")}, kind="start",
                        id=Unpicklable("e1")),
               rk.Event("acme", "vm-1", at(13), kind="stop", id="e2")]  # fmt: skip
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    assert [invoice.total for invoice in rk.bill(one)] == [Decimal("10.20")]
    assert_same(
        rate_by_account(db.from_sequence(records, npartitions=2), PLAN, span=MARCH, meters=METERS),
        one,
    )


def test_a_plan_with_a_lambda_travels_by_cloudpickle(client):
    # "(by cloudpickle, so a lambda travels)": a Satisfies selector holding a lambda.
    small = rk.Satisfies(lambda flavor: flavor == "small", "is small")
    plan = rk.Plan("lambda", "EUR", PLAN.cycle, [
        rk.PriceEntry("small", "vm.hours", rk.PerUnit("0.020"), where={"flavor": small}),
        rk.PriceEntry("large", "vm.hours", rk.PerUnit("0.080"), where={"flavor": "large"}),
        rk.PriceEntry("egress", "egress", rk.Volume([rk.Tier(100, "0.10"), rk.Tier(None, "0.05")])),
    ])  # fmt: skip
    records = fleet(25, ACCOUNTS[:6])
    one = rk.rate(records, plan, span=MARCH, meters=METERS)
    bag = db.from_sequence(records, npartitions=3)
    assert_same(rate_by_account(bag, plan, span=MARCH, meters=METERS), one)
    assert_same_bills(bill_by_account(bag, plan, span=MARCH, meters=METERS), one)
