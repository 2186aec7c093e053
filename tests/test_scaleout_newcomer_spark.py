"""The Spark recipe of `docs/performance.md`, run with pandas alone.

Spark's `groupBy("account").applyInPandas(rate_account, schema=SCHEMA)` hands the
function one account's rows, the account column included. pandas' own
`DataFrame.groupby("account").apply` (pandas 3) leaves the grouping column out of each
group, so the column is selected again (`[list(frame.columns)]`) to give the function
what Spark gives it. The charges that come back, as the recipe's strings, must be one
process's `rk.charges_frame` of the same records; the invoices billed per group, one
process's invoices; and the inventories routed by hand as the page shows, one process's
charges and anomalies.
"""

from __future__ import annotations

import collections
import datetime as dt
from decimal import Decimal

import pytest

import ratekit as rk

pd = pytest.importorskip("pandas")

from ratekit.scaleout import inventories_for, kept_inventories  # noqa: E402
from test_scaleout_newcomer import MARCH, METERS, PLAN, fleet, lines_of, oracle  # noqa: E402

plan, march, meters = PLAN, MARCH, METERS
COLUMNS = ["account", "cycle_start", "meter", "entry", "resource", "quantity", "amount"]


def usage_frame(records: list[rk.Event | rk.Sample]) -> pd.DataFrame:
    """Records as a usage table: one row each, a `type` column telling events from samples."""
    rows = []
    for r in records:
        if isinstance(r, rk.Sample):
            rows.append(
                {
                    "type": "sample",
                    "account": r.account,
                    "resource": r.resource,
                    "at_us": r.at_us,
                    "kind": r.kind,
                    "flavor": None,
                    "meter": r.meter,
                    "value": str(r.value),
                    "id": r.id,
                }
            )
        else:
            flavor = r.attributes.get("flavor") if r.attributes else None
            rows.append({"type": "event", "account": r.account, "resource": r.resource, "at_us": r.at_us,
                         "kind": r.kind, "flavor": flavor, "meter": None, "value": None, "id": r.id})  # fmt: skip
    return pd.DataFrame(rows)


def to_record(row) -> rk.Event | rk.Sample:
    """The recipe's `to_record`: your own mapping of a row to a record."""
    when = dt.datetime.fromtimestamp(row.at_us / 1e6, dt.UTC)
    if row.type == "sample":
        return rk.Sample(row.account, row.resource, row.meter, when, row.value, id=row.id)
    attributes = {"flavor": row.flavor} if isinstance(row.flavor, str) else None
    return rk.Event(row.account, row.resource, when, attributes, kind=row.kind, id=row.id)


def rate_account(records: pd.DataFrame) -> pd.DataFrame:
    """The page's function, as it is written there."""
    built = [to_record(row) for row in records.itertuples(index=False)]  # your columns
    rating = rk.rate(built, plan, span=march, meters=meters)
    frame = rk.charges_frame(rating.charges)
    frame = frame.astype({"quantity": str, "amount": str})  # exact: Decimals as strings
    return frame[["account", "cycle_start", "meter", "entry", "resource", "quantity", "amount"]]


def apply_in_pandas(frame: pd.DataFrame, function) -> pd.DataFrame:
    """`frame.groupBy("account").applyInPandas(function, ...)`, with pandas."""
    return (
        frame.groupby("account", group_keys=False)[list(frame.columns)]
        .apply(function)
        .reset_index(drop=True)
    )


def test_the_recipe_gives_one_process_charges_as_strings():
    records = fleet(31)
    one = rk.rate(records, plan, span=march, meters=meters)
    assert lines_of(rk.bill(one)) == oracle(records)
    charges = apply_in_pandas(usage_frame(records), rate_account)
    expected = rk.charges_frame(one.charges).astype({"quantity": str, "amount": str})[COLUMNS]
    assert charges.equals(expected.reset_index(drop=True))
    # The amounts come back exact: summed as Decimals, each account's is Rating.total().
    totals: dict[str, Decimal] = collections.defaultdict(Decimal)
    for account, amount in zip(charges["account"], charges["amount"], strict=True):
        totals[account] += Decimal(amount)
    assert totals == {account: one.total(account) for account in totals}
    assert len(totals) == 13


def test_the_recipe_invoices_each_account_in_the_same_function():
    records = fleet(32)
    invoices: list[rk.Invoice] = []

    def bill_account(records: pd.DataFrame) -> pd.DataFrame:
        built = [to_record(row) for row in records.itertuples(index=False)]
        billed = rk.bill(rk.rate(built, plan, span=march, meters=meters))
        invoices.extend(billed)
        return rk.invoice_lines_frame(billed)

    lines = apply_in_pandas(usage_frame(records), bill_account)
    expected = rk.bill(rk.rate(records, plan, span=march, meters=meters))
    assert tuple(invoices) == expected
    assert lines.equals(rk.invoice_lines_frame(expected).reset_index(drop=True))


def test_the_lean_path_over_a_group_in_event_tuple_order():
    # Events only, their columns in an event tuple's order: (account, resource, at_us,
    # kind, attributes, id). An int column's values come as Python ints.
    records = [r for r in fleet(33) if isinstance(r, rk.Event)]
    frame = pd.DataFrame([(r.account, r.resource, r.at_us, r.kind, r.attributes, r.id) for r in records],
                         columns=["account", "resource", "at_us", "kind", "attributes", "id"])  # fmt: skip
    assert type(next(frame.itertuples(index=False)).at_us) is int

    def rate_lean(group: pd.DataFrame) -> pd.DataFrame:
        batch = rk.RecordBatch.from_tuples(events=group.itertuples(index=False))
        frame = rk.charges_frame(rk.rate(batch, plan, span=march, meters=meters).charges)
        return frame.astype({"quantity": str, "amount": str})[COLUMNS]

    one = rk.rate(records, plan, span=march, meters=meters)
    expected = rk.charges_frame(one.charges).astype({"quantity": str, "amount": str})[COLUMNS]
    assert apply_in_pandas(frame, rate_lean).equals(expected.reset_index(drop=True))
    # An int column with nulls comes as floats, which the batch refuses, saying what to do.
    with_seq = frame.assign(seq=[1.0, *([None] * (len(frame) - 1))])
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"seq is float 1\.0; a seq is an int or None\. A pandas int column",
    ):
        rk.RecordBatch.from_tuples(events=with_seq.itertuples(index=False))


def test_inventories_routed_by_hand_as_on_the_driver():
    records = fleet(34)
    platform = rk.Inventory("2026-03-10T00:00:00Z", [("acme", "vm-1", {"flavor": "small"}),
                                                    ("quiet", "vm-q", {"flavor": "large"})], id="i10")  # fmt: skip
    scoped = rk.Inventory("2026-03-20T00:00:00Z", [("東京", "vm-2", {"flavor": "small"})],
                          accounts=["東京", "Ω"], close="last_seen", id="i20")  # fmt: skip
    later = rk.Inventory("2026-04-02T00:00:00Z", [], id="i42")
    inventories = [platform, scoped, platform, later]
    usage_df = usage_frame(records)

    kept, replays = kept_inventories(inventories, as_of=march.end)  # on the driver, once
    assert kept == (platform, scoped)
    assert [a.kind for a in replays] == ["duplicate"]
    with_records = set(
        usage_df["account"]
    )  # Spark: usage_df.select("account").distinct().collect()
    only_listed = {a for i in kept for a, _, _ in i.resources} - with_records
    assert only_listed == {"quiet"}
    ratings: list[rk.Rating] = []

    def rate_account(records: pd.DataFrame) -> pd.DataFrame:
        account = records["account"].iloc[0]
        built = [to_record(row) for row in records.itertuples(index=False)]
        rating = rk.rate(
            [*built, *inventories_for(kept, [account])], plan, span=march, meters=meters
        )
        ratings.append(rating)
        frame = rk.charges_frame(rating.charges)
        return frame.astype({"quantity": str, "amount": str})[COLUMNS]

    charges = apply_in_pandas(usage_df, rate_account)
    driver = rk.rate(inventories_for(kept, only_listed), plan, span=march, meters=meters)
    one = rk.rate([*records, *inventories], plan, span=march, meters=meters)
    merged = sorted(
        [c for rating in [*ratings, driver] for c in rating.charges], key=lambda c: c.account
    )
    assert tuple(merged) == one.charges
    driver_rows = rk.charges_frame(driver.charges).astype({"quantity": str, "amount": str})[COLUMNS]
    together = (
        pd.concat([charges, driver_rows])
        .sort_values("account", kind="stable")
        .reset_index(drop=True)
    )
    expected = rk.charges_frame(one.charges).astype({"quantity": str, "amount": str})[COLUMNS]
    assert together.equals(expected.reset_index(drop=True))
    # anomalies: replays + each group's + driver's
    anomalies = [*replays, *(a for rating in ratings for a in rating.anomalies), *driver.anomalies]
    assert collections.Counter(anomalies) == collections.Counter(one.anomalies)
    assert {a.kind for a in one.anomalies} >= {"duplicate", "reconciled_open", "reconciled_close"}
