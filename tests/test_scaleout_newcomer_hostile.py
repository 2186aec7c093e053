"""Hostile input to `ratekit.scaleout`: every refusal is a `RatekitError` naming what is wrong.

Mixed elements in a bag, a `build` that raises, non-string accounts, NaN in a frame's
quantity column, Dask's `dataframe.convert-string`, partition counts out of range,
values that will not pickle, and what pickling the values costs. Threaded scheduler,
except where the test says otherwise.
"""

from __future__ import annotations

import decimal
import itertools
import pickle
import threading

import pytest

import ratekit as rk

dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

from ratekit.scaleout import MAX_PARTITIONS, bill_by_account, partition_of, rate_by_account  # noqa: E402
from test_scaleout_newcomer import (  # noqa: E402
    MARCH,
    METERS,
    PLAN,
    START_US,
    assert_same,
    assert_same_bills,
    at,
    fleet,
)

FUNCTIONS = (rate_by_account, bill_by_account)


@pytest.fixture(autouse=True)
def threads():
    with dask.config.set(scheduler="threads"):
        yield


def build_any(element):
    """A newcomer's build: a record as it is, a tuple by position, a dict by key."""
    if isinstance(element, (rk.Event, rk.Sample)):
        return element
    if isinstance(element, tuple):
        account, resource, hour, kind, flavor, rid = element
        attributes = {"flavor": flavor} if flavor else None
        return rk.Event(account, resource, at(hour), attributes, kind=kind, id=rid)
    return rk.Sample(element["account"], element["resource"], "egress", at(element["hour"]),
                     element["gb"], id=element["id"])  # fmt: skip


MIXED = [
    rk.Event("acme", "vm-1", at(1), {"flavor": "small"}, kind="start", id="e1"),
    ("acme", "vm-1", 25, "stop", None, "e2"),
    {"account": "wayne", "resource": "vm-2", "hour": 30, "gb": "150.5", "id": "s1"},
    ("wayne", "vm-2", 2, "start", "large", "e3"),
    rk.Sample("wayne", "vm-2", "egress", at(40), 1000, id="s2"),
]


def test_a_bag_of_mixed_kinds_with_a_build_for_each_is_one_process():
    # acme: 24 h small before 15 March x 0.020 = 0.48, with the fee 10.48.
    # wayne: vm-2 large from hour 2 to the end, 743 - 2 = 741 h: 335 h x 0.080 = 26.80
    # before 15 March (hour 337), 406 h x 0.072 = 29.232 -> 29.23 after; egress
    # 1150.5 GB: 900 x 0.09 + 150.5 x 0.05 = 81 + 7.525 = 88.525 -> 88.52 (half-even);
    # with the fee 10.00: 154.55.
    one = rk.rate([build_any(element) for element in MIXED], PLAN, span=MARCH, meters=METERS)
    assert [invoice.total for invoice in rk.bill(one)] == [
        decimal.Decimal("10.48"),
        decimal.Decimal("154.55"),
    ]
    bag = db.from_sequence(MIXED, npartitions=3)
    assert_same(rate_by_account(bag, PLAN, span=MARCH, meters=METERS, build=build_any), one)
    assert_same_bills(bill_by_account(bag, PLAN, span=MARCH, meters=METERS, build=build_any), one)


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_bag_of_mixed_kinds_without_build_names_the_element(function, shuffle):
    with pytest.raises(rk.RatekitTypeError) as raised:
        function(
            db.from_sequence(MIXED, npartitions=1), PLAN, span=MARCH, meters=METERS, shuffle=shuffle
        )
    message = str(raised.value)
    assert message.startswith(f"{function.__name__} records must be Event or Sample values, not ")
    assert "('acme', 'vm-1', 25, 'stop', None, 'e2')" in message or "{'account': 'wayne'" in message
    assert "give build=" in message


def test_a_build_that_raises_names_the_element_and_chains_its_error():
    def strict(element):
        return rk.Event(
            element[0], element[1], at(element[2]), kind=element[3], id=element[5]
        )  # an Event is no tuple

    with pytest.raises(rk.RatekitTypeError) as raised:
        rate_by_account(
            db.from_sequence(MIXED[:2], npartitions=1),
            PLAN,
            span=MARCH,
            meters=METERS,
            build=strict,
        )
    assert str(raised.value).startswith("rate_by_account build raised TypeError: 'Event' object is not subscriptable "
                                        "for the element Event('acme', 'vm-1', ")  # fmt: skip
    assert isinstance(raised.value.__cause__, TypeError)


@pytest.mark.parametrize("returned", [None, 5, ("acme", "vm-1")])
def test_a_build_that_returns_no_record_is_named(returned):
    with pytest.raises(
        rk.RatekitTypeError, match=r"build returned .* for the element .*build must return an Event"
    ):
        rate_by_account(db.from_sequence(MIXED, npartitions=2), PLAN, span=MARCH, meters=METERS,
                        build=lambda element: returned)  # fmt: skip


@pytest.mark.parametrize("account", [123, None, b"acme", "", "vm-\udc80", 1.5])
def test_a_non_string_account_is_named_with_its_record_and_field(account):
    bag = db.from_sequence([(account, "vm-1", 3, "start", "small", "e-odd")], npartitions=1)
    with pytest.raises(rk.RatekitTypeError) as raised:
        rate_by_account(bag, PLAN, span=MARCH, meters=METERS, build=build_any)
    assert str(raised.value).startswith("event 'e-odd' account ")


@pytest.mark.parametrize("account", [123, None, b"acme", "", "vm-\udc80"])
def test_partition_of_refuses_what_is_no_account_name(account):
    with pytest.raises(rk.RatekitTypeError, match=r"^partition_of account "):
        partition_of(account, 2)


def sample_frame(value):
    return pd.DataFrame({
        "account": ["acme", "acme", "wayne"],
        "resource": ["vm-1", "vm-1", "vm-2"],
        "at_us": [START_US + 3_600_000_000, START_US + 7_200_000_000, START_US],
        "gb": [150.0, value, 20.0],
        "id": ["s1", "s2", "s3"],
    })  # fmt: skip


def build_sample(row):
    account, resource, at_us, gb, rid = row
    return rk.Sample(
        account, resource, "egress", at((at_us - START_US) // 3_600_000_000), gb, id=rid
    )


def build_lean_sample(row):
    account, resource, at_us, gb, rid = row
    return rk.RecordBatch.from_tuples(
        samples=[(account, resource, "egress", at_us, gb, "delta", rid)]
    ).samples[0]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_nan_in_a_quantity_column_names_the_sample_and_its_value(function):
    frame = dd.from_pandas(sample_frame(float("nan")), npartitions=2)
    with pytest.raises(
        rk.BadQuantityError, match=r"^sample 's2' value must be a finite number, not nan\."
    ):
        function(frame, PLAN, span=MARCH, meters=METERS, build=build_sample)
    with pytest.raises(
        rk.BadQuantityError, match=r"^samples\[0\] \(id 's2'\): value .*frame\.dropna"
    ):
        function(frame, PLAN, span=MARCH, meters=METERS, build=build_lean_sample)


def test_a_frame_of_floats_without_nan_is_one_process():
    # acme: 150.0 + 2.5 = 152.5 GB, 100 free and 52.5 x 0.09 = 4.725 -> 4.72 (half-even);
    # with the fee 14.72. wayne: 20 GB, free; the fee 10.00.
    pandas_frame = sample_frame(2.5)
    records = [build_sample(row) for row in pandas_frame.itertuples(index=False)]
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    assert [invoice.total for invoice in rk.bill(one)] == [
        decimal.Decimal("14.72"),
        decimal.Decimal("10.00"),
    ]
    frame = dd.from_pandas(pandas_frame, npartitions=2)
    assert_same(rate_by_account(frame, PLAN, span=MARCH, meters=METERS, build=build_sample), one)
    assert_same(
        rate_by_account(frame, PLAN, span=MARCH, meters=METERS, build=build_lean_sample), one
    )


EVENTS = pd.DataFrame({
    "account": ["acme", "acme", "wayne"],
    "resource": ["vm-1", "vm-1", "vm-2"],
    "at_us": [START_US, START_US + 5 * 3_600_000_000, START_US],
    "kind": ["start", "stop", "start"],
    "attributes": [{"flavor": "small"}, None, {"flavor": "large"}],
    "id": ["e1", "e2", "e3"],
})  # fmt: skip


def build_event(row):
    account, resource, at_us, kind, attributes, rid = row
    return rk.RecordBatch.from_tuples(
        events=[(account, resource, at_us, kind, attributes, rid)]
    ).events[0]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_convert_string_turns_attribute_mappings_into_text_which_is_named(function):
    frame = dd.from_pandas(EVENTS, npartitions=1)  # Dask's default: object columns become text
    with pytest.raises(rk.RatekitTypeError) as raised:
        function(frame, PLAN, span=MARCH, meters=METERS, build=build_event)
    assert str(raised.value) == (
        "events[0] (id 'e1'): attributes must be a mapping of names to values, not str: \"{'flavor': 'small'}\"."
    )


def test_convert_string_off_keeps_the_mappings_and_is_one_process():
    # acme: 5 h small x 0.020 = 0.10, with the fee 10.10; wayne: 743 h large, 337 x
    # 0.080 = 26.96 and 406 x 0.072 = 29.232 -> 29.23, with the fee 66.19.
    with dask.config.set({"dataframe.convert-string": False}):
        frame = dd.from_pandas(EVENTS, npartitions=2)
    records = [build_event(row) for row in EVENTS.itertuples(index=False)]
    one = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    assert [invoice.total for invoice in rk.bill(one)] == [
        decimal.Decimal("10.10"),
        decimal.Decimal("66.19"),
    ]
    assert_same(rate_by_account(frame, PLAN, span=MARCH, meters=METERS, build=build_event), one)
    with pytest.raises(
        rk.RatekitTypeError, match=r"^rate_by_account: a dask DataFrame of records needs build="
    ):
        rate_by_account(frame, PLAN, span=MARCH, meters=METERS)


@pytest.mark.parametrize("partitions", [0, -1, MAX_PARTITIONS + 1, 10**9, True, 2.0, "2"])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_partition_counts_out_of_range_name_the_function(function, partitions):
    bag = db.from_sequence(MIXED[:1], npartitions=1)
    with pytest.raises(
        rk.RatekitTypeError,
        match=rf"^{function.__name__} partitions must be an int from 1 to 4,096",
    ):
        function(bag, PLAN, span=MARCH, meters=METERS, partitions=partitions)
    with pytest.raises(
        rk.RatekitTypeError, match=r"^partition_of partitions must be an int from 1 to 4,096"
    ):
        partition_of("acme", partitions)


def test_a_bag_of_no_partitions_or_no_records_is_one_process():
    one = rk.rate([], PLAN, span=MARCH, meters=METERS, accounts=["quiet"])  # the fee, 10.00
    for bag in (db.from_delayed([]), db.from_sequence([], npartitions=1)):
        assert_same(rate_by_account(bag, PLAN, span=MARCH, meters=METERS, accounts=["quiet"]), one)
        assert_same_bills(
            bill_by_account(bag, PLAN, span=MARCH, meters=METERS, accounts=["quiet"]), one
        )


class Unpicklable(str):
    """A name that refuses to pickle."""

    def __reduce__(self):
        raise TypeError("Unpicklable refuses to pickle")


def test_attributes_that_would_not_pickle_are_plain_values_in_the_record():
    name = Unpicklable("small")
    with pytest.raises(TypeError):
        pickle.dumps(name)
    event = rk.Event("acme", Unpicklable("vm-1"), at(1), {"flavor": name, "tags": [name], "nested": {"k": name}},
                     kind="start", id=Unpicklable("e1"))  # fmt: skip
    lean = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", START_US, "start", {"flavor": name}, name)]
    ).events[0]
    for record in (event, lean):
        assert pickle.loads(pickle.dumps(record)) == record
        assert type(record.attributes["flavor"]) is str
    assert type(event.resource) is str
    assert type(event.id) is str


def test_plans_meters_records_and_results_pickle_back_equal_and_small():
    records = fleet(11)
    rating = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    invoices = rk.bill(rating)
    batch = rk.RecordBatch.from_tuples(
        events=[
            (r.account, r.resource, r.at_us, r.kind, r.attributes, r.id)
            for r in records
            if isinstance(r, rk.Event)
        ]
    )
    inventory = rk.Inventory("2026-03-10T00:00:00Z", [("acme", "vm-1", {"flavor": "small"})],
                             accounts=["acme"], where={"flavor": rk.OneOf(["small", "large"])}, id="i1")  # fmt: skip
    for value in (PLAN, METERS, records, rating, invoices, rating.charges, rating.rows, inventory,
                  rk.Assignment("acme", PLAN, start="2026-03-05T00:00:00Z")):  # fmt: skip
        assert pickle.loads(pickle.dumps(value)) == value
    assert list(pickle.loads(pickle.dumps(batch))) == list(batch)
    # "an event pickles in a few hundred bytes"; the plan of six entries in a few KB.
    assert all(len(pickle.dumps(record)) < 400 for record in records)
    assert len(pickle.dumps(PLAN)) < 4000
    back = pickle.loads(pickle.dumps(PLAN))
    assert rk.bill(rk.rate(records, back, span=MARCH, meters=METERS)) == invoices


def test_a_price_model_holding_a_lock_is_named_before_any_part_runs():
    class Locked:
        linear = True

        def __init__(self):
            self.lock = threading.Lock()

        def amount(self, quantity):
            return quantity

        def explain(self, quantity):
            return ()

        def marginal(self, quantity, added):
            return added

    plan = rk.Plan("odd", "EUR", PLAN.cycle, [rk.PriceEntry("vm", "vm.hours", Locked())])
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^rate_by_account plan 'odd' entry 'vm': its price .* does not pickle",
    ):
        rate_by_account(db.from_sequence(MIXED[:1], npartitions=1), plan, span=MARCH, meters=METERS)


def test_an_error_of_a_part_names_the_parts_accounts_and_its_own_index():
    records = [
        *fleet(12, ("acme", "globex")),
        rk.Sample("globex", "vm-1", "cpu", at(3), 5, id="cpu-1"),
    ]
    with pytest.raises(rk.UnknownMeterError) as one:
        rk.rate(records, PLAN, span=MARCH, meters=METERS)
    assert "sample 'cpu-1' meter 'cpu' is not one of the meters given" in str(one.value)
    with pytest.raises(rk.UnknownMeterError) as raised:
        rate_by_account(
            db.from_sequence(records, npartitions=2), PLAN, span=MARCH, meters=METERS, partitions=1
        )
    assert str(raised.value).startswith(
        "rate_by_account: the part rating accounts 'acme', 'globex' (an index records[i] counts that part's own "
        "records, in the order it got them): records["
    )
    assert "sample 'cpu-1' meter 'cpu' is not one of the meters given: 'egress', 'vm.hours'" in str(
        raised.value
    )


def test_an_id_shared_by_two_accounts_in_two_parts_is_a_conflict():
    twins = [rk.Event("acme", "vm-9", at(2), {"flavor": "small"}, kind="start", id="dup"),
             rk.Event("wayne", "vm-9", at(2), {"flavor": "small"}, kind="start", id="dup")]  # fmt: skip
    assert partition_of("acme", 2) != partition_of("wayne", 2)
    for function in FUNCTIONS:
        with pytest.raises(rk.ConflictingRecordError, match=r"^two records share the id 'dup' but differ: one of "
                                                            r"account '(acme|wayne)' and one of account"):  # fmt: skip
            function(db.from_sequence(twins, npartitions=2), PLAN, span=MARCH, meters=METERS)


def raise_key_error(element):
    raise KeyError("flavor")


def test_a_build_error_is_chained_under_the_processes_scheduler():
    bag = db.from_sequence([("acme", 1)], npartitions=1)
    with (
        dask.config.set(scheduler="processes", num_workers=1),
        pytest.raises(
            rk.RatekitTypeError, match=r"^rate_by_account build raised KeyError: 'flavor'"
        ) as raised,
    ):
        rate_by_account(bag, PLAN, span=MARCH, meters=METERS, build=raise_key_error)
    assert isinstance(raised.value.__cause__, KeyError)


# Three inventories without an id, stamped at one instant: x1 and x2 list the same of
# acme's vm-1 and differ only in wayne's vm-2, x3 lists acme's vm-1 as large. One
# process gives one result in all six orders (at one instant a resource listed by any
# inventory is present, and listings apply in an order of their own).
X1 = rk.Inventory("2026-03-10T00:00:00Z", [("acme", "vm-1", {"flavor": "small"})])
X2 = rk.Inventory(
    "2026-03-10T00:00:00Z",
    [("acme", "vm-1", {"flavor": "small"}), ("wayne", "vm-2", {"flavor": "small"})],
)
X3 = rk.Inventory("2026-03-10T00:00:00Z", [("acme", "vm-1", {"flavor": "large"})])
STARTS = [rk.Event("acme", "vm-1", at(1), {"flavor": "small"}, kind="start", id="a1"),
          rk.Event("wayne", "vm-2", at(1), {"flavor": "small"}, kind="start", id="w1")]  # fmt: skip


def test_three_inventories_without_ids_give_one_process_one_result_in_any_order():
    results = {repr(rk.rate([*STARTS, *order], PLAN, span=MARCH, meters=METERS))
               for order in itertools.permutations([X1, X2, X3])}  # fmt: skip
    assert len(results) == 1
    # Two of the six orders go through the scale-out, with one process's result.
    for order in ([X2, X1, X3], [X3, X1, X2]):
        one = rk.rate([*STARTS, *order], PLAN, span=MARCH, meters=METERS)
        got = rate_by_account(
            db.from_sequence(STARTS, npartitions=2),
            PLAN,
            span=MARCH,
            meters=METERS,
            inventories=order,
        )
        assert_same(got, one)


@pytest.mark.xfail(
    strict=True,
    reason="a documented limit (docs/performance.md, the one case refused): id-less inventories "
    "equal for a part with another between them are refused, though one process applies "
    "listings of one instant in an order of its own (every order given rates alike) and "
    "[x2, x1, x3] is rated exactly",
)
def test_three_inventories_without_ids_at_one_instant_are_rated_in_any_order():
    for order in itertools.permutations([X1, X2, X3]):
        one = rk.rate([*STARTS, *order], PLAN, span=MARCH, meters=METERS)
        got = rate_by_account(db.from_sequence(STARTS, npartitions=2), PLAN, span=MARCH, meters=METERS,
                              inventories=list(order))  # fmt: skip
        assert_same(got, one)


def lost_disk():
    raise ValueError("disk gone")


def test_records_that_cannot_be_read_are_named_in_one_process():
    # What the scale-out is held to: one process names a feed that raises while read.
    def feed():
        yield MIXED[0]
        raise ValueError("disk gone")

    with pytest.raises(rk.RatekitTypeError, match=r"^rate records could not be read: its generator raised ValueError: "
                                                  r"disk gone; ") as raised:  # fmt: skip
        rk.rate(feed(), PLAN, span=MARCH, meters=METERS)
    assert isinstance(raised.value.__cause__, ValueError)


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_partition_that_raises_while_read_is_a_ratekit_error(function, shuffle):
    bag = db.from_delayed([dask.delayed(list)(MIXED[:1]), dask.delayed(lost_disk)()])
    with pytest.raises(
        rk.RatekitError, match=rf"^{function.__name__} .*ValueError: disk gone"
    ) as raised:
        function(bag, PLAN, span=MARCH, meters=METERS, shuffle=shuffle)
    assert isinstance(raised.value.__cause__, ValueError)


def test_a_record_batch_tells_its_size_to_dask():
    # "a part of 250,000 samples: 64 MB, not 48 B": a batch weighs what its records hold.
    sizeof = pytest.importorskip("dask.sizeof").sizeof
    samples = [("acme", f"vm-{i % 50}", "egress", START_US + i, i) for i in range(20_000)]
    batch = rk.RecordBatch.from_tuples(samples=samples)
    assert sizeof(batch) >= 100 * len(samples)


def test_the_refusal_of_idless_inventories_names_the_accounts_they_list_alike_for():
    with pytest.raises(rk.BadRecordError) as raised:
        rate_by_account(
            db.from_sequence(STARTS, npartitions=2),
            PLAN,
            span=MARCH,
            meters=METERS,
            inventories=[X1, X2, X3],
        )
    assert "'wayne'" in str(raised.value)
