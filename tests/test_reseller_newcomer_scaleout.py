"""An object-storage provider scales its quarter out by account, as the performance page says.

``ratekit.scaleout.rate_by_account`` on a Dask bag must give exactly the single-process
rating and invoices: accounts of very different sizes, an assigned account with no usage,
a bucket transferred between accounts mid-month, a reseller billing in another timezone,
a DataFrame read row by row. Most run on Dask's synchronous scheduler (the same graph, in
this process); one runs on the two-worker cluster of ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from tests._reseller_lake import (
    METERS,
    Q1,
    at,
    direct_plan,
    discounted_plan,
    hourly_gauges,
    list_entries,
    partner_plan,
)

import ratekit as rk

dask = pytest.importorskip("dask")
dask_bag = pytest.importorskip("dask.bag")
scaleout = pytest.importorskip("ratekit.scaleout")


@pytest.fixture
def synchronous() -> Iterator[None]:
    with dask.config.set(scheduler="synchronous"):
        yield


def _lake() -> tuple[list[rk.Sample], list[rk.Assignment]]:
    """A big direct account, a small partner one, an idle reseller one, a transferred bucket."""
    records: list[rk.Sample] = []
    records += hourly_gauges("big", "bk1", Q1.start, [1000 + hour % 7 for hour in range(2160)])
    records += [
        rk.Sample("big", "bk1", "put", at(hour), 1234, id=f"p{hour}") for hour in range(0, 2160, 5)
    ]
    records += [
        rk.Sample("big", "bk1", "egress", at(hour), "12.5", id=f"e{hour}")
        for hour in range(0, 2160, 11)
    ]
    records.append(rk.Sample("small", "s", "get", at(30), 7, id="s1"))
    # bucket mv: shop-1's until hour 1000 (11 Feb 16:00), then shop-2's, told by a 0 under shop-1.
    records += [
        rk.Sample(
            "shop-1" if hour < 1000 else "shop-2",
            "mv",
            "stored",
            at(hour),
            50,
            kind="gauge",
            id=f"m{hour}",
        )
        for hour in range(2160)
    ]
    records.append(rk.Sample("shop-1", "mv", "stored", at(1000), 0, kind="gauge", id="mv-gone"))
    reseller = discounted_plan(Decimal(20))
    assignments = [
        rk.Assignment("big", direct_plan()),
        rk.Assignment("small", partner_plan()),
        rk.Assignment("idle", reseller),
        rk.Assignment("shop-1", reseller),
        rk.Assignment("shop-2", reseller, end="2026-02-10T00:00:00Z"),
        rk.Assignment("shop-2", reseller, start="2026-02-17T00:00:00Z"),
    ]
    return records, assignments


def _assert_same(got: tuple[rk.Rating, tuple[rk.Invoice, ...]], once: rk.Rating) -> None:
    rating, invoices = got
    assert rating.charges == once.charges
    assert invoices == rk.bill(once)
    assert sorted(map(str, rating.anomalies)) == sorted(map(str, once.anomalies))
    assert rating.no_effect == once.no_effect


@pytest.mark.usefixtures("synchronous")
def test_a_shuffled_bag_rates_as_one_process() -> None:
    records, assignments = _lake()
    once = rk.rate(records, assignments, span=Q1, meters=METERS)
    bag = dask_bag.from_sequence(records[::-1], npartitions=5)
    _assert_same(scaleout.rate_by_account(bag, assignments, span=Q1, meters=METERS), once)
    # The idle reseller account owes its fee each month: 5 x 0.8 = 4.00.
    assert [i.total for i in rk.bill(once) if i.account == "idle"] == [Decimal("4.00")] * 3


@pytest.mark.usefixtures("synchronous")
def test_the_transferred_bucket_is_billed_to_each_account_for_its_time() -> None:
    records, assignments = _lake()
    once = rk.rate(records, assignments, span=Q1, meters=METERS)
    stored: dict[tuple[str, int], list[Fraction]] = {}
    for c in once.charges:
        if c.meter == "stored" and c.resource == "mv":
            stored.setdefault((c.account, c.cycle.start.month), []).append(Fraction(c.quantity))
    # January: shop-1's 50 GB all month. March: shop-2's, and shop-1's 0 held on (a mean of 0).
    assert stored[("shop-1", 1)] == [50]
    assert stored[("shop-2", 3)] == [50]
    assert stored[("shop-1", 3)] == [0]
    # February: shop-1 holds 50 GB for 256 of 672 h (to hour 1000): 50 x 256/672 GB-month.
    [shop1] = stored[("shop-1", 2)]
    assert abs(shop1 - Fraction(50 * 256, 672)) < Fraction(1, 10**50)
    # shop-2 holds it from hour 1000 (11 Feb 16:00), inside its gap (10 to 17 Feb): a mean
    # of 50 x 416/672 over the month, which its parts of the month hold where the GB were
    # held (the usage page: a mean over the period): none before the gap (no level known
    # there: no row), 50 x 288/672 after it (12 days), within 1E-24 (metering's quantum:
    # "Exact quantities that add up"); the gap's 50 x 128/672 has no plan.
    [after] = stored[("shop-2", 2)]
    assert abs(after - Fraction(50 * 288, 672)) < Fraction(1, 10**24)


@pytest.mark.usefixtures("synchronous")
def test_a_bag_cut_by_account_beforehand_needs_no_shuffle() -> None:
    records, assignments = _lake()
    once = rk.rate(records, assignments, span=Q1, meters=METERS)
    by_account: dict[str, list[rk.Sample]] = {}
    for record in records:
        by_account.setdefault(record.account, []).append(record)
    bag = dask_bag.from_delayed([dask.delayed(part) for part in by_account.values()])
    _assert_same(
        scaleout.rate_by_account(bag, assignments, span=Q1, meters=METERS, shuffle=False), once
    )


@pytest.mark.usefixtures("synchronous")
def test_an_account_cut_in_two_parts_without_shuffle_is_refused_naming_it() -> None:
    records, assignments = _lake()
    bag = dask_bag.from_sequence(records, npartitions=3)
    with pytest.raises(rk.SplitAccountError, match=r"in more than one part: \['big', 'shop-1'\]"):
        scaleout.rate_by_account(bag, assignments, span=Q1, meters=METERS, shuffle=False)


@pytest.mark.usefixtures("synchronous")
def test_plain_tuples_and_a_dask_dataframe_with_build() -> None:
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    records, assignments = _lake()
    once = rk.rate(records, assignments, span=Q1, meters=METERS)
    rows = [
        (s.account, s.resource, s.meter, s.at.isoformat(), str(s.value), s.kind, s.id)
        for s in records
    ]

    def build(row: Any) -> rk.Sample:
        return rk.Sample(row[0], row[1], row[2], row[3], row[4], kind=row[5], id=row[6])

    _assert_same(
        scaleout.rate_by_account(
            dask_bag.from_sequence(rows, npartitions=3),
            assignments,
            span=Q1,
            meters=METERS,
            build=build,
        ),
        once,
    )
    frame = dd.from_pandas(
        pd.DataFrame(rows, columns=["account", "resource", "meter", "at", "value", "kind", "id"]),
        npartitions=3,
    )
    _assert_same(
        scaleout.rate_by_account(frame, assignments, span=Q1, meters=METERS, build=build), once
    )


@pytest.mark.usefixtures("synchronous")
def test_a_build_that_refuses_a_naive_instant_comes_back_as_itself() -> None:
    records, assignments = _lake()
    rows = [
        (s.account, s.resource, s.meter, s.at.isoformat(), str(s.value), s.kind, s.id)
        for s in records[:5]
    ]
    rows.append(("big", "bk1", "stored", "2026-02-01T00:00:00", "1", "gauge", "naive"))

    def build(row: Any) -> rk.Sample:
        return rk.Sample(row[0], row[1], row[2], row[3], row[4], kind=row[5], id=row[6])

    bag = dask_bag.from_sequence(rows, npartitions=2)
    with pytest.raises(
        rk.BadTimeError, match="sample 'naive' at '2026-02-01T00:00:00' has no UTC offset"
    ):
        scaleout.rate_by_account(bag, assignments, span=Q1, meters=METERS, build=build)
    with pytest.raises(
        rk.RatekitTypeError, match="records must be Event or Sample values, not tuple"
    ):
        scaleout.rate_by_account(
            dask_bag.from_sequence(rows[:2], npartitions=1), assignments, span=Q1, meters=METERS
        )


@pytest.mark.usefixtures("synchronous")
def test_a_reseller_billing_on_new_york_months_merges_exactly_and_exports_focus() -> None:
    # The quarter is cut on UTC months; the reseller's cycles are New York's, so its first and
    # last invoices are pieces: December's 5 hours (to 05:00Z) and March's 739 hours.
    new_york = rk.cycles.monthly(tz="America/New_York")
    plan = rk.Plan("ny", "USD", new_york, list_entries(Decimal("0.8")), fees=[rk.Fee("support", 4)])
    records = hourly_gauges("nyc", "b", Q1.start, [10 + hour % 3 for hour in range(2160)])
    records += [
        rk.Sample("nyc", "b", "put", at(hour), 5000, id=f"p{hour}") for hour in range(0, 2160, 50)
    ]
    assignments = [rk.Assignment("nyc", plan), rk.Assignment("acme", direct_plan())]
    records += hourly_gauges("acme", "b", Q1.start, [100] * 2160, prefix="a")
    once = rk.rate(records, assignments, span=Q1, meters=METERS)
    got = scaleout.rate_by_account(
        dask_bag.from_sequence(records, npartitions=3), assignments, span=Q1, meters=METERS
    )
    _assert_same(got, once)
    invoices = got[1]
    assert [str(i.cycle.start) for i in invoices if i.account == "nyc"] == [
        "2025-12-01 05:00:00+00:00",
        "2026-01-01 05:00:00+00:00",
        "2026-02-01 05:00:00+00:00",
        "2026-03-01 05:00:00+00:00",
    ]
    # December's piece: the fee 4 x 5/744 = 0.0268... -> 0.03; 5,000 PUTs: 5 blocks x 0.004.
    december = next(i for i in invoices if i.account == "nyc")
    fee = next(line for line in december.lines if line.entry == "support")
    assert fee.amount == Decimal("0.03")
    rows = rk.focus_rows(invoices, provider="Example Storage")
    assert sum(Decimal(r["BilledCost"]) for r in rows) == sum(i.total for i in invoices)


@pytest.mark.usefixtures("synchronous")
def test_bill_by_account_gives_the_invoices_which_focus_rows_refuses_saying_why() -> None:
    records, assignments = _lake()
    once = rk.rate(records, assignments, span=Q1, meters=METERS)
    bag = dask_bag.from_sequence(records, npartitions=4)
    invoices, anomalies, no_effect = scaleout.bill_by_account(
        bag, assignments, span=Q1, meters=METERS
    )
    assert invoices == rk.bill(once)
    assert sorted(map(str, anomalies)) == sorted(map(str, once.anomalies))
    assert no_effect == once.no_effect
    with pytest.raises(
        rk.BadDataError,
        match=r"Use ratekit\.scaleout\.rate_by_account\(\), whose invoices keep their charges",
    ):
        rk.focus_rows(invoices, provider="Example Storage")


def test_on_two_worker_processes(client: Any) -> None:
    records, assignments = _lake()
    once = rk.rate(records, assignments, span=Q1, meters=METERS)
    bag = dask_bag.from_sequence(records, npartitions=4)
    _assert_same(scaleout.rate_by_account(bag, assignments, span=Q1, meters=METERS), once)
