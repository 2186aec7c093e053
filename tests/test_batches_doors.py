"""The lean input path's doors: mappings read when their record is, ints in range, subclasses.

A batch reads each record's attributes when it reads the record (a feed may reuse one
dict), checks every int as the friendly constructors do (a ``seq`` within 64 bits),
takes what they take (``str`` and ``int`` subclasses, numpy strings and floats) and
names a bad record by the list given and its index there (``samples[3]``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from enum import IntEnum
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit._instants import from_us

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
T0 = MARCH.start_us
HOUR = 3_600_000_000
METERS = [
    rk.Meter("runtime", "hour", rk.OnOff()),
    rk.Meter("memory", "GiB*hour", rk.Continuous("memory_gib")),
]
PLAN = rk.Plan(
    "fleet",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [
        rk.PriceEntry("small", "runtime", rk.PerUnit("0.02"), where={"flavor": "m1.small"}),
        rk.PriceEntry("large", "runtime", rk.PerUnit("0.08"), where={"flavor": "m1.large"}),
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.0025")),
    ],
)
FLAVORS = [("vm-1", "m1.small", 2), ("vm-2", "m1.large", 8)]


def _reusing_feed() -> Iterator[tuple[object, ...]]:
    """A feed that reuses one dict for every start it yields (and yields stops after)."""
    attributes: dict[str, object] = {}
    for vm, flavor, gib in FLAVORS:
        attributes["flavor"] = flavor
        attributes["memory_gib"] = gib
        yield ("acme", vm, T0, "start", attributes)
    for vm, _, _ in FLAVORS:
        yield ("acme", vm, T0 + 2 * HOUR, "stop", None)


# -- 1. a mapping is read when its record is read ---------------------------------------------


def test_a_reused_dict_prices_each_record_as_it_was_when_its_tuple_was_read() -> None:
    batch = rk.RecordBatch.from_tuples(events=_reusing_feed())
    assert [dict(event.attributes) for event in batch.events[:2]] == [
        {"flavor": "m1.small", "memory_gib": 2},
        {"flavor": "m1.large", "memory_gib": 8},
    ]
    rated = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    # vm-1: 2 h small at 0.02 = 0.04, 2 GiB x 2 h = 4 GiB-h; vm-2: 2 h large at 0.08 = 0.16,
    # 8 GiB x 2 h = 16 GiB-h; memory 20 GiB-h at 0.0025 = 0.05; total 0.25 (both read as
    # 'large', the last contents, it was 0.16 + 0.16 + 32 x 0.0025 = 0.40)
    assert sum(charge.amount for charge in rated.charges) == Decimal("0.25")
    friendly = [
        rk.Event("acme", vm, from_us(T0), {"flavor": flavor, "memory_gib": gib}, kind="start")
        for vm, flavor, gib in FLAVORS
    ] + [rk.Event("acme", vm, from_us(T0 + 2 * HOUR), kind="stop") for vm, _, _ in FLAVORS]
    assert list(batch) == friendly


def test_a_list_is_read_at_the_call_and_later_changes_do_not_reach_the_batch() -> None:
    attributes: dict[str, object] = {"flavor": "m1.small", "tags": ["a"]}
    batch = rk.RecordBatch.from_tuples([("acme", "vm-1", T0, "start", attributes)])
    attributes["flavor"] = "m1.large"
    typing_tags = attributes["tags"]
    assert isinstance(typing_tags, list)
    typing_tags.append("b")
    assert batch[0].attributes == {"flavor": "m1.small", "tags": ["a"]}


def test_nested_values_and_other_mappings_are_read_when_their_record_is() -> None:
    tags: list[object] = []
    backing: dict[str, object] = {}

    def feed() -> Iterator[tuple[object, ...]]:
        for number in range(3):
            tags.append(number)
            backing["n"] = number
            yield ("acme", "vm-1", T0 + number, "update", {"tags": tags})
            yield ("acme", "vm-2", T0 + number, "update", MappingProxyType(backing))

    batch = rk.RecordBatch.from_tuples(feed())
    assert [event.attributes for event in batch.events[0::2]] == [
        {"tags": [0]},
        {"tags": [0, 1]},
        {"tags": [0, 1, 2]},
    ]
    assert [event.attributes for event in batch.events[1::2]] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_a_generator_column_of_attributes_is_read_value_by_value() -> None:
    def flavors() -> Iterator[dict[str, object]]:
        attributes: dict[str, object] = {}
        for _, flavor, _ in FLAVORS:
            attributes["flavor"] = flavor
            yield attributes

    batch = rk.RecordBatch.from_columns(
        events={
            "attributes": flavors(),
            "account": ["acme", "acme"],
            "resource": ["vm-1", "vm-2"],
            "at_us": [T0, T0],
            "id": ["e1", "e2"],
        }
    )
    assert [event.attributes["flavor"] for event in batch] == ["m1.small", "m1.large"]
    assert [event.id for event in batch] == ["e1", "e2"]


def test_equal_plain_dicts_share_one_description_and_exact_types_are_kept() -> None:
    attributes: dict[str, object] = {}

    def feed() -> Iterator[tuple[object, ...]]:
        for flavor in ("m1.small", "m1.large", "m1.small"):
            attributes["flavor"] = flavor
            yield ("acme", "vm-1", T0, "update", attributes)
        yield ("acme", "vm-2", T0, "update", {"flavor": "m1.small"})  # another, equal dict
        for value in (1, True, 1.0, Decimal("1.0"), 0, False):
            yield ("acme", "vm-3", T0, "update", {"gpu": value})

    batch = rk.RecordBatch.from_tuples(feed())
    small, large, small_again, other = batch[:4]
    assert small.attributes is small_again.attributes is other.attributes
    assert large.attributes == {"flavor": "m1.large"}
    # 1 == True == 1.0 == Decimal("1.0"), yet each record keeps what rk.Event keeps
    assert [repr(event.attributes["gpu"]) for event in batch[4:]] == [
        "1",
        "True",
        "Decimal('1.0')",
        "Decimal('1.0')",
        "0",
        "False",
    ]


_KEYS = st.sampled_from(["flavor", "gpu", "size"])
_VALUES = st.sampled_from(
    [None, 0, 1, True, False, 1.0, -0.0, 0.0, Decimal(1), Decimal("1.0"), "m1.small", ""]
)


@settings(max_examples=max(LAWS // 4, FLOOR))
@given(steps=st.lists(st.lists(st.tuples(_KEYS, _VALUES | st.none()), max_size=3), max_size=12))
def test_a_reused_dict_gives_what_rk_event_copies_at_the_door(
    steps: list[list[tuple[str, object]]],
) -> None:
    # The oracle: rk.Event reads the mapping when it is made. Each step changes the one
    # reused dict (a None value deletes the key) then yields it.
    made: list[rk.Event] = []

    def feed() -> Iterator[tuple[object, ...]]:
        attributes: dict[str, object] = {}
        for index, changes in enumerate(steps):
            for key, value in changes:
                if value is None:
                    attributes.pop(key, None)
                else:
                    attributes[key] = value
            made.append(rk.Event("acme", "vm-1", from_us(T0 + index), attributes))
            yield ("acme", "vm-1", T0 + index, "update", attributes)

    batch = rk.RecordBatch.from_tuples(feed())
    assert list(batch) == made
    # equality says 1 == True: the reprs tell them apart
    assert [repr(event) for event in batch] == [repr(event) for event in made]


# -- 2. ints in range: seq within 64 bits, as rk.Event ----------------------------------------


@pytest.mark.parametrize("seq", [2**63, -(2**63) - 1, 10**40])
def test_a_seq_outside_64_bits_is_refused_like_rk_event(seq: int) -> None:
    with pytest.raises(rk.BadRecordError) as friendly:
        rk.Event("acme", "vm-1", from_us(T0), seq=seq)
    assert "give an int from -9223372036854775808 to 9223372036854775807" in str(friendly.value)
    with pytest.raises(rk.BadRecordError) as raised:
        rk.RecordBatch.from_tuples(
            [
                ("acme", "vm-1", T0, "start", None, "e1", 1),
                ("acme", "vm-1", T0, "stop", None, "e2", seq),
            ]
        )
    assert str(raised.value) == (
        f"events[1] (id 'e2'): seq is int {seq}; give an int from -9223372036854775808 to "
        "9223372036854775807."
    )
    with pytest.raises(rk.BadRecordError) as raised:
        rk.RecordBatch.from_columns(
            samples={
                "account": ["acme"],
                "resource": ["ip-1"],
                "meter": ["egress"],
                "at_us": [T0],
                "value": [5],
                "seq": [seq],
            }
        )
    assert str(raised.value).startswith(f"samples[0]: seq is int {seq}; give an int from")


def test_the_64_bit_bounds_are_accepted_and_a_rater_restores_them() -> None:
    low, high = -(2**63), 2**63 - 1
    batch = rk.RecordBatch.from_tuples(
        [
            ("acme", "vm-1", T0, "start", {"flavor": "m1.small"}, "e1", low),
            ("acme", "vm-1", T0 + HOUR, "stop", None, "e2", high),
        ],
        [("acme", "ip-1", "egress", T0, 5, "delta", "s1", high)],
    )
    assert [record.seq for record in batch] == [low, high, high]
    batch = rk.RecordBatch(batch.events)
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    rater.feed(batch)
    snapshot = json.loads(json.dumps(rater.snapshot()))
    restored = rk.Rater.restore(snapshot, PLAN, METERS)
    assert restored.snapshot() == rater.snapshot()


# -- 3. what the friendly constructors take, the batch takes ---------------------------------


class _Name(str):
    __slots__ = ()


class _Number(IntEnum):
    SEVEN = 7
    INSTANT = T0


def test_str_and_int_subclasses_become_plain_values() -> None:
    batch = rk.RecordBatch.from_tuples(
        [
            (
                _Name("acme"),
                _Name("vm-1"),
                _Number.INSTANT,
                _Name("start"),
                None,
                _Name("e1"),
                _Number.SEVEN,
            )
        ],
        [
            (
                _Name("acme"),
                _Name("ip-1"),
                _Name("egress"),
                T0,
                _Number.SEVEN,
                _Name("gauge"),
                None,
                _Number.SEVEN,
            )
        ],
    )
    event, sample = batch
    assert event == rk.Event("acme", "vm-1", from_us(T0), kind="start", id="e1", seq=7)
    assert sample == rk.Sample("acme", "ip-1", "egress", from_us(T0), 7, kind="gauge", seq=7)
    for value in (event.account, event.resource, event.kind, event.id, sample.meter, sample.kind):
        assert type(value) is str
    for number in (event.at_us, event.seq, sample.seq):
        assert type(number) is int
    assert type(sample.value) is Decimal


@pytest.mark.parametrize(
    ("row", "error", "message"),
    [
        (
            ("acme", "vm-1", T0, "start", None, "e1", 1.0),
            rk.RatekitTypeError,
            (
                "events[0] (id 'e1'): seq is float 1.0; a seq is an int or None. A pandas int "
                "column with gaps holds floats: turn its missing values into None, as "
                "series.astype(object).where(series.notna(), None).tolist() does, and its floats "
                "into ints (see the Usage page)."
            ),
        ),
        (
            ("acme", "vm-1", T0, "start", None, float("nan"), None),
            rk.RatekitTypeError,
            (
                "events[0]: id is float nan; an id is a non-empty string or None. A missing value "
                "(pandas' NaN, NA or NaT) is None here: give the column as "
                "series.astype(object).where(series.notna(), None).tolist(), or a frame's columns "
                'as frame.astype(object).where(frame.notna(), None).to_dict("list") (see the '
                "Usage page)."
            ),
        ),
        (
            ("acme", "vm-1", T0, "start", None, _Name(""), None),
            rk.RatekitTypeError,
            "events[0]: id is _Name ''; an id is a non-empty string or None.",
        ),
        (
            ("acme", _Name(""), T0, "start", None, None, None),
            rk.RatekitTypeError,
            "events[0]: resource is _Name ''; it must be a non-empty string.",
        ),
        (
            ("acme", "vm-1", True, "start", None, None, None),
            rk.RatekitTypeError,
            "events[0]: at_us is bool True; an instant of a batch is an int of microseconds",
        ),
        (
            ("acme", "vm-1", T0, _Name("halt"), None, None, None),
            rk.BadRecordError,
            (
                "events[0]: kind is _Name 'halt'; it must be one of 'start', 'update', 'stop', "
                "'delete'."
            ),
        ),
    ],
)
def test_what_the_friendly_constructors_refuse_is_refused(
    row: tuple[object, ...], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        rk.RecordBatch.from_tuples([row])
    assert str(raised.value).startswith(message)


def test_numpy_columns_are_read_as_the_friendly_constructors_read_numpy_values() -> None:
    np = pytest.importorskip("numpy")
    batch = rk.RecordBatch.from_columns(
        events={
            "account": np.array(["acme", "acme"]),
            "resource": np.array(["vm-1", "vm-2"]),
            "at_us": np.array([T0, T0 + HOUR]).tolist(),
            "kind": np.array(["start", "stop"]),
        },
        samples={
            "account": np.array(["acme"]),
            "resource": np.array(["ip-1"]),
            "meter": np.array(["egress"]),
            "at_us": [T0],
            "value": np.array([0.1]),  # a numpy float is a float: through its shortest repr
        },
    )
    assert list(batch) == [
        rk.Event("acme", "vm-1", from_us(T0), kind="start"),
        rk.Event("acme", "vm-2", from_us(T0 + HOUR), kind="stop"),
        rk.Sample("acme", "ip-1", "egress", from_us(T0), np.float64(0.1)),
    ]
    assert batch[2].value == Decimal("0.1")
    assert type(batch[0].account) is str
    # numpy's ints are refused, as rk.Sample refuses them, saying how to give Python ints
    with pytest.raises(rk.RatekitTypeError):
        rk.Sample("acme", "ip-1", "egress", from_us(T0), np.int64(5))
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(
            samples={
                "account": ["acme"],
                "resource": ["ip-1"],
                "meter": ["egress"],
                "at_us": [T0],
                "value": np.array([5]),
            }
        )
    assert str(raised.value) == (
        "samples[0]: value is int64 np.int64(5); a value is a number (an int, a Decimal, a str "
        "or a float). A numpy array holds numpy scalars, refused where rk.Event and rk.Sample "
        "refuse them: give the column as array.tolist(), which holds Python values (a pandas "
        "Series with missing values: every record has its value, so first leave out the "
        "records without one (frame.dropna(subset=['value'])))."
    )
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(
            events={"account": ["acme"], "resource": ["vm-1"], "at_us": np.array([T0])}
        )
    assert str(raised.value).startswith(
        f"events[0]: at_us is int64 np.int64({T0}); an instant of a batch is an int"
    )


def test_a_pandas_frame_gives_its_columns_once_nan_is_none_and_seq_an_int() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(
        io.StringIO(
            "account,resource,at_us,kind,id,seq\n"
            "acme,vm-1,1772323200000000,start,e1,1\n"
            "acme,vm-1,1772330400000000,stop,,\n"
        )
    )
    # the first bad record is named: events[0], whose seq the gap made a float
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(events=frame.to_dict("list"))
    assert str(raised.value).startswith(
        "events[0] (id 'e1'): seq is float 1.0; a seq is an int or None. A pandas int "
        "column with gaps holds floats"
    )
    # without the seq column, events[1]'s missing id
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(events=frame.drop(columns="seq").to_dict("list"))
    assert str(raised.value).startswith(
        "events[1]: id is float nan; an id is a non-empty string or None. A missing value "
        "(pandas' NaN, NA or NaT) is None here"
    )
    # the recipe of the Usage page
    columns = frame.astype(object).where(frame.notna(), None).to_dict("list")
    columns["seq"] = [None if seq is None else int(seq) for seq in columns["seq"]]
    batch = rk.RecordBatch.from_columns(events=columns)
    assert list(batch) == [
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1", seq=1),
        rk.Event("acme", "vm-1", "2026-03-01T02:00:00Z", kind="stop"),
    ]


# -- 4. a record is named by the list given and its index there -------------------------------


def test_a_bad_sample_after_ten_events_is_named_in_its_own_list() -> None:
    events = [("acme", f"vm-{i}", T0, "start", None) for i in range(10)]
    samples = [("acme", "ip-1", "egress", T0, 1, "delta", f"s{i}") for i in range(3)]
    samples.append(("acme", "ip-1", "egress", T0, "zz", "delta", "s3"))
    with pytest.raises(rk.BadQuantityError) as raised:
        rk.RecordBatch.from_tuples(events, samples)
    # samples[3] is batch[13]: the message names the list given, with the colon of the others
    assert str(raised.value) == (
        "samples[3] (id 's3'): value 'zz' is not a decimal number; write it like '12.5' or '1e9'."
    )
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_tuples(events, [("acme", "ip-1", "egress", T0, True)])
    assert str(raised.value) == (
        "samples[0]: value is bool True; a value is a number (an int, a Decimal, a str or a float)."
    )
