"""A product-analytics SaaS billed through the lean path and scaled out by account on Dask.

The pricing page: tracked events per account and month at a volume price (the tier the
month's count reaches prices every event), monthly tracked users (a distinct count of
user ids, the first 10 free), data retention in GB-months (the stored level averaged over
the month) and a platform fee. Events come from a pandas frame through
``RecordBatch.from_columns`` / ``from_tuples``; the month is rated in one process and on a
local two-worker Dask cluster, which must give exactly the same charges, rows, anomalies,
invoices and exports.
"""

from __future__ import annotations

import decimal
import itertools
import pickle
import random
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import ratekit as rk

pd = pytest.importorskip("pandas")
dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from ratekit.scaleout import bill_by_account, partition_of, rate_by_account  # noqa: E402

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
T0 = 1772323200000000  # 2026-03-01T00:00:00Z in epoch microseconds
HOUR = 3_600_000_000
METERS = (
    rk.Meter("events", "event", rk.Discrete()),
    rk.Meter("mtu", "user", rk.UniqueCount()),
    rk.Meter("stored", "GB", rk.TimeWeightedMean(over="period")),
)
COLUMNS = ["account", "resource", "meter", "at_us", "value", "kind", "id"]


def plan(name: str = "growth", first_tier: str = "0.0002") -> rk.Plan:
    """Volume-priced events, graduated MTUs (10 free), GB-months of retention, a fee."""
    events = rk.Volume(
        [rk.Tier(1000, first_tier), rk.Tier(10000, "0.00015"), rk.Tier(None, "0.0001")]
    )
    return rk.Plan(
        name,
        "USD",
        MONTHLY,
        [
            rk.PriceEntry("events", "events", events),
            rk.PriceEntry("mtu", "mtu", rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.05")])),
            rk.PriceEntry("retention", "stored", rk.PerUnit("0.25")),
        ],
        fees=[rk.Fee("platform", 20)],
    )


def clicks(n: int = 400, accounts: int = 5, seed: int = 9) -> list[tuple[Any, ...]]:
    """A month of tracked events, one user reading per event, storage levels every 5 days."""
    draw = random.Random(seed)
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        account = f"acct-{draw.randrange(accounts)}"
        at = T0 + draw.randrange(31 * 24) * HOUR + draw.randrange(HOUR)
        rows.append((account, "project", "events", at, 1, "delta", f"e{i}"))
        rows.append((account, "project", "mtu", at, draw.randrange(25), "delta", f"u{i}"))
    for k in range(accounts):
        for day in range(0, 31, 5):
            level = draw.randrange(1, 50)
            rows.append(
                (
                    f"acct-{k}",
                    "storage",
                    "stored",
                    T0 + day * 24 * HOUR,
                    level,
                    "gauge",
                    f"s{k}-{day}",
                )
            )
    draw.shuffle(rows)
    return rows


def frame(rows: list[tuple[Any, ...]]) -> Any:
    return pd.DataFrame(rows, columns=COLUMNS)


def bag_of(parts: list[list[Any]]) -> Any:
    """A bag whose partitions are exactly ``parts`` (empty ones included)."""
    return db.from_delayed([dask.delayed(list)(part) for part in parts])


def assert_same(merged: rk.Rating, one: rk.Rating) -> None:
    assert merged.charges == one.charges
    assert merged.rows == one.rows
    assert Counter(merged.anomalies) == Counter(one.anomalies)  # grouped by part
    assert merged.no_effect == one.no_effect


@pytest.fixture(scope="module")
def cluster_client() -> Iterator[Any]:
    """A local cluster of two workers in this process (fast to start on a shared machine)."""
    cluster = distributed.LocalCluster(
        n_workers=2, processes=False, threads_per_worker=1, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


# --- the pricing page, worked by hand ----------------------------------------------------


def test_pricing_page_one_account_by_hand() -> None:
    """1001 events, 12 distinct users, 10 GB then 40 GB stored: every line by hand."""
    n = 1001
    events = {
        "account": ["acme"] * n,
        "resource": ["web"] * n,
        "meter": ["events"] * n,
        "at_us": [T0 + i for i in range(n)],
        "value": [1] * n,
        "id": [f"e{i}" for i in range(n)],
    }
    users = [("acme", "web", "mtu", T0 + i * HOUR, i % 12, "delta", f"u{i}") for i in range(30)]
    stored = [
        (
            "acme",
            "bucket",
            "stored",
            T0 - 9 * 24 * HOUR,
            10,
            "gauge",
            "s1",
        ),  # 20 Feb: level carried in
        ("acme", "bucket", "stored", T0 + 10 * 24 * HOUR, 40, "gauge", "s2"),  # from 11 March
    ]
    records = [
        *rk.RecordBatch.from_columns(samples=events),
        *rk.RecordBatch.from_tuples(samples=users + stored),
    ]
    (invoice,) = rk.bill(rk.rate(records, plan(), span=MARCH, meters=METERS))
    amounts = {line.entry: line.amount for line in invoice.lines}
    # events: 1001 lies in (1000, 10000], volume: 1001 * 0.00015 = 0.15015 -> 0.15
    assert amounts["events"] == Decimal("0.15")
    # MTU: 12 distinct ids (0..11), 10 free: 2 * 0.05 = 0.10
    assert amounts["mtu"] == Decimal("0.10")
    # retention: (10 GB * 10 days + 40 GB * 21 days) / 31 days = 940/31 GB-month; * 0.25 = 235/31
    gb_months = Fraction(10 * 10 + 40 * 21, 31)
    (retention,) = [line for line in invoice.lines if line.entry == "retention"]
    assert abs(Fraction(retention.quantity) - gb_months) < Fraction(1, 10**50)
    assert amounts["retention"] == Decimal("7.58")  # 235/31 = 7.5806...
    assert amounts["platform"] == Decimal("20.00")
    assert invoice.total == Decimal("27.83")  # 0.15 + 0.10 + 7.58 + 20.00


def test_volume_tier_boundary_prices_every_event_at_its_tier() -> None:
    """1000 events stay in the first tier (0.2000); the 1001st moves all of them (0.15015)."""
    for n, expected in ((1000, Decimal("0.2000")), (1001, Decimal("0.15015"))):
        batch = rk.RecordBatch.from_tuples(
            samples=[("a", "p", "events", T0 + i, 1, "delta", f"e{i}") for i in range(n)]
        )
        (usage,) = [
            c
            for c in rk.rate(batch, plan(), span=MARCH, meters=METERS).charges
            if c.kind == "usage"
        ]
        assert usage.amount == expected  # 1000 * 0.0002; 1001 * 0.00015


# --- the lean path -----------------------------------------------------------------------


def test_columns_tuples_and_friendly_records_are_one_stream() -> None:
    rows = clicks(120)
    by_columns = rk.RecordBatch.from_columns(samples=frame(rows).to_dict("list"))
    by_series = rk.RecordBatch.from_columns(samples={name: frame(rows)[name] for name in COLUMNS})
    by_tuples = rk.RecordBatch.from_tuples(samples=rows)
    by_rows = rk.RecordBatch.from_tuples(samples=frame(rows).itertuples(index=False))
    assert list(by_columns) == list(by_tuples) == list(by_series) == list(by_rows)
    friendly = [*by_tuples]
    assert (
        rk.rate(by_columns, plan(), span=MARCH, meters=METERS).charges
        == rk.rate(friendly, plan(), span=MARCH, meters=METERS).charges
    )


def one_event_of(value: Any) -> dict[str, list[Any]]:
    """The columns of one tracked event (id ``e1``) whose value column holds ``value``."""
    return {
        "account": ["a"],
        "resource": ["p"],
        "meter": ["events"],
        "at_us": [T0],
        "value": [value],
        "id": ["e1"],
    }


@pytest.mark.parametrize(
    ("value", "error", "says"),
    [
        (float("nan"), rk.BadQuantityError, "finite"),
        (float("inf"), rk.BadQuantityError, "finite"),
        (None, rk.RatekitTypeError, "missing value"),
        ("", rk.BadQuantityError, "decimal number"),
        (True, rk.RatekitTypeError, "a value is a number"),
        (Decimal("NaN"), rk.BadQuantityError, "finite"),
        (Decimal("1E+30"), rk.BadQuantityError, "1E+30"),
        (10**40, rk.BadQuantityError, "60 significant digits"),
    ],
)
def test_hostile_values_in_a_column_name_the_record(value: Any, error: type, says: str) -> None:
    with pytest.raises(error) as raised:
        rk.RecordBatch.from_columns(samples=one_event_of(value))
    assert "samples[0] (id 'e1')" in str(raised.value) or "samples[0]" in str(raised.value)
    assert says in str(raised.value)


def test_pandas_missing_and_numpy_values_are_refused_with_the_way_out() -> None:
    np = pytest.importorskip("numpy")
    for value in (pd.NA, np.int64(3)):
        with pytest.raises(rk.RatekitTypeError, match=r"samples\[0\] \(id 'e1'\): value"):
            rk.RecordBatch.from_columns(samples=one_event_of(value))
    gaps = frame(
        [
            ("a", "p", "events", T0, 1.0, "delta", "e1"),
            ("a", "p", "events", T0 + 1, float("nan"), "delta", "e2"),
        ]
    )
    with pytest.raises(rk.BadQuantityError, match=r"samples\[1\] \(id 'e2'\).*dropna"):
        rk.RecordBatch.from_columns(samples=gaps.to_dict("list"))
    # a float column is read through its shortest repr: 0.1 is 0.1, not 0.1000000000000000055...
    (sample,) = rk.RecordBatch.from_columns(
        samples={
            "account": ["a"],
            "resource": ["p"],
            "meter": ["stored"],
            "at_us": [T0],
            "value": [np.float64(0.1)],
            "kind": ["gauge"],
        }
    )
    assert sample.value == Decimal("0.1")


def test_a_datetime_column_is_refused_and_its_conversion_reads_utc() -> None:
    stamps = pd.Series(pd.to_datetime([T0, T0 + 1], unit="us"))  # naive: read as UTC
    columns = {
        "account": ["a", "a"],
        "resource": ["p", "p"],
        "meter": ["events"] * 2,
        "value": [1, 1],
    }
    with pytest.raises(rk.RatekitTypeError, match="at_us is Timestamp"):
        rk.RecordBatch.from_columns(samples={**columns, "at_us": stamps})
    batch = rk.RecordBatch.from_columns(
        samples={**columns, "at_us": stamps.dt.as_unit("us").astype("int64").tolist()}
    )
    assert [s.at.isoformat() for s in batch] == [
        "2026-03-01T00:00:00+00:00",
        "2026-03-01T00:00:00.000001+00:00",
    ]


def test_plans_meters_and_records_pickle_and_travel_cheaply() -> None:
    batch = rk.RecordBatch.from_tuples(samples=clicks(20))
    assert pickle.loads(pickle.dumps(batch)) == batch
    assert pickle.loads(pickle.dumps(plan())) == plan()
    assert pickle.loads(pickle.dumps(METERS)) == METERS
    for record in batch:
        assert pickle.loads(pickle.dumps(record)) == record
        assert len(pickle.dumps(record)) < 400  # "a few hundred bytes"


# --- scale-out by account: exactly one process's result ----------------------------------


def test_scale_out_of_a_frame_equals_one_process(cluster_client: Any) -> None:
    rows = clicks()
    batch = rk.RecordBatch.from_columns(samples=frame(rows).to_dict("list"))
    one = rk.rate(batch, plan(), span=MARCH, meters=METERS)
    invoices = rk.bill(one)
    merged, merged_invoices = rate_by_account(
        db.from_sequence(list(batch), npartitions=4), plan(), span=MARCH, meters=METERS
    )
    assert_same(merged, one)
    assert merged_invoices == invoices
    billed, anomalies, no_effect = bill_by_account(
        db.from_sequence(list(batch), npartitions=3), plan(), span=MARCH, meters=METERS
    )
    assert billed == invoices
    assert Counter(anomalies) == Counter(one.anomalies)
    assert no_effect == one.no_effect


def test_scale_out_of_batches_cut_by_account_beforehand(cluster_client: Any) -> None:
    rows = clicks()
    one = rk.rate(rk.RecordBatch.from_tuples(samples=rows), plan(), span=MARCH, meters=METERS)
    parts = [
        rk.RecordBatch.from_tuples(samples=[r for r in rows if partition_of(r[0], 3) == k])
        for k in range(3)
    ]
    bag = db.from_delayed([dask.delayed(part) for part in parts])
    merged, invoices = rate_by_account(bag, plan(), span=MARCH, meters=METERS, shuffle=False)
    assert_same(merged, one)
    assert invoices == rk.bill(one)


def test_a_dask_dataframe_with_build(cluster_client: Any) -> None:
    rows = clicks(150)
    one = rk.rate(rk.RecordBatch.from_tuples(samples=rows), plan(), span=MARCH, meters=METERS)

    def build(row: tuple[Any, ...]) -> Any:
        # rk.Sample takes no epoch microseconds: a one-row batch does
        (record,) = rk.RecordBatch.from_tuples(samples=[tuple(row)])
        return record

    merged, _ = rate_by_account(
        dd.from_pandas(frame(rows), npartitions=3), plan(), span=MARCH, meters=METERS, build=build
    )
    assert_same(merged, one)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"as_of": "2026-03-20T00:00:00Z"},
        {"tz": "America/New_York"},
        {"by_resource": True},
        {"accounts": ["acct-0", "zz-quiet"]},
    ],
)
def test_scale_out_options_match_one_process(cluster_client: Any, options: dict[str, Any]) -> None:
    batch = rk.RecordBatch.from_tuples(samples=clicks(200))
    billing = {key: value for key, value in options.items() if key in ("tz", "by_resource")}
    rating = {key: value for key, value in options.items() if key not in billing}
    one = rk.rate(batch, plan(), span=MARCH, meters=METERS, **rating)
    merged, invoices = rate_by_account(
        db.from_sequence(list(batch), npartitions=3),
        plan(),
        span=MARCH,
        meters=METERS,
        partitions=7,
        **options,
    )
    assert_same(merged, one)
    assert invoices == rk.bill(one, **billing)


T = "2026-03-05T00:00:00Z"


def click(account: str, meter: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample(account, "project", meter, T, value, id=record_id)


SMALL = [
    click("a", "events", 1, "e1"),
    click("a", "events", 1, "e2"),
    click("b", "events", 1, "e3"),
    click("c", "events", 1, "e4"),
    click("a", "mtu", 7, "u1"),
    click("b", "mtu", 7, "u2"),
]


def test_accounts_split_oddly_with_empty_partitions(cluster_client: Any) -> None:
    one = rk.rate(SMALL, plan(), span=MARCH, meters=METERS)
    parts = [[], [SMALL[0], SMALL[1], SMALL[4]], [], [SMALL[2], SMALL[5]], [SMALL[3]], []]
    for shuffle in (False, True):
        merged, invoices = rate_by_account(
            bag_of(parts), plan(), span=MARCH, meters=METERS, shuffle=shuffle
        )
        assert_same(merged, one)
        assert invoices == rk.bill(one)
    empty, none = rate_by_account(bag_of([[], []]), plan(), span=MARCH, meters=METERS)
    assert (empty.charges, none) == ((), ())


def test_an_account_in_every_partition(cluster_client: Any) -> None:
    one = rk.rate(SMALL, plan(), span=MARCH, meters=METERS)
    parts = [[SMALL[0]], [SMALL[1]], [SMALL[4], SMALL[2]], [SMALL[3], SMALL[5]]]
    merged, _ = rate_by_account(bag_of(parts), plan(), span=MARCH, meters=METERS)
    assert_same(merged, one)
    with pytest.raises(rk.SplitAccountError, match=r"\['a', 'b'\].*shuffle=True"):
        rate_by_account(bag_of(parts), plan(), span=MARCH, meters=METERS, shuffle=False)


def test_a_number_of_parts_without_a_shuffle_is_refused_not_ignored(cluster_client: Any) -> None:
    # without a shuffle the bag's partitions are the parts: partitions=3 could not be kept
    parts = [[SMALL[0], SMALL[1]], [SMALL[2], SMALL[3], SMALL[4], SMALL[5]]]
    for run in (rate_by_account, bill_by_account):
        with pytest.raises(
            rk.RatekitTypeError, match=r"partitions=3 with shuffle=False: .*leave partitions out"
        ):
            run(bag_of(parts), plan(), span=MARCH, meters=METERS, shuffle=False, partitions=3)
    # with a shuffle, 3 parts rate what one process rates
    merged, _ = rate_by_account(bag_of(parts), plan(), span=MARCH, meters=METERS, partitions=3)
    assert_same(merged, rk.rate(SMALL, plan(), span=MARCH, meters=METERS))


def test_a_partition_of_only_unknown_meters_is_refused_as_one_process_refuses_it(
    cluster_client: Any,
) -> None:
    unknown = [click("d", "pageviews", 5, "x1"), click("d", "pageviews", 5, "x2")]
    with pytest.raises(rk.UnknownMeterError, match="sample 'x1' meter 'pageviews'"):
        rk.rate(SMALL + unknown, plan(), span=MARCH, meters=METERS)
    for shuffle in (False, True):
        with pytest.raises(
            rk.UnknownMeterError,
            match=r"account 'd'.*sample 'x1' meter 'pageviews'.*declare a Meter",
        ):
            rate_by_account(
                bag_of([SMALL, unknown]), plan(), span=MARCH, meters=METERS, shuffle=shuffle
            )
    with pytest.raises(rk.UnknownMeterError, match="sample 'x1'"):
        bill_by_account(bag_of([SMALL, unknown]), plan(), span=MARCH, meters=METERS, shuffle=False)


def test_plans_assigned_per_account_with_a_switch_and_a_quiet_account(cluster_client: Any) -> None:
    pro = plan("pro", "0.0001")
    assignments = [
        rk.Assignment("a", plan()),
        rk.Assignment("b", pro),
        rk.Assignment("c", plan(), end="2026-03-10T00:00:00Z"),
        rk.Assignment("c", pro, start="2026-03-10T00:00:00Z"),
        rk.Assignment("quiet", pro),
    ]
    one = rk.rate(SMALL, assignments, span=MARCH, meters=METERS)
    parts = [[], [SMALL[0], SMALL[1], SMALL[4]], [SMALL[2], SMALL[5]], [SMALL[3]]]
    for shuffle in (False, True):
        merged, invoices = rate_by_account(
            bag_of(parts), assignments, span=MARCH, meters=METERS, shuffle=shuffle
        )
        assert_same(merged, one)
        assert invoices == rk.bill(one)
    # c's fee: 20 * 9/31 under growth + 20 * 22/31 under pro = 20 in all; its 1 event 0.0002 * 1
    totals = {invoice.account: invoice.total for invoice in rk.bill(one)}
    assert totals == {
        "a": Decimal("20.00"),
        "b": Decimal("20.00"),
        "c": Decimal("20.00"),
        "quiet": Decimal("20.00"),
    }


def test_duplicates_across_partitions(cluster_client: Any) -> None:
    replayed = [SMALL, [SMALL[0], SMALL[2]]]
    one = rk.rate([*SMALL, SMALL[0], SMALL[2]], plan(), span=MARCH, meters=METERS)
    assert [anomaly.kind for anomaly in one.anomalies] == ["duplicate", "duplicate"]
    merged, _ = rate_by_account(bag_of(replayed), plan(), span=MARCH, meters=METERS)
    assert_same(merged, one)
    # without ids, a replay is known by its content
    plain = rk.Sample("a", "p", "events", "2026-03-03T00:00:00Z", 1)
    alone = rk.rate([plain, plain], plan(), span=MARCH, meters=METERS)
    merged, _ = rate_by_account(bag_of([[plain], [plain]]), plan(), span=MARCH, meters=METERS)
    assert_same(merged, alone)


@pytest.mark.parametrize("shuffle", [True, False])
def test_one_id_in_two_accounts_is_a_conflict(cluster_client: Any, shuffle: bool) -> None:
    clash = [[SMALL[0]], [click("b", "events", 1, "e1")]]
    with pytest.raises(rk.ConflictingRecordError, match="two records share the id 'e1'"):
        rk.rate(clash[0] + clash[1], plan(), span=MARCH, meters=METERS)
    with pytest.raises(
        rk.ConflictingRecordError,
        match=r"two records share the id 'e1'.*give a corrected record a new id",
    ):
        rate_by_account(bag_of(clash), plan(), span=MARCH, meters=METERS, shuffle=shuffle)


def test_exports_of_the_merged_result(cluster_client: Any) -> None:
    rows = clicks(200)
    batch = rk.RecordBatch.from_tuples(samples=rows)
    one = rk.rate(batch, plan(), span=MARCH, meters=METERS)
    merged, invoices = rate_by_account(
        db.from_sequence(list(batch), npartitions=4), plan(), span=MARCH, meters=METERS
    )
    assert rk.focus_rows(invoices, provider="Clicks") == rk.focus_rows(
        rk.bill(one), provider="Clicks"
    )
    assert rk.focus_rows(merged, provider="Clicks") == rk.focus_rows(one, provider="Clicks")
    assert rk.charges_frame(merged).equals(rk.charges_frame(one))
    assert rk.charges_frame(merged).to_csv() == rk.charges_frame(one).to_csv()
    assert (
        rk.invoice_lines_frame(invoices).to_csv() == rk.invoice_lines_frame(rk.bill(one)).to_csv()
    )
    assert rk.usage_frame(merged.rows).to_csv() == rk.usage_frame(one.rows).to_csv()
    # the frame's cells are the charges' exact Decimals: added as Fractions, no digit is lost
    assert sum(map(Fraction, rk.charges_frame(merged)["amount"])) == sum(
        Fraction(c.amount) for c in one.charges
    )


def test_renaming_accounts_moves_them_between_parts_but_changes_no_total(
    cluster_client: Any,
) -> None:
    rows = clicks(200)
    renamed = [(row[0].replace("acct", "customer"), *row[1:]) for row in rows]
    one = rk.bill(
        rk.rate(rk.RecordBatch.from_tuples(samples=rows), plan(), span=MARCH, meters=METERS)
    )
    _, invoices = rate_by_account(
        db.from_sequence(list(rk.RecordBatch.from_tuples(samples=renamed)), npartitions=3),
        plan(),
        span=MARCH,
        meters=METERS,
    )
    assert {i.account.replace("customer", "acct"): i.total for i in invoices} == {
        i.account: i.total for i in one
    }


def test_a_daylight_saving_month_scaled_out(cluster_client: Any) -> None:
    """Berlin's March lasts 743 hours: the GB-months and the parts agree with one process."""
    berlin = rk.cycles.monthly(tz="Europe/Berlin")
    march = berlin.containing("2026-03-15T00:00:00Z")
    stored = rk.Plan(
        "eu", "EUR", berlin, [rk.PriceEntry("retention", "stored", rk.PerUnit("0.25"))]
    )
    # 31 GB from the cycle's start (2026-02-28T23:00Z); 0 GB from 2026-03-16T23:00Z, 16 x 24 h later
    readings = [
        rk.Sample("a", "bucket", "stored", "2026-02-28T23:00:00Z", 31, kind="gauge", id="s1"),
        rk.Sample("a", "bucket", "stored", "2026-03-16T23:00:00Z", 0, kind="gauge", id="s2"),
        rk.Sample("b", "bucket", "stored", "2026-03-29T00:30:00Z", 10, kind="gauge", id="s3"),
    ]
    one = rk.rate(readings, stored, span=march, meters=METERS)
    (a, b) = [c for c in one.charges if c.kind == "usage"]
    assert abs(Fraction(a.quantity) - Fraction(31 * 384, 743)) < Fraction(
        1, 10**55
    )  # 384 of 743 hours
    # b: 10 GB from 00:30Z on the 29th to 22:00Z on the 31st = 69.5 h of 743
    assert abs(Fraction(b.quantity) - Fraction(10 * 695, 7430)) < Fraction(1, 10**55)
    merged, invoices = rate_by_account(
        bag_of([readings[:2], readings[2:]]), stored, span=march, meters=METERS, shuffle=False
    )
    assert_same(merged, one)
    assert invoices == rk.bill(one)


def test_iterables_given_once_travel_to_every_part(cluster_client: Any) -> None:
    """Generators of assignments, accounts and meters are read once, as rk.rate reads them."""
    batch = rk.RecordBatch.from_tuples(samples=clicks(120, accounts=4))
    pro = plan("pro", "0.0001")

    def assignments() -> list[rk.Assignment]:
        return [
            rk.Assignment("acct-0", plan(), start="2026-03-10T00:00:00Z"),
            rk.Assignment("acct-1", pro),
            rk.Assignment("acct-2", plan(), end="2026-03-20T00:00:00Z"),
            rk.Assignment("acct-3", pro),
            rk.Assignment("acct-9", pro, start="2026-03-25T00:00:00Z"),
        ]

    one = rk.rate(batch, assignments(), span=MARCH, meters=METERS, accounts=["acct-0", "acct-9"])
    assert {a.kind for a in one.anomalies} >= {"unpriced"}  # acct-0 before its plan, acct-2 after
    merged, invoices = rate_by_account(
        db.from_sequence(list(batch), npartitions=3),
        iter(assignments()),
        span=MARCH,
        meters=iter(METERS),
        accounts=iter(["acct-0", "acct-9"]),
    )
    assert_same(merged, one)
    assert invoices == rk.bill(one)
    # acct-9 has no records: only its fee, 20 x 7/31 = 4.516... -> 4.52
    assert {i.account: i.total for i in invoices}["acct-9"] == Decimal("4.52")


def test_numpy_text_columns_and_exponent_values_come_back_as_they_were(cluster_client: Any) -> None:
    np = pytest.importorskip("numpy")
    columns = {
        "account": np.array(["a", "b", "a"]),
        "resource": np.array(["p", "p", "q"]),
        "meter": np.array(["events"] * 3),
        "at_us": [T0, T0 + 1, T0 + 2],
        "value": [Decimal("1E+3"), Decimal("-0"), 3],
        "id": np.array(["x1", "x2", "x3"]),
    }
    batch = rk.RecordBatch.from_columns(samples=columns)
    assert {type(record.account) for record in batch} == {str}
    one = rk.rate(batch, plan(), span=MARCH, meters=METERS)
    merged, _ = rate_by_account(
        db.from_sequence(list(batch), npartitions=2), plan(), span=MARCH, meters=METERS
    )
    assert_same(merged, one)
    assert [str(c.quantity) for c in merged.charges] == [str(c.quantity) for c in one.charges]
    assert rk.charges_frame(merged).to_csv() == rk.charges_frame(one).to_csv()


def test_the_stream_of_lean_batches_with_restarts_equals_the_batch() -> None:
    """Fed in time order, in 77s, or shuffled in 13s, restored from a snapshot every few feeds."""
    rows = clicks(150, accounts=3)
    invoices = rk.bill(
        rk.rate(rk.RecordBatch.from_tuples(samples=rows), plan(), span=MARCH, meters=METERS)
    )
    in_order = sorted(rows, key=lambda row: row[3])
    for order, size in ((in_order, 1000), (in_order, 77), (rows, 13)):
        rater = rk.Rater(plan(), METERS, start=MARCH.start)
        for step, i in enumerate(range(0, len(order), size)):
            rater.feed(rk.RecordBatch.from_tuples(samples=order[i : i + size]))
            if step % 3 == 0:
                rater = rk.Rater.restore(rater.snapshot(), plan(), METERS)
        assert rater.statement(as_of="2026-04-02T00:00:00Z").invoices == invoices


def test_readings_at_one_instant_split_across_statements_and_a_restart() -> None:
    """Two users and two storage levels stamped at one instant, in any order and any cut."""
    at = "2026-03-02T00:00:00Z"
    records = [
        rk.Sample("a", "p", "mtu", at, 2, kind="gauge", id="u2"),
        rk.Sample("a", "p", "mtu", at, 1, kind="gauge", id="u1"),
        rk.Sample("a", "s", "stored", at, 40, kind="gauge", id="s2"),
        rk.Sample("a", "s", "stored", at, 10, kind="gauge", id="s1"),
    ]
    (invoice,) = rk.bill(rk.rate(records, plan(), span=MARCH, meters=METERS))
    # the higher level holds: 40 GB for 30 of 31 days = 1200/31 GB-month; x 0.25 = 300/31 = 9.677... -> 9.68
    assert {line.entry: line.amount for line in invoice.lines}["retention"] == Decimal("9.68")
    for order in itertools.permutations(records):
        for cut in range(1, len(records)):
            rater = rk.Rater(plan(), METERS, start=MARCH.start)
            rater.feed(list(order[:cut]))
            rater.statement(as_of="2026-03-03T00:00:00Z")
            rater = rk.Rater.restore(rater.snapshot(), plan(), METERS)
            rater.feed(list(order[cut:]))
            assert rater.statement(as_of="2026-04-02T00:00:00Z").invoices == (invoice,)


def test_the_callers_decimal_context_changes_nothing(cluster_client: Any) -> None:
    rows = clicks(150, accounts=3)
    one = rk.rate(rk.RecordBatch.from_tuples(samples=rows), plan(), span=MARCH, meters=METERS)
    invoices = rk.bill(one)
    narrow = decimal.Context(
        prec=3, rounding=decimal.ROUND_UP, traps=[decimal.Inexact, decimal.Rounded]
    )
    with decimal.localcontext(narrow):
        batch = rk.RecordBatch.from_columns(samples=frame(rows).to_dict("list"))
        merged, merged_invoices = rate_by_account(
            db.from_sequence(list(batch), npartitions=3), plan(), span=MARCH, meters=METERS
        )
        billed, _, _ = bill_by_account(
            db.from_sequence(list(batch), npartitions=2), plan(), span=MARCH, meters=METERS
        )
        focus = rk.focus_rows(merged_invoices, provider="Clicks")
        total = merged.total()
    assert merged.charges == one.charges
    assert merged_invoices == billed == invoices
    assert focus == rk.focus_rows(invoices, provider="Clicks")
    assert total == one.total()


@pytest.mark.parametrize(
    ("parts", "says"),
    [
        ([[None]], "not NoneType: None; give build="),
        ([[float("nan")]], "not float: nan; give build="),
        ([[("acme", "p", "events", T0, 1)]], "not tuple: ('acme', 'p', 'events', "),
        ([[rk.RecordBatch.from_tuples(samples=[("acme", "p", "events", T0, 1)])]], "bag.flatten()"),
        ([[rk.Inventory("2026-03-10T00:00:00Z", [])]], "inventories=[...]"),
    ],
)
def test_what_is_no_record_in_a_partition_is_named(
    cluster_client: Any, parts: list[list[Any]], says: str
) -> None:
    for shuffle in (True, False):
        with pytest.raises(rk.RatekitTypeError) as raised:
            rate_by_account(bag_of(parts), plan(), span=MARCH, meters=METERS, shuffle=shuffle)
        assert says in str(raised.value)


def test_a_loader_that_fails_is_a_ratekit_error_with_its_cause(cluster_client: Any) -> None:
    def load() -> list[Any]:
        raise OSError("s3 object events-2026-03.parquet is gone")

    for shuffle in (True, False):
        with pytest.raises(rk.RatekitTypeError, match="records could not be read") as raised:
            rate_by_account(
                db.from_delayed([dask.delayed(load)()]),
                plan(),
                span=MARCH,
                meters=METERS,
                shuffle=shuffle,
            )
        assert "events-2026-03.parquet" in str(raised.value)


def test_an_upgrade_mid_cycle_streamed_batched_and_scaled_out(cluster_client: Any) -> None:
    """acct-1 moves to the pro plan at 2026-03-12T06:00Z: rater, rate and the cluster agree."""
    rows = clicks(200, accounts=3)
    pro = plan("pro", "0.0001")
    upgrade = rk.Assignment("acct-1", pro, start="2026-03-12T06:00:00Z")
    final = [
        rk.Assignment("acct-0", plan()),
        rk.Assignment("acct-1", plan(), end="2026-03-12T06:00:00Z"),
        upgrade,
        rk.Assignment("acct-2", plan()),
    ]
    one = rk.rate(rk.RecordBatch.from_tuples(samples=rows), final, span=MARCH, meters=METERS)
    invoices = rk.bill(one)
    in_order = sorted(rows, key=lambda row: row[3])
    cut = next(
        i for i, row in enumerate(in_order) if row[3] >= 1773295200000000
    )  # 2026-03-12T06:00Z
    rater = rk.Rater(
        [rk.Assignment(f"acct-{k}", plan()) for k in range(3)], METERS, start=MARCH.start
    )
    rater.feed(rk.RecordBatch.from_tuples(samples=in_order[:cut]))
    rater.statement(as_of="2026-03-12T06:00:00Z")
    held = rater.assign(upgrade)
    rater = rk.Rater.restore(rater.snapshot(), held, METERS)
    rater.feed(rk.RecordBatch.from_tuples(samples=in_order[cut:]))
    assert rater.statement(as_of=MARCH.end).invoices == invoices
    merged, merged_invoices = rate_by_account(
        db.from_sequence(rows_of(rows), npartitions=2), final, span=MARCH, meters=METERS
    )
    assert_same(merged, one)
    assert merged_invoices == invoices


def rows_of(rows: list[tuple[Any, ...]]) -> list[Any]:
    return list(rk.RecordBatch.from_tuples(samples=rows))


# --- faults --------------------------------------------------------------------------------


def test_tie_message_of_a_distinct_count_does_not_say_the_last_holds() -> None:
    at = "2026-03-02T00:00:00Z"
    readings = [
        rk.Sample("a", "p", "mtu", at, 1, kind="gauge", id="u1"),
        rk.Sample("a", "p", "mtu", at, 2, kind="gauge", id="u2"),
    ]
    usage = rk.meter(readings, [METERS[1]], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total("mtu") == Decimal(2)  # holds: both users count
    # the tie is said (the order of the two is not the records'), and says both count
    [tie] = usage.anomalies
    assert tie.kind == "tie"
    assert "the last holds" not in tie.message
    assert "UniqueCount counts each" in tie.message
