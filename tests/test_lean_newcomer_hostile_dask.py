"""The lean input path scaled out by account on a local Dask cluster, then fed hostile input.

A provider backend cuts nothing itself: one account's records spread over every
partition of a bag, batches given as partitions (one of them empty), an account with
no records, an empty bag, a DataFrame whose attribute columns hold nulls. Each result
is one process's: ``rk.rate`` and ``rk.bill`` of the same records (skipped without the
``ratekit[dask]`` extra).
"""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from tests._lean_feeds import EVENT_FIELDS, MARCH, METERS, PLAN, fleet, friendly

import ratekit as rk

pytest.importorskip("dask")
pytest.importorskip("distributed")
scaleout = pytest.importorskip("ratekit.scaleout")


def one_process(records: Any, **options: Any) -> tuple[rk.Rating, tuple[rk.Invoice, ...]]:
    rating = rk.rate(records, PLAN, span=MARCH, meters=METERS, **options)
    return rating, rk.bill(rating)


def assert_same(got: tuple[rk.Rating, tuple[rk.Invoice, ...]], want: Any) -> None:
    (rating, invoices), (expected, expected_invoices) = got, want
    assert rating.charges == expected.charges
    assert rating.rows == expected.rows
    assert Counter(map(repr, rating.anomalies)) == Counter(map(repr, expected.anomalies))
    assert rating.no_effect == expected.no_effect
    assert invoices == expected_invoices
    assert [str(i.total) for i in invoices] == [str(i.total) for i in expected_invoices]


def test_one_accounts_records_spread_over_every_partition_merge_to_one_process(client: Any) -> None:
    import dask.bag

    events, samples = fleet(accounts=4)
    batch = rk.RecordBatch.from_tuples(events, samples)
    # Round robin: every account's records sit in each of the 3 partitions.
    parts = [list(batch[k::3]) for k in range(3)]
    assert all({r.account for r in part} == {f"acct-{n}" for n in range(4)} for part in parts)
    bag = dask.bag.from_delayed([dask.delayed(part) for part in parts])
    want = one_process(batch)
    assert want[0] == one_process(friendly(events, samples))[0]
    assert_same(scaleout.rate_by_account(bag, PLAN, span=MARCH, meters=METERS), want)
    invoices, anomalies, _ = scaleout.bill_by_account(bag, PLAN, span=MARCH, meters=METERS)
    assert invoices == want[1]
    assert Counter(a.kind for a in anomalies) == {"orphan_stop": 4}
    # The same records left where they are: an account in two parts is refused, named.
    with pytest.raises(rk.SplitAccountError, match=r"acct-\d"):
        scaleout.rate_by_account(bag, PLAN, span=MARCH, meters=METERS, shuffle=False)


def test_batches_as_partitions_an_empty_one_among_them_and_tuples_built_on_workers(
    client: Any,
) -> None:
    import dask
    import dask.bag

    events, samples = fleet(accounts=4)
    want = one_process(rk.RecordBatch.from_tuples(events, samples))
    by_part: dict[int, tuple[list[Any], list[Any]]] = {0: ([], []), 1: ([], []), 2: ([], [])}
    for row in events:
        by_part[scaleout.partition_of(row[0], 2)][0].append(row)
    for row in samples:
        by_part[scaleout.partition_of(row[0], 2)][1].append(row)
    batches = [rk.RecordBatch.from_tuples(*by_part[n]) for n in range(3)]
    assert len(batches[2]) == 0
    bag = dask.bag.from_delayed([dask.delayed(batch) for batch in batches])
    assert_same(scaleout.rate_by_account(bag, PLAN, span=MARCH, meters=METERS, shuffle=False), want)

    def build(row: tuple[Any, ...]) -> Any:  # a tuple made a record on the worker
        if len(row) == len(EVENT_FIELDS):
            return rk.RecordBatch.from_tuples(events=[row])[0]
        return rk.RecordBatch.from_tuples(samples=[row])[0]

    tuples = dask.bag.from_sequence(events + samples, npartitions=3)
    assert_same(
        scaleout.rate_by_account(tuples, PLAN, span=MARCH, meters=METERS, build=build), want
    )


def test_an_empty_bag_and_an_account_without_records(client: Any) -> None:
    import dask.bag

    empty = dask.bag.from_sequence([], npartitions=2)
    assert_same(scaleout.rate_by_account(empty, PLAN, span=MARCH, meters=METERS), one_process([]))
    # "quiet" has no record: its March fee is due all the same, 5.00.
    got = scaleout.rate_by_account(empty, PLAN, span=MARCH, meters=METERS, accounts=["quiet"])
    assert_same(got, one_process([], accounts=["quiet"]))
    assert [(i.account, i.total) for i in got[1]] == [("quiet", Decimal("5.00"))]
    events, samples = fleet(accounts=2)
    records = friendly(events, samples)
    bag = dask.bag.from_sequence(records, npartitions=2)
    got = scaleout.rate_by_account(
        bag, PLAN, span=MARCH, meters=METERS, accounts=["quiet", "acct-0"]
    )
    assert_same(got, one_process(records, accounts=["quiet", "acct-0"]))
    invoices, _, _ = scaleout.bill_by_account(
        empty, PLAN, span=MARCH, meters=METERS, accounts=["quiet"]
    )
    assert invoices == got[1][-1:]


def test_a_frame_with_nulls_in_its_attribute_columns_rates_as_one_process(client: Any) -> None:
    import dask.dataframe
    import pandas

    events, _ = fleet(accounts=4)
    flat = [
        (a, r, us, kind, (d or {}).get("flavor"), (d or {}).get("memory_gib"), i)
        for a, r, us, kind, d, i, _ in events
    ]
    frame = pandas.DataFrame(
        flat, columns=["account", "resource", "at_us", "kind", "flavor", "memory_gib", "id"]
    )
    assert frame["flavor"].isna().any()
    assert frame["memory_gib"].dtype == "float64"  # an int column with gaps: floats, NaN

    def missing(value: Any) -> bool:
        return (
            value is None or value is pandas.NA or (isinstance(value, float) and math.isnan(value))
        )

    def build(row: tuple[Any, ...]) -> Any:
        account, resource, at_us, kind, flavor, memory_gib, record_id = row
        attributes = None if missing(flavor) else {"flavor": flavor, "memory_gib": int(memory_gib)}
        record_id = None if missing(record_id) else record_id
        return rk.RecordBatch.from_tuples(
            events=[(account, resource, int(at_us), kind, attributes, record_id)]
        )[0]

    parted = dask.dataframe.from_pandas(frame, npartitions=3)
    want = one_process(friendly(events, []))
    assert_same(
        scaleout.rate_by_account(parted, PLAN, span=MARCH, meters=METERS, build=build), want
    )

    def raw(row: tuple[Any, ...]) -> Any:  # the nulls handed over as they come
        account, resource, at_us, kind, flavor, memory_gib, record_id = row
        attributes = {"flavor": flavor, "memory_gib": memory_gib}
        return rk.RecordBatch.from_tuples(
            events=[(account, resource, at_us, kind, attributes, record_id)]
        )[0]

    with pytest.raises(
        rk.RatekitError, match=r"attribute '(flavor|memory_gib)' .*give None for it"
    ):
        scaleout.rate_by_account(parted, PLAN, span=MARCH, meters=METERS, build=raw)
