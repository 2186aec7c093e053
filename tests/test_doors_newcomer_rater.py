"""A newcomer's hostile input at the rater's doors, the adapters and the rows.

A refused feed or statement is a RatekitError naming the record by its index in the batch
(or the argument) and leaves the rater as it was: its snapshot unchanged. Restore refuses a
hostile snapshot (deep nesting, a mapping that raises or never ends, a huge number, a
version that is no int) with a BadSnapshotError naming the field, and takes a duplicated key
as JSON does. The adapters and ``from_row`` let nothing but a RatekitError out, naming the
position of the bad value, whatever value stands in any field.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import hashlib
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from _hostile import ClosedCursor, Growing, TouchyInt
from ratekit.adapters import borel, cloudevents, cloudfoundry, exoscale

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05")),
        rk.PriceEntry("eg", "egress", rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "0.09")])),
    ],
)


class Pairs(Mapping[str, Any]):
    """A mapping read through items() that gives one key twice, as a JSON object may hold it."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return iter(self.pairs)

    def __getitem__(self, key: str) -> Any:
        return dict(self.pairs)[key]

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


def _rater() -> rk.Rater:
    rater = rk.Rater(PLAN, [VM_HOURS, EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", kind="start", id="e1"),
            rk.Sample("acme", "ip-1", "egress", "2026-03-02T09:00:00Z", 150, id="s1"),
        ]
    )
    rater.statement("2026-03-05T00:00:00Z")
    return rater


def _state(rater: rk.Rater) -> str:
    return json.dumps(rater.snapshot(), sort_keys=True)


def _start_vm(number: int) -> rk.Event:
    return rk.Event("acme", f"vm-{number}", "2026-03-05T08:00:00Z", kind="start", id=f"n{number}")


def _raising_midway() -> Iterator[object]:
    yield _start_vm(2)
    raise OSError("connection reset")


def _int_midway() -> Iterator[object]:
    yield _start_vm(2)
    yield 5


FEEDS: list[tuple[str, Callable[[], object], type, str]] = [
    ("float", lambda: [1.5], rk.RatekitTypeError, "not float: 1.5 (records[0] of the batch)"),
    (
        "bool",
        lambda: True,
        rk.RatekitTypeError,
        "takes an iterable of Event, Sample and Inventory records, not bool",
    ),
    ("none", lambda: None, rk.RatekitTypeError, "not NoneType: None"),
    ("bytes", lambda: b"e1", rk.RatekitTypeError, "not bytes"),
    ("dict", lambda: {"e1": 1}, rk.RatekitTypeError, "not dict"),
    (
        "generator raising",
        _raising_midway,
        rk.RatekitTypeError,
        "its generator raised OSError: connection reset",
    ),
    ("int at 1", _int_midway, rk.RatekitTypeError, "not int: 5 (records[1] of the batch)"),
    (
        "unknown meter at 1",
        lambda: [_start_vm(2), rk.Sample("acme", "x", "cpu", "2026-03-05T08:00:00Z", 1, id="c1")],
        rk.UnknownMeterError,
        "Rater.feed: records[1]: sample 'c1' meter 'cpu' is not one of the meters given",
    ),
    (
        "batch in a list",
        lambda: [rk.RecordBatch.from_tuples(events=[("acme", "vm-2", 1772697600000000)])],
        rk.RatekitTypeError,
        "[*batch, *more]",
    ),
    (
        "year 1",
        lambda: [
            _start_vm(2),
            rk.Event("acme", "vm-3", "0001-01-01T00:00:00Z", kind="stop", id="old"),
        ],
        rk.BadTimeError,
        "Rater.feed: records[1]: event 'old' has at 0001-01-01T00:00:00Z, in no billing cycle the rater can compute",
    ),
    (
        "a cycle no statement closes",
        lambda: [rk.Event("acme", "vm-3", "9998-12-30T00:00:00Z", kind="stop", id="far")],
        rk.BadTimeError,
        "Rater.feed: records[0]: event 'far' has at 9998-12-30T00:00:00Z, in a billing cycle that no statement can close",
    ),
    (
        "a tiered sum past 1E+30",
        # 150 GB taken, then 999999999999999999999999999950 GB: 1E+30 + 100 GB in March
        lambda: [
            rk.Sample("acme", "ip-1", "egress", "2026-03-05T09:00:00Z", "9" * 28 + "50", id="s9")
        ],
        rk.BadQuantityError,
        "Rater.feed: records[0]: the samples of account 'acme' (the batch's first: sample 's9'",
    ),
    (
        "a records tuple of the wrong length",
        lambda: rk.RecordBatch.from_tuples(events=[("acme", "vm-2")]),
        rk.RatekitTypeError,
        "events[0] has 2 fields",
    ),
]


@pytest.mark.parametrize(
    ("make", "error", "says"), [feed[1:] for feed in FEEDS], ids=[feed[0] for feed in FEEDS]
)
def test_a_refused_feed_names_the_record_and_leaves_the_rater_as_it_was(
    make: Callable[[], object], error: type, says: str
) -> None:
    rater = _rater()
    before = _state(rater)
    with pytest.raises(error) as raised:
        rater.feed(make())  # type: ignore[arg-type]
    assert says in str(raised.value)
    assert _state(rater) == before
    # The rater goes on: the statement of 6 March says what changed since 5 March, the VM's
    # 24 more hours at 0.05 = 1.20 (88 h since 2 March 08:00, 4.40 in all).
    (line,) = rater.statement("2026-03-06T00:00:00Z").lines
    assert (line.role, line.quantity, line.amount) == ("increment", Decimal(24), Decimal("1.20"))


@pytest.mark.parametrize(
    ("as_of", "error", "says"),
    [
        (
            1.5,
            rk.RatekitTypeError,
            "Rater.statement as_of must be an aware datetime or an ISO-8601 string",
        ),
        (True, rk.RatekitTypeError, "not bool: True"),
        (None, rk.RatekitTypeError, "not NoneType: None"),
        (np.int64(5), rk.RatekitTypeError, "not int64"),
        (1772697600000000, rk.RatekitTypeError, "for an epoch time n"),
        (dt.datetime(2026, 3, 6), rk.BadTimeError, "is a naive datetime"),  # noqa: DTZ001
        (
            "2026-03-04T00:00:00Z",
            rk.BadTimeError,
            "goes back before the last watermark 2026-03-05T00:00:00Z",
        ),
        ("9999-12-31T23:59:59.999999Z", rk.BadTimeError, "is out of range"),
        ("9998-12-31T00:00:00Z", rk.BadTimeError, "is out of range"),
    ],
)
def test_a_refused_statement_leaves_the_rater_as_it_was(
    as_of: object, error: type, says: str
) -> None:
    rater = _rater()
    before = _state(rater)
    with pytest.raises(error) as raised:
        rater.statement(as_of)  # type: ignore[arg-type]
    assert says in str(raised.value)
    assert _state(rater) == before


# --- Restore --------------------------------------------------------------------------------


def _seal(data: dict[str, Any]) -> dict[str, Any]:
    """Reseal a snapshot edited by hand, as docs/streaming.md says the checksum is made."""
    unsealed = {key: value for key, value in data.items() if key != "checksum"}
    text = json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**unsealed, "checksum": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def _snapshot() -> dict[str, Any]:
    return json.loads(json.dumps(_rater().snapshot()))


def _restore(data: object) -> rk.Rater:
    return rk.Rater.restore(data, PLAN, [VM_HOURS, EGRESS])  # type: ignore[arg-type]


def _nested(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (
            lambda: None,
            "Rater.restore needs what Rater.snapshot() returned (a dict with format 'ratekit.Rater'), not NoneType.",
        ),
        (list, "not list."),
        (lambda: json.dumps(_snapshot()), "not str."),
        (lambda: json.dumps(_snapshot()).encode(), "not bytes."),
        (
            lambda: {**_snapshot(), "deep": _nested(100_000)},
            "Rater snapshot 'deep' is nested more than 200 levels deep",
        ),
        (
            lambda: {**_snapshot(), "body": {**_snapshot()["body"], "extra": _nested(300)}},
            "Rater snapshot 'body' is nested more than 200 levels deep",
        ),
        (
            lambda: ClosedCursor("format", LookupError("cursor closed")),
            "its mapping (ClosedCursor) raised LookupError: cursor closed",
        ),
        (lambda: Growing(_snapshot()), "its mapping (Growing) raised RuntimeError"),
        (
            lambda: _seal({**_snapshot(), "version": 3.0}),
            "Rater snapshot version 3.0 is a float, not an int",
        ),
        (
            lambda: _seal({**_snapshot(), "version": True}),
            "Rater snapshot version True is a bool, not an int",
        ),
        (
            lambda: {**_snapshot(), "version": 10**5000},
            "Rater snapshot version <an integer of 5001 digits> is unknown",
        ),
        (lambda: {**_snapshot(), "checksum": "0" * 64}, "does not match its content"),
    ],
)
def test_restore_refuses_a_hostile_snapshot_naming_what_is_wrong(
    make: Callable[[], object], says: str
) -> None:
    with pytest.raises(rk.BadSnapshotError) as error:
        _restore(make())
    assert says in str(error.value)


@pytest.fixture
def huge_ints() -> Iterator[None]:
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # to reseal a snapshot holding a 5001-digit number
    yield
    sys.set_int_max_str_digits(limit)


@pytest.mark.parametrize("field", ["base_us", "closed_us", "as_of_us"])
@pytest.mark.parametrize(
    ("value", "says"),
    [
        (10**5000, "<an integer of 5001 digits> lies outside the instants ratekit represents"),
        (2**63, "9223372036854775808 lies outside the instants ratekit represents"),
        (-(10**20), "-100000000000000000000 lies outside the instants ratekit represents"),
        (1.5, "must be an integer number of microseconds, not float: 1.5"),
        (True, "must be an integer number of microseconds, not bool: True"),
        ("1772323200000000", "must be an integer number of microseconds, not str"),
    ],
    ids=["5001-digits", "2**63", "-1E+20", "float", "bool", "str"],
)
def test_restore_refuses_a_resealed_instant_out_of_range_naming_the_field(
    huge_ints: None, field: str, value: object, says: str
) -> None:
    data = _snapshot()
    data["body"][field] = value
    with pytest.raises(rk.BadSnapshotError) as error:
        _restore(_seal(data))
    assert str(error.value).startswith(f"Rater snapshot {field} ")
    assert says in str(error.value)


def test_restore_refuses_a_huge_horizon(huge_ints: None) -> None:
    data = _snapshot()
    data["body"]["horizon_us"] = 10**5000
    with pytest.raises(
        rk.BadSnapshotError, match=r"horizon_us <an integer of 5001 digits> is longer than"
    ):
        _restore(_seal(data))


def test_restore_reads_a_duplicated_key_as_json_does_the_last_one_standing() -> None:
    data = _snapshot()
    expected = _restore(copy.deepcopy(data)).statement("2026-03-06T00:00:00Z").lines
    # json.loads keeps the last of a key given twice; a mapping read through its items does too.
    assert json.loads('{"a": 1, "a": 2}') == {"a": 2}
    stale = [("checksum", "0" * 64), *data.items()]
    again = _restore(Pairs(stale)).statement("2026-03-06T00:00:00Z").lines
    assert again == expected
    wrong_last = [*data.items(), ("checksum", "0" * 64)]
    with pytest.raises(rk.BadSnapshotError, match="does not match its content"):
        _restore(Pairs(wrong_last))


def test_restore_takes_int_and_str_subclasses_as_their_plain_values() -> None:
    data = _snapshot()
    data["version"] = TouchyInt(data["version"])
    data["body"]["base_us"] = TouchyInt(data["body"]["base_us"])
    rater = _restore(data)
    # vm-1 runs on from the watermark of 5 March to 6 March: 24 h at 0.05 = 1.20.
    (line,) = rater.statement("2026-03-06T00:00:00Z").lines
    assert (line.role, line.quantity, line.amount) == ("increment", Decimal(24), Decimal("1.20"))


def test_restore_in_a_hostile_context_continues_exactly() -> None:
    data = _snapshot()
    expected = _restore(copy.deepcopy(data)).statement("2026-03-06T00:00:00Z")
    with decimal.localcontext(
        prec=1, rounding=decimal.ROUND_FLOOR, traps=[decimal.Inexact, decimal.Rounded]
    ):
        again = _restore(copy.deepcopy(data)).statement("2026-03-06T00:00:00Z")
    assert again.lines == expected.lines
    assert repr(again) == repr(expected)


# --- Adapters: any value in any field -------------------------------------------------------

HOSTILE: list[object] = [
    1.5,
    float("nan"),
    True,
    None,
    Decimal("sNaN"),
    Decimal("1E+999999"),
    TouchyInt(5),
    b"x",
    np.int64(5),
    np.float64(1.5),
    "",
    "x" * 100_000,
    "2026-03-02T08:00:00",
    "9999-12-31T23:59:60Z",
    "2026-03-02T08:00:00.1234567Z",
    2**70,
    -5,
    {"a": {1}},
    [[]],
    {"a": 1},
]


def _paths(value: object, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key)
            yield from _paths(inner, (*path, key))


def _refusal(call: Callable[[], object]) -> str | None:
    """The message of the RatekitError the call raises, or None when it is taken (and shows itself)."""
    try:
        taken = call()
    except rk.RatekitError as error:
        return str(error)
    assert repr(taken)
    assert str(taken)
    return None


def _each_field_replaced(good: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in _paths(good):
        for hostile in HOSTILE:
            bad = copy.deepcopy(good)
            holder = bad
            for key in path[:-1]:
                holder = holder[key]
            holder[path[-1]] = hostile
            yield bad


def _cloud_event() -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": "t1",
        "source": "//gateway.example.com/llm",
        "type": "com.example.llm.tokens",
        "subject": "customer-1",
        "time": "2026-03-02T08:00:00Z",
        "data": {"model": "large", "usage": {"tokens": 1200}},
    }


def _app_event() -> dict[str, Any]:
    return {
        "guid": "e1",
        "created_at": "2026-03-02T08:00:00Z",
        "updated_at": "2026-03-02T08:00:00Z",
        "state": {"current": "STARTED", "previous": None},
        "app": {"guid": "app-1", "name": "shop"},
        "process": {"guid": "app-1", "type": "web"},
        "space": {"guid": "space-1", "name": "prod"},
        "organization": {"guid": "org-1"},
        "memory_in_mb_per_instance": {"current": 512, "previous": None},
        "instance_count": {"current": 1, "previous": None},
    }


def _exoscale_event() -> dict[str, Any]:
    return {
        "type": "usage",
        "entity": "vm",
        "action": "create",
        "time": "2016-12-12T15:48:32Z",
        "account": "geneva-jug",
        "uuid": "7a070a3d",
        "version": 1,
        "offering": "medium",
    }


def _borel_row() -> dict[str, Any]:
    return {
        "customer-id": "21891",
        "quantity": 1500663808,
        "resource": "diskio-writes",
        "resource_id": "d-1",
        "uom": "B",
    }


SPEC = cloudevents.Spec(
    {"com.example.llm.tokens": "llm.tokens"},
    quantity="data.usage.tokens",
    account="subject",
    resource="data.model",
)

ADAPTERS: list[
    tuple[str, Callable[[], dict[str, Any]], Callable[[list[dict[str, Any]]], object], str]
] = [
    ("cloudevents", _cloud_event, lambda feed: cloudevents.usage_events(feed, SPEC), "[1]"),
    (
        "cloudfoundry",
        _app_event,
        lambda feed: cloudfoundry.app_usage_events({"resources": feed}),
        "resources[1]",
    ),
    ("exoscale", _exoscale_event, exoscale.usage_events, "[1]"),
    (
        "exoscale by version",
        _exoscale_event,
        lambda feed: exoscale.usage_events(feed, order="version"),
        "[1]",
    ),
    ("borel", _borel_row, lambda feed: borel.usage_rows(feed, period=MARCH), "[1]"),
]


@pytest.mark.parametrize(
    ("good", "read", "position"),
    [adapter[1:] for adapter in ADAPTERS],
    ids=[adapter[0] for adapter in ADAPTERS],
)
def test_an_adapter_lets_out_only_ratekit_errors_naming_the_position(
    good: Callable[[], dict[str, Any]],
    read: Callable[[list[dict[str, Any]]], object],
    position: str,
) -> None:
    assert repr(read([good()]))  # the good one reads
    refused = 0
    for bad in _each_field_replaced(good()):
        message = _refusal(lambda bad=bad: read([good(), bad]))
        if message is not None:
            refused += 1
            assert position in message, message[:300]
    assert refused > 0


# --- Rows read back -------------------------------------------------------------------------


def _values_to_read_back() -> list[tuple[type, object]]:
    plan = rk.Plan(
        "basic",
        "EUR",
        MONTHLY,
        [rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.085")]))],
    )
    usage = rk.UsageRow("acme", "egress", "ip-1", MARCH, MARCH, 33, "GB", {"zone": "a"}, ("s1",))
    charge = rk.rate([usage], plan, span=MARCH).charges[0]
    return [
        (rk.Charge, charge),
        (rk.UsageRow, usage),
        (rk.Invoice, rk.bill([charge])[0]),
        (
            rk.Event,
            rk.Event(
                "a",
                "r",
                "2026-03-02T08:00:00Z",
                {"k": [1, {"d": Decimal("1.5")}]},
                kind="start",
                id="e1",
                seq=3,
            ),
        ),
        (
            rk.Sample,
            rk.Sample(
                "a", "r", "m", "2026-03-02T08:00:00Z", "1.5", since="2026-03-02T07:00:00Z", id="s1"
            ),
        ),
    ]


ROW_VALUES: list[object] = [
    *HOSTILE[:12],
    {"decimal": "NaN"},
    {"decimal": "1e999999"},
    {"decimal": 1.5},
    "1e999999",
    "NaN",
    "9" * 100,
    1e308,
    "\ud800",
    _nested(100_000),
]


@pytest.mark.parametrize(
    "index", range(5), ids=["Charge", "UsageRow", "Invoice", "Event", "Sample"]
)
def test_from_row_lets_out_only_ratekit_errors_naming_the_path(index: int) -> None:
    cls, value = _values_to_read_back()[index]
    row = json.loads(json.dumps(rk.to_row(value)))
    assert rk.from_row(cls, copy.deepcopy(row)) == value
    for path in _paths(row):
        for hostile in ROW_VALUES:
            bad = copy.deepcopy(row)
            holder = bad
            for key in path[:-1]:
                holder = holder[key]
            holder[path[-1]] = hostile
            message = _refusal(lambda bad=bad: rk.from_row(cls, bad, path="rows[4]"))
            assert message is None or "rows[4]" in message, message[:300]


# --- Properties -----------------------------------------------------------------------------

ROUNDINGS = [
    decimal.ROUND_CEILING,
    decimal.ROUND_DOWN,
    decimal.ROUND_FLOOR,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_HALF_UP,
    decimal.ROUND_UP,
    decimal.ROUND_05UP,
]
SIGNALS = [
    decimal.Clamped,
    decimal.DivisionByZero,
    decimal.Inexact,
    decimal.Overflow,
    decimal.Rounded,
    decimal.Underflow,
    decimal.InvalidOperation,
    decimal.Subnormal,
    decimal.FloatOperation,
]


def _month(minutes: int, gigabytes: str) -> tuple[object, ...]:
    records = [
        rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", kind="start", id="e1"),
        rk.Event(
            "acme",
            "vm-1",
            rk.Span.from_us(1772438400000000, 1772438400000000 + minutes * 60_000_000).end,
            kind="stop",
            id="e2",
        ),
        rk.Sample("acme", "ip-1", "egress", "2026-03-02T09:00:00Z", gigabytes, id="s1"),
    ]
    rating = rk.rate(records, PLAN, span=MARCH, meters=[VM_HOURS, EGRESS])
    rater = rk.Rater(PLAN, [VM_HOURS, EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    statement = rater.statement("2026-04-02T00:00:00Z")
    return (
        rating.total(),
        [str(invoice) for invoice in rk.bill(rating)],
        repr(statement),
        _state(rater),
    )


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(
    minutes=st.integers(1, 10_000),
    gigabytes=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(100000), places=3),
    prec=st.integers(1, 80),
    rounding=st.sampled_from(ROUNDINGS),
    traps=st.lists(st.sampled_from(SIGNALS), unique=True),
)
def test_no_decimal_context_changes_a_figure(
    minutes: int,
    gigabytes: Decimal,
    prec: int,
    rounding: str,
    traps: list[type[decimal.DecimalException]],
) -> None:
    expected = _month(minutes, str(gigabytes))
    with decimal.localcontext(prec=prec, rounding=rounding, traps=traps) as context:
        context.clear_flags()  # localcontext copies the flags the test's own arithmetic raised
        assert _month(minutes, str(gigabytes)) == expected
        assert not any(context.flags.values())
    # The line of vm.hours is minutes/60 h at 0.05, rounded once to the cent (half-even).
    cents = (
        Fraction(minutes, 60) * Fraction(5, 100) * 100
    ).__round__()  # round() of a Fraction is half-even
    invoice = expected[1][0]
    assert isinstance(invoice, str)
    assert "vm.hours · vm" in invoice
    assert f"{Decimal(cents).scaleb(-2, decimal.Context(prec=60))}" in invoice


FIELDS = ["account", "resource", "at_us", "kind", "attributes", "id", "seq"]


@pytest.mark.property
@settings(max_examples=LAWS * 3 // 4, deadline=None)
@given(field=st.sampled_from(FIELDS), hostile=st.sampled_from(HOSTILE), index=st.integers(0, 2))
def test_a_batch_with_one_hostile_field_is_taken_or_refused_whole(
    field: str, hostile: object, index: int
) -> None:
    rater = _rater()
    before = _state(rater)
    events = [
        [
            "acme",
            f"vm-{number + 2}",
            1772697600000000 + number,
            "start",
            {"flavor": "small"},
            f"n{number}",
            number,
        ]
        for number in range(3)
    ]
    events[index][FIELDS.index(field)] = hostile
    message = _refusal(
        lambda: rater.feed(rk.RecordBatch.from_tuples(events=[tuple(event) for event in events]))
    )
    if message is None:
        assert _state(rater) != before
    else:
        assert f"events[{index}]" in message or f"records[{index}]" in message, message[:300]
        assert _state(rater) == before
