"""Hostile columns on the lean path: each refusal is a RatekitError naming row and field.

A data engineer feeds a month of fleet usage as plain tuples and columns of integer
epoch microseconds (``RecordBatch.from_tuples`` / ``from_columns``). These tests feed
what real column stores and careless code hand over: bools where ints go, int and str
subclasses (numpy-like scalars, some with odd ``__eq__``/``__hash__``), ints far out of
range, NaN and infinities, floats, ``None`` in required fields, columns of unequal
length, one-shot generators, columns that change while they are read, and attribute
mappings mutated or shared after the batch is built. Nothing but a ``RatekitError`` may
escape, each message names the record (``events[i]``/``samples[i]``) and the field and
says what is accepted, and no message is huge.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import pytest

import ratekit as rk

T0 = 1772323200000000  # 2026-03-01T00:00:00Z
HOUR = 3_600_000_000
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
FIRST = -62135596800000000  # 0001-01-01T00:00:00Z, the first instant (BadTimeError text)
LAST = 253402300799999999  # 9999-12-31T23:59:59.999999Z
MESSAGE_LIMIT = 600  # characters: a message a person reads, never the offending value whole

METERS = [rk.Meter("runtime", "hour", rk.OnOff()), rk.Meter("egress", "B", rk.Discrete())]
PLAN = rk.Plan(
    "fleet",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [
        rk.PriceEntry("runtime", "runtime", rk.PerUnit("0.02")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.001")),
    ],
)


def events(*rows: tuple[Any, ...]) -> rk.RecordBatch:
    return rk.RecordBatch.from_tuples(events=list(rows))


def samples(*rows: tuple[Any, ...]) -> rk.RecordBatch:
    return rk.RecordBatch.from_tuples(samples=list(rows))


def refusal(error_type: type[rk.RatekitError], call: Any) -> str:
    """The message of the RatekitError ``call()`` raises, checked to be short."""
    with pytest.raises(error_type) as caught:
        call()
    message = str(caught.value)
    assert len(message) < MESSAGE_LIMIT, message[:200]
    return message


def amounts(records: Any, span: rk.Span = MARCH) -> list[tuple[str, str, str]]:
    rating = rk.rate(records, PLAN, span=span, meters=METERS, as_of=span.end)
    return [(c.account, c.meter, str(c.amount)) for c in rating.charges]


class FleetInt(int):
    """An int subclass, as a column store's integer scalar may be."""


class Greedy(str):
    """A str subclass equal to everything, hashing to 0."""

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


class Aloof(str):
    """A str subclass equal to nothing, itself included."""

    def __eq__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return str.__hash__(self)


class Liar(float):
    """A float whose repr claims another number."""

    def __repr__(self) -> str:
        return "1000000"

    __str__ = __repr__


# --- bool where an int is expected ----------------------------------------------------


def test_bool_instant_is_refused_naming_the_record_and_what_is_accepted() -> None:
    message = refusal(rk.RatekitTypeError, lambda: events(("acme", "vm-1", True, "start")))
    assert message.startswith("events[0]: at_us is bool True;")
    assert "an int of microseconds since 1970-01-01T00:00:00Z" in message


def test_bool_seq_is_refused_naming_the_record_its_id_and_the_field() -> None:
    message = refusal(
        rk.RatekitTypeError, lambda: events(("acme", "vm-1", T0, "start", None, "e1", False))
    )
    assert message == "events[0] (id 'e1'): seq is bool False; a seq is an int or None."


def test_bool_sample_value_is_refused() -> None:
    message = refusal(
        rk.RatekitTypeError,
        lambda: rk.RecordBatch.from_columns(
            samples={
                "account": ["acme", "acme"],
                "resource": ["ip-1", "ip-1"],
                "meter": ["egress", "egress"],
                "at_us": [T0, T0 + 1],
                "value": [5, True],
            }
        ),
    )
    assert message.startswith("samples[1]: value is bool True;")
    assert "an int, a Decimal, a str or a float" in message


# --- int subclasses (numpy-like ints) -------------------------------------------------


def test_int_subclasses_are_read_as_the_plain_ints_they_are() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", FleetInt(T0), "start", {"cores": FleetInt(4)}, "e1", FleetInt(7))],
        samples=[("acme", "vm-1", "egress", FleetInt(T0 + HOUR), FleetInt(1500))],
    )
    event, sample = batch
    assert type(event.at_us) is int
    assert event.at_us == T0
    assert type(event.seq) is int
    assert event.seq == 7
    assert type(event.attributes["cores"]) is int
    assert sample.value == Decimal(1500)
    assert event == rk.Event(
        "acme", "vm-1", "2026-03-01T00:00:00Z", {"cores": 4}, kind="start", id="e1", seq=7
    )
    assert sample == rk.Sample("acme", "vm-1", "egress", "2026-03-01T01:00:00Z", 1500)


# --- huge ints and instants out of range ---------------------------------------------


@pytest.mark.parametrize("at_us", [10**30, -(10**30), LAST + 1, FIRST - 1])
def test_instants_out_of_range_are_refused_with_the_range(at_us: int) -> None:
    message = refusal(rk.BadTimeError, lambda: events(("acme", "vm-1", at_us, "start")))
    assert message == (
        f"events[0]: at_us is int {at_us}; an instant lies from {FIRST} to {LAST} "
        "microseconds since the epoch."
    )


def test_huge_instant_of_a_sample_names_the_sample() -> None:
    message = refusal(rk.BadTimeError, lambda: samples(("acme", "ip-1", "egress", 10**30, 1)))
    assert message.startswith("samples[0]: at_us is int 1000000000000000000000000000000;")


def test_seq_beyond_64_bits_is_refused() -> None:
    message = refusal(
        rk.BadRecordError, lambda: events(("acme", "vm-1", T0, "start", None, "e1", 2**63))
    )
    assert message == (
        "events[0] (id 'e1'): seq is int 9223372036854775808; "
        "give an int from -9223372036854775808 to 9223372036854775807."
    )


def test_an_int_of_5000_digits_as_a_value_is_named_by_its_length_not_printed() -> None:
    message = refusal(
        rk.BadQuantityError, lambda: samples(("acme", "ip-1", "egress", T0, 10**5000))
    )
    assert message.startswith("samples[0]: value <an integer of 5001 digits> lies outside")
    assert "at most 60 significant digits" in message


def test_the_first_and_last_instants_are_taken() -> None:
    batch = events(("acme", "vm-1", FIRST, "start"), ("acme", "vm-1", LAST, "stop"))
    assert batch[0].at == dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    assert batch[1].at == dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)


# --- negative instants (before 1970) -------------------------------------------------


def test_negative_instants_rate_like_any_other() -> None:
    # a VM run from 1969-11-30T00:00Z to 1969-12-01T00:00Z (24 h), then 6 h on 31 Dec
    # 1969 18:00 to 1970-01-01T00:00Z, at 0.02 an hour: December's 6 h = 0.12,
    # November's 24 h lies before the span; egress 1500 B at 0.001 = 1.50 (-1 µs).
    day = 24 * HOUR
    batch = rk.RecordBatch.from_tuples(
        events=[
            ("acme", "vm-1", -32 * day, "start"),
            ("acme", "vm-1", -31 * day, "stop"),
            ("acme", "vm-1", -6 * HOUR, "start"),
        ],
        samples=[("acme", "vm-1", "egress", -1, 1500)],
    )
    december = rk.Span("1969-12-01T00:00:00Z", "1970-01-01T00:00:00Z")
    assert sorted(amounts(batch, december)) == [
        ("acme", "egress", "1.500"),
        ("acme", "runtime", "0.12"),
    ]
    assert batch[2].at == dt.datetime(1969, 12, 31, 18, tzinfo=dt.UTC)


# --- NaN, infinities and floats ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("NaN"), "Decimal('NaN')"),
        (Decimal("sNaN"), "Decimal('sNaN')"),
        (Decimal("Infinity"), "Decimal('Infinity')"),
        (Decimal("-Infinity"), "Decimal('-Infinity')"),
        (float("inf"), "inf"),
        ("nan", "'nan'"),
    ],
)
def test_non_finite_values_are_refused(value: object, shown: str) -> None:
    message = refusal(
        rk.BadQuantityError,
        lambda: samples(("acme", "ip-1", "egress", T0, 1), ("acme", "ip-1", "egress", T0, value)),
    )
    assert message == f"samples[1]: value must be a finite number, not {shown}."


def test_float_nan_value_is_named_a_missing_value() -> None:
    message = refusal(
        rk.BadQuantityError, lambda: samples(("acme", "ip-1", "egress", T0, float("nan")))
    )
    assert message.startswith("samples[0]: value must be a finite number, not nan.")
    assert "frame.dropna(subset=['value'])" in message


@pytest.mark.parametrize("value", [Decimal("NaN"), float("nan"), Decimal("-Infinity")])
def test_non_finite_attribute_is_refused(value: object) -> None:
    message = refusal(
        rk.BadQuantityError, lambda: events(("acme", "vm-1", T0, "start", {"memory_gib": value}))
    )
    assert message.startswith(
        f"events[0]: attribute 'memory_gib' is {value!r}, not a finite number;"
    )


def test_float_values_are_read_through_their_shortest_repr() -> None:
    batch = samples(("acme", "ip-1", "egress", T0, 0.1), ("acme", "ip-1", "egress", T0 + 1, 1e22))
    assert [s.value for s in batch] == [Decimal("0.1"), Decimal("1E+22")]


def test_a_float_subclass_is_read_by_its_value_not_by_its_own_repr() -> None:
    (sample,) = samples(("acme", "ip-1", "egress", T0, Liar(0.5)))
    assert sample.value == Decimal("0.5")


def test_float_instant_is_refused_with_the_pandas_hint() -> None:
    message = refusal(rk.RatekitTypeError, lambda: events(("acme", "vm-1", float(T0), "start")))
    assert message.startswith("events[0]: at_us is float 1772323200000000.0;")
    assert "A pandas int column with gaps holds floats" in message


def test_float_seq_is_refused() -> None:
    message = refusal(
        rk.RatekitTypeError, lambda: events(("acme", "vm-1", T0, "start", None, "e1", 1.0))
    )
    assert message.startswith("events[0] (id 'e1'): seq is float 1.0; a seq is an int or None.")


# --- str subclasses with odd __eq__ / __hash__ ---------------------------------------


def test_str_subclasses_become_plain_text_so_accounts_stay_apart() -> None:
    # Greedy("acme") equals everything; kept as it is, it would swallow beta's VM.
    # acme: 10 h at 0.02 = 0.20; beta: 5 h = 0.10.
    batch = events(
        (Greedy("acme"), Greedy("vm-1"), T0, Aloof("start")),
        (Greedy("acme"), Greedy("vm-1"), T0 + 10 * HOUR, Aloof("stop")),
        ("beta", "vm-1", T0, "start"),
        ("beta", "vm-1", T0 + 5 * HOUR, "stop"),
    )
    assert all(type(e.account) is str and type(e.kind) is str for e in batch)
    assert sorted(amounts(batch)) == [("acme", "runtime", "0.20"), ("beta", "runtime", "0.10")]


def test_str_subclass_ids_deduplicate_by_their_text() -> None:
    # Aloof("e1") is equal to nothing: were it kept, a replay of e1 would not be seen.
    batch = events(
        ("acme", "vm-1", T0, "start", None, Aloof("e1")),
        ("acme", "vm-1", T0, "start", None, Aloof("e1")),
        ("acme", "vm-1", T0 + HOUR, "stop", None, "e2"),
    )
    rating = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    assert [a.kind for a in rating.anomalies] == ["duplicate"]
    assert [str(c.amount) for c in rating.charges] == ["0.02"]


def test_str_subclass_attribute_names_and_values_become_plain_text() -> None:
    (event,) = events(("acme", "vm-1", T0, "start", {Greedy("flavor"): Aloof("m1.small")}))
    ((name, value),) = event.attributes.items()
    assert type(name) is str
    assert type(value) is str
    assert dict(event.attributes) == {"flavor": "m1.small"}


# --- None in required fields ---------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "field", "error"),
    [
        ((None, "vm-1", T0, "start"), "account", rk.RatekitTypeError),
        (("acme", None, T0, "start"), "resource", rk.RatekitTypeError),
        (("acme", "vm-1", None, "start"), "at_us", rk.RatekitTypeError),
        (("acme", "vm-1", T0, None), "kind", rk.BadRecordError),
    ],
)
def test_none_in_a_required_event_field_is_refused_naming_it(
    row: tuple[Any, ...], field: str, error: type[rk.RatekitError]
) -> None:
    message = refusal(error, lambda: events(("acme", "vm-0", T0, "start"), row))
    assert message.startswith(f"events[1]: {field} is NoneType None;")
    assert f"every record has its {field}" in message


@pytest.mark.parametrize("field", ["account", "resource", "meter", "at_us", "value"])
def test_none_in_a_required_sample_column_is_refused_naming_it(field: str) -> None:
    columns: dict[str, list[Any]] = {
        "account": ["acme", "acme"],
        "resource": ["ip-1", "ip-1"],
        "meter": ["egress", "egress"],
        "at_us": [T0, T0 + 1],
        "value": [1, 2],
    }
    columns[field][1] = None
    message = refusal(rk.RatekitError, lambda: rk.RecordBatch.from_columns(samples=columns))
    assert message.startswith(f"samples[1]: {field} is NoneType None;")
    assert f"every record has its {field}" in message


# --- columns of unequal length, one-shot and endless iterables ------------------------


def test_columns_of_unequal_length_are_refused_with_each_length() -> None:
    message = refusal(
        rk.RatekitTypeError,
        lambda: rk.RecordBatch.from_columns(
            events={"account": ["acme", "acme"], "resource": iter(["vm-1"]), "at_us": [T0, T0]}
        ),
    )
    assert message == (
        "RecordBatch event columns differ in length: {'account': 2, 'resource': 1, "
        "'at_us': 2}; each column holds one value per record."
    )


def test_an_endless_column_beside_a_list_is_refused_not_read_forever() -> None:
    message = refusal(
        rk.RatekitTypeError,
        lambda: rk.RecordBatch.from_columns(
            events={
                "account": itertools.repeat("acme"),
                "resource": ["vm-1"] * 3,
                "at_us": [T0] * 3,
            }
        ),
    )
    assert message.startswith("RecordBatch event columns differ in length: {'account': 'at least")


def test_generators_are_read_once_and_give_the_records_of_lists() -> None:
    rows = [("acme", f"vm-{i}", T0 + i, "start", {"flavor": "s"}, f"e{i}") for i in range(5)]
    from_generator = rk.RecordBatch.from_tuples(events=(row for row in rows))

    def column(index: int) -> Iterator[Any]:
        for row in rows:
            yield row[index]

    names = ("account", "resource", "at_us", "kind", "attributes", "id")
    from_columns = rk.RecordBatch.from_columns(
        events={name: column(index) for index, name in enumerate(names)}
    )
    assert from_generator == from_columns == rk.RecordBatch.from_tuples(events=rows)


def test_a_generator_that_raises_is_refused_with_its_error_named() -> None:
    def feed() -> Iterator[tuple[Any, ...]]:
        yield ("acme", "vm-1", T0, "start")
        raise ValueError("the broker went away")

    message = refusal(rk.RatekitTypeError, lambda: rk.RecordBatch.from_tuples(events=feed()))
    assert message.startswith(
        "RecordBatch events[1] could not be read: its generator raised ValueError: "
        "the broker went away;"
    )


def test_a_column_generator_that_raises_is_refused_naming_the_column() -> None:
    def instants() -> Iterator[int]:
        yield T0
        raise OSError("disk gone")

    message = refusal(
        rk.RatekitTypeError,
        lambda: rk.RecordBatch.from_columns(
            events={"account": ["acme", "acme"], "resource": ["vm-1", "vm-1"], "at_us": instants()}
        ),
    )
    assert message.startswith(
        "RecordBatch event column 'at_us' could not be read: its generator raised OSError: disk gone;"
    )


# --- columns that change while they are read -----------------------------------------


def test_a_list_column_grown_while_another_column_is_read_is_refused() -> None:
    accounts = ["acme", "acme", "acme"]

    def instants() -> Iterator[int]:
        for i in range(3):
            accounts.append("intruder")
            yield T0 + i

    message = refusal(
        rk.RatekitTypeError,
        lambda: rk.RecordBatch.from_columns(
            events={"at_us": instants(), "account": accounts, "resource": ["vm-1"] * 3}
        ),
    )
    assert message == (
        "RecordBatch event columns differ in length: {'at_us': 3, 'account': 6, "
        "'resource': 3}; each column holds one value per record."
    )


def test_a_list_value_blanked_while_another_column_is_read_is_refused() -> None:
    accounts: list[Any] = ["acme", "acme", "acme"]

    def instants() -> Iterator[int]:
        for i in range(3):
            accounts[i] = None
            yield T0 + i

    message = refusal(
        rk.RatekitTypeError,
        lambda: rk.RecordBatch.from_columns(
            events={"at_us": instants(), "account": accounts, "resource": ["vm-1"] * 3}
        ),
    )
    assert message.startswith("events[0]: account is NoneType None;")


def test_one_mapping_in_a_list_column_mutated_while_read_gives_one_description() -> None:
    # The docstring: a mapping object held by many records of a list column is frozen
    # once for all of them. However it changes while the other columns are read, the
    # records share one description, one of the states it went through.
    shared = {"flavor": "v"}

    def instants() -> Iterator[int]:
        for i in range(3):
            shared["flavor"] = f"v{i}"
            yield T0 + i

    batch = rk.RecordBatch.from_columns(
        events={
            "at_us": instants(),
            "account": ["acme"] * 3,
            "resource": ["vm-1", "vm-2", "vm-3"],
            "attributes": [shared, shared, shared],
        }
    )
    flavors = {event.attributes["flavor"] for event in batch}
    assert len(flavors) == 1
    assert flavors <= {"v0", "v1", "v2"}


# --- attribute mappings mutated or shared after the batch is built ---------------------


def test_mutating_an_attribute_mapping_after_the_build_changes_nothing() -> None:
    # vm-1 small for 10 h (0.0213/h = 0.213), vm-2 large 10 h (0.0871/h = 0.871).
    plan = rk.Plan(
        "fleet",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("small", "runtime", rk.PerUnit("0.0213"), where={"flavor": "s"}),
            rk.PriceEntry("large", "runtime", rk.PerUnit("0.0871"), where={"flavor": "l"}),
        ],
    )
    small = {"flavor": "s", "tags": ["web"]}
    large = {"flavor": "l", "tags": ["db"]}
    batch = rk.RecordBatch.from_tuples(
        events=[
            ("acme", "vm-1", T0, "start", small),
            ("acme", "vm-2", T0, "start", large),
            ("acme", "vm-1", T0 + 10 * HOUR, "stop", None),
            ("acme", "vm-2", T0 + 10 * HOUR, "stop", None),
        ]
    )

    def charged() -> list[str]:
        rating = rk.rate(batch, plan, span=MARCH, meters=METERS[:1])
        return sorted(f"{c.resource} {c.entry} {c.amount}" for c in rating.charges)

    before = charged()
    small["flavor"] = "l"
    small["tags"].append("db")
    large.clear()
    assert charged() == before == ["vm-1 small 0.2130", "vm-2 large 0.8710"]
    assert dict(batch[0].attributes) == {"flavor": "s", "tags": ["web"]}


def test_records_given_one_mapping_share_one_read_only_description() -> None:
    shared = {"flavor": "s", "tags": ["web"]}
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", T0, "start", shared), ("beta", "vm-9", T0, "start", shared)]
    )
    first, second = batch
    assert first.attributes is second.attributes
    with pytest.raises(TypeError, match="read-only"):
        first.attributes["flavor"] = "l"  # type: ignore[index]
    with pytest.raises(AttributeError):
        first.attributes["tags"].append("db")  # type: ignore[union-attr]
    assert dict(second.attributes) == {"flavor": "s", "tags": ["web"]}


def test_a_custom_mapping_mutated_after_the_build_changes_nothing() -> None:
    class Live(Mapping[str, object]):
        def __init__(self) -> None:
            self.data: dict[str, object] = {"flavor": "s"}

        def __getitem__(self, key: str) -> object:
            return self.data[key]

        def __iter__(self) -> Iterator[str]:
            return iter(self.data)

        def __len__(self) -> int:
            return len(self.data)

    live = Live()
    (event,) = events(("acme", "vm-1", T0, "start", live))
    live.data["flavor"] = "l"
    assert dict(event.attributes) == {"flavor": "s"}


def test_a_mapping_that_raises_while_read_is_refused_naming_the_record() -> None:
    class Broken(Mapping[str, object]):
        def __getitem__(self, key: str) -> object:
            raise RuntimeError("boom")

        def __iter__(self) -> Iterator[str]:
            return iter(["flavor"])

        def __len__(self) -> int:
            return 1

    message = refusal(rk.RatekitTypeError, lambda: events(("acme", "vm-1", T0, "start", Broken())))
    assert message == (
        "events[0]: attributes could not be read: its mapping (Broken) raised RuntimeError: "
        "boom; give a mapping whose items can be read, such as a dict."
    )


def test_a_self_containing_mapping_is_refused_not_a_recursion_error() -> None:
    looped: dict[str, Any] = {}
    looped["me"] = looped
    message = refusal(rk.BadRecordError, lambda: events(("acme", "vm-1", T0, "start", looped)))
    assert message.startswith("events[0]: attribute 'me.me.me")
    assert "nests deeper than 32 levels (or contains itself)" in message


# --- no message is huge -------------------------------------------------------------


class HugeRepr:
    def __repr__(self) -> str:
        return "h" * 10**7

    __str__ = __repr__


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr failed")

    __str__ = __repr__


BIG = "x" * 10**6


@pytest.mark.parametrize("value", [HugeRepr(), BrokenRepr(), list(range(10**5))])
@pytest.mark.parametrize("position", [0, 1, 2, 3, 5, 6])
def test_a_bad_field_of_any_size_gives_a_short_message(value: object, position: int) -> None:
    row: list[Any] = ["acme", "vm-1", T0, "start", None, "e1", 1]
    row[position] = value
    message = refusal(rk.RatekitError, lambda: events(tuple(row)))
    assert message.startswith("events[0]")


@pytest.mark.parametrize("position", [2, 3, 6])
def test_a_megabyte_of_text_where_text_does_not_go_gives_a_short_message(position: int) -> None:
    row: list[Any] = ["acme", "vm-1", T0, "start", None, "e1", 1]
    row[position] = BIG
    message = refusal(rk.RatekitError, lambda: events(tuple(row)))
    assert message.startswith("events[0]")


def test_a_huge_id_is_shortened_in_the_message_of_another_field() -> None:
    message = refusal(
        rk.RatekitTypeError, lambda: events(("acme", "vm-1", "soon", "start", None, BIG))
    )
    assert message.startswith("events[0] (id 'xxxx")
    assert "at_us is str 'soon'" in message


def test_a_huge_unknown_column_name_is_shortened() -> None:
    message = refusal(
        rk.RatekitTypeError,
        lambda: rk.RecordBatch.from_columns(
            events={BIG: [1], "account": ["acme"], "resource": ["vm-1"], "at_us": [T0]}
        ),
    )
    assert "are not fields of an event" in message


def test_the_last_of_100_000_rows_is_named_when_bad() -> None:
    rows = [("acme", f"vm-{i}", T0 + i, "start") for i in range(100_000)]
    rows[-1] = ("acme", "vm-x", T0, "halt")
    message = refusal(rk.BadRecordError, lambda: rk.RecordBatch.from_tuples(events=rows))
    assert message == (
        "events[99999]: kind is str 'halt'; it must be one of 'start', 'update', 'stop', 'delete'."
    )


# --- empty batches ----------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        rk.RecordBatch.from_tuples,
        lambda: rk.RecordBatch.from_tuples(events=None, samples=None),
        lambda: rk.RecordBatch.from_tuples(events=iter([]), samples=[]),
        lambda: rk.RecordBatch.from_columns(events={}, samples=None),
        lambda: rk.RecordBatch.from_columns(events={"account": [], "resource": [], "at_us": []}),
        rk.RecordBatch,
    ],
)
def test_an_empty_batch_meters_rates_bills_and_feeds_to_nothing(build: Any) -> None:
    batch = build()
    assert len(batch) == 0
    assert repr(batch) == "RecordBatch(0 events, 0 samples)"
    assert rk.meter(batch, METERS, span=MARCH, cycle=PLAN.cycle, as_of=MARCH.end).rows == ()
    rating = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    assert rating.charges == ()
    assert rating.anomalies == ()
    assert rk.bill(rating) == ()
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    assert rater.feed(batch).counts["accepted"] == 0
    assert rater.statement(MARCH.end).lines == ()


# --- ids duplicated within one batch, lean and friendly alike -----------------------


def friendly_event(row: tuple[Any, ...]) -> rk.Event:
    account, resource, at_us, kind, attributes, record_id = row
    at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=at_us)
    return rk.Event(account, resource, at, attributes, kind=kind, id=record_id)


REPLAYED = [
    ("acme", "vm-1", T0, "start", {"flavor": "s", "memory_gib": 2}, "e1"),
    ("acme", "vm-1", T0, "start", {"flavor": "s", "memory_gib": 2.0}, "e1"),  # 2.0 == 2
    ("acme", "vm-1", T0 + 3 * HOUR, "stop", None, "e2"),
]


def test_an_id_replayed_within_one_batch_is_one_duplicate_on_both_paths() -> None:
    # 3 h at 0.02 = 0.06; the replay of e1 is a duplicate, once.
    for records in (
        rk.RecordBatch.from_tuples(events=REPLAYED),
        [friendly_event(row) for row in REPLAYED],
        [*rk.RecordBatch.from_tuples(events=REPLAYED[:1]), *map(friendly_event, REPLAYED[1:])],
    ):
        rating = rk.rate(records, PLAN, span=MARCH, meters=METERS)
        assert [str(c.amount) for c in rating.charges] == ["0.06"]
        assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("duplicate", ("e1",))]


def test_an_id_given_two_contents_in_one_batch_is_refused_alike_on_both_paths() -> None:
    rows = [REPLAYED[0], ("acme", "vm-1", T0 + 1, "start", None, "e1")]
    lean = refusal(
        rk.ConflictingRecordError,
        lambda: rk.rate(rk.RecordBatch.from_tuples(events=rows), PLAN, span=MARCH, meters=METERS),
    )
    friendly = refusal(
        rk.ConflictingRecordError,
        lambda: rk.rate([friendly_event(r) for r in rows], PLAN, span=MARCH, meters=METERS),
    )
    assert lean == friendly
    assert lean.startswith("two records share the id 'e1' but differ:")


def test_the_rater_takes_a_lean_record_replayed_as_a_friendly_one_as_a_duplicate() -> None:
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    first = rater.feed(
        rk.RecordBatch.from_tuples(samples=[("acme", "ip-1", "egress", T0, 0.1, "delta", "s1")])
    )
    again = rater.feed(
        [rk.Sample("acme", "ip-1", "egress", "2026-03-01T00:00:00Z", "0.10", id="s1")]
    )
    other = rater.feed(
        rk.RecordBatch.from_tuples(
            samples=[("acme", "ip-1", "egress", T0, Decimal("0.11"), "delta", "s1")]
        )
    )
    assert (first.accepted, again.duplicates, other.conflicting) == (("s1",), ("s1",), ("s1",))
    # 0.1 B at 0.001 = 0.0001, rounded to the cent: 0.00
    (line,) = rater.statement("2026-03-02T00:00:00Z").lines
    assert (str(line.quantity), line.amount) == ("0.1", Decimal("0.0001"))


def test_the_same_batch_fed_twice_is_all_duplicates() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", T0, "start"), ("acme", "vm-1", T0 + HOUR, "stop")],
        samples=[("acme", "vm-1", "egress", T0 + 5, 700, "delta", "s1")],
    )
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    assert rater.feed(batch).counts["accepted"] == 3
    counts = rater.feed(batch).counts
    assert (counts["accepted"], counts["duplicates"]) == (0, 3)
    # 1 h at 0.02 = 0.02; 700 B at 0.001 = 0.700
    lines = rater.statement("2026-03-02T00:00:00Z").lines
    assert sorted((line.meter, line.amount) for line in lines) == [
        ("egress", Decimal("0.700")),
        ("runtime", Decimal("0.02")),
    ]
