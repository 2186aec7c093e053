"""``attrs.evolve`` of every public value: a changed copy passes the door the constructor
does, or a ratekit error says what to do instead; never a bare ``TypeError``.

A value whose constructor takes other names than its fields (a record's ``at`` kept as
``at_us``, a meter's unit factor read from its unit) gives them back to the door under
the constructor's names."""

from __future__ import annotations

import datetime as dt
import inspect
import typing
from decimal import Decimal

import attrs
import pytest

import ratekit as rk
from ratekit.adapters import cloudevents

T0 = "2026-03-01T00:00:00Z"
T0_US = 1772323200000000  # 2026-03-01T00:00:00Z: 20513 days * 86400 s * 10**6
MARCH = rk.Span(T0, "2026-04-01T00:00:00Z")
EVENT = rk.Event("acme", "vm-1", T0, {"flavor": "small"}, kind="start", id="e1", seq=3)
SAMPLE = rk.Sample("acme", "ip-1", "egress", "2026-03-01T00:20:00Z", "500", since=T0, id="s1")
INVENTORY = rk.Inventory(
    T0,
    {("acme", "vm-1"): {"entity": "vm"}},
    accounts=["acme"],
    where={"entity": "vm", "cpus": rk.AtLeast(2)},
    id="inv-1",
)
ANOMALY = rk.Anomaly("duplicate", "seen twice", ("e1",), account="acme", at=T0)


def _state() -> rk.ResourceState:
    usage = rk.meter(
        [EVENT],
        [rk.Meter("runtime", "hour", rk.OnOff())],
        span=rk.Span(T0, "2026-03-02T00:00:00Z"),
        cycle=None,
        as_of="2026-03-02T00:00:00Z",
    )
    return usage.state[0]


def _values() -> list[object]:
    """One value of every public attrs class (of ratekit and its CloudEvents adapter)."""
    meters = [rk.Meter("runtime", "hour", rk.OnOff()), rk.Meter("egress", "GB", rk.Discrete())]
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("vm", "runtime", rk.PerUnit("0.1")),
            rk.PriceEntry("out", "egress", rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "1")])),
        ],
        fees=[rk.Fee("support", "10")],
    )
    records = [EVENT, rk.Sample("acme", "vm-1", "egress", "2026-03-02T00:00:00Z", 150, id="s")]
    rating = rk.rate(records, plan, span=MARCH, meters=meters)
    invoice = rk.bill(rating)[0]
    usage = rk.meter(
        records, meters, span=MARCH, cycle=rk.cycles.monthly(tz="UTC"), as_of=MARCH.end
    )
    tiers = [rk.Tier(100, "2"), rk.Tier(None, "1")]
    credit = rk.Credit("c1", "acme", "1", "EUR", T0)
    (credited,) = rk.bill(rating, credits=[credit])
    comparison = rk.compare_plans(records, {"a": plan, "b": plan}, span=MARCH, meters=meters)
    rater = rk.Rater(plan, meters, start=T0)
    rater.feed(records)
    statement = rater.statement("2026-03-03T00:00:00Z")
    return [
        rk.Assignment("acme", plan, start=T0),
        credit,
        *credited.credits,
        rk.Share("acme", "image-1", {"acme": 2, "beta": 1}),
        comparison,
        *comparison.rows,
        *statement.lines,
        *rk.Percentage("2.9", fixed_fee="0.30").explain_of([10, 20]),
        EVENT,
        SAMPLE,
        rk.Sample("acme", "ip-1", "bytes", T0, 7, kind="counter"),
        INVENTORY,
        rk.Inventory(T0, [], id="inv-2"),
        ANOMALY,
        rk.Anomaly("orphan_stop", "no start"),
        _state(),
        *meters,
        rk.Meter("memory", "GiB*hour", rk.Continuous("memory_mb", unit="MB")),
        rk.Unit("GiB*hour"),
        plan,
        *plan.entries,
        *plan.fees,
        rk.PerUnit("0.1"),
        rk.Flat("10"),
        rk.Graduated(tiers),
        rk.Volume(tiers),
        rk.Package(10, "3"),
        rk.Percentage("2.9", fixed_fee="0.30"),
        rk.GraduatedPercentage(tiers),
        *tiers,
        rk.Allowance("egress", 100),
        rk.Minimum("5"),
        rk.Count(),
        rk.Latest(),
        rk.Max(),
        rk.Min(),
        rk.UniqueCount(),
        rk.Percentile(95),
        rk.TimeWeightedMean(),
        rk.Counter(),
        rk.OnOff(),
        rk.Continuous("memory_mb"),
        rk.Discrete(),
        *rk.Graduated(tiers).explain(150),
        rk.AtLeast(2),
        rk.Above(3),
        rk.AtMost("2.5"),
        rk.Below(4),
        rk.Between(1, 2),
        rk.OneOf(["a", "b"]),
        rk.Satisfies(bool, "truthy"),
        rk.RecordBatch(records),
        rk.Feed(),
        rk.Statement(T0),
        usage,
        *usage.rows,
        rating,
        *rating.charges,
        invoice,
        *invoice.lines,
        cloudevents.Spec({"t": "m", "u": "n"}, quantity={"t": "data.n", "u": "data.x"}),
    ]


def _instants(value: object) -> dict[str, object]:
    """What a value gives back of its stored instants: its ``at`` (and ``since``)."""
    if type(value) is rk.ResourceState:
        return {}
    given: dict[str, object] = {}
    for name in ("at", "since"):
        if any(field.alias == name and field.name == f"{name}_us" for field in _fields(value)):
            given[name] = getattr(value, name)
    return given


def _fields(value: object) -> tuple[attrs.Attribute[typing.Any], ...]:
    return attrs.fields(type(value))  # type: ignore[misc] # an attrs class


def _classes() -> list[type]:
    """The public attrs classes of ratekit and of its CloudEvents adapter."""
    public = [getattr(rk, name) for name in rk.__all__]
    public.append(cloudevents.Spec)
    return [value for value in public if isinstance(value, type) and attrs.has(value)]


def test_every_class_has_a_value_here() -> None:
    assert set(_classes()) - {type(value) for value in _values()} == set()


@pytest.mark.parametrize("value", _values(), ids=lambda value: type(value).__name__)
def test_evolve_changing_nothing_gives_the_value_back(value: object) -> None:
    if type(value) is rk.ResourceState:
        pytest.skip("a state is changed through its JSON form (the test below)")
    again = attrs.evolve(value, **_instants(value))
    assert again == value
    assert repr(again) == repr(value)


@pytest.mark.parametrize("cls", _classes(), ids=lambda cls: cls.__name__)
def test_each_constructor_takes_what_evolve_gives_back(cls: type) -> None:
    # attrs.evolve gives each field back under its alias: the constructor must take it
    # (ResourceState takes its memory only to refuse it, see below).
    aliases = {field.alias for field in attrs.fields(cls) if field.init}
    assert aliases <= set(inspect.signature(cls).parameters)


def test_a_record_evolved_with_its_instant_is_checked_at_the_door() -> None:
    moved = attrs.evolve(EVENT, id="e2", at="2026-03-01T01:00:00+01:00")
    assert moved == rk.Event("acme", "vm-1", T0, {"flavor": "small"}, kind="start", id="e2", seq=3)
    assert attrs.evolve(EVENT, at=EVENT.at, id="y").id == "y"
    # 500 over [00:00, 00:20) becomes 700 over [00:10, 00:20)
    later = attrs.evolve(SAMPLE, at=SAMPLE.at, since="2026-03-01T00:10:00Z", value="700")
    assert (later.value, later.since_us) == (Decimal(700), T0_US + 600_000_000)
    assert attrs.evolve(INVENTORY, at=INVENTORY.at, id="inv-3").where == INVENTORY.where
    with pytest.raises(rk.BadRecordError, match=r"^event 'e1' kind 'halt' is not one of"):
        attrs.evolve(EVENT, at=EVENT.at, kind="halt")
    with pytest.raises(rk.BadQuantityError, match=r"^sample 's1' value 'lots' is not a decimal"):
        attrs.evolve(SAMPLE, at=SAMPLE.at, since=SAMPLE.since, value="lots")
    with pytest.raises(rk.BadTimeError, match=r"^event 'e1' at '2026-03-01T00:00:00' has no UTC"):
        attrs.evolve(EVENT, at="2026-03-01T00:00:00")


@pytest.mark.parametrize(
    ("value", "changes", "message"),
    [
        (
            EVENT,
            {"id": "y"},
            (
                "event 'y' at must be an aware datetime or an ISO-8601 string with an offset, not "
                f"int: {T0_US}; for an epoch time n, give datetime(1970, 1, 1, tzinfo=timezone.utc) "
                "+ timedelta(seconds=n), or timedelta(microseconds=n) for microseconds. attrs.evolve "
                "gives a record's at_us (epoch microseconds) back as at: give the instant with the "
                "changes, attrs.evolve(record, ..., at=record.at)."
            ),
        ),
        (
            SAMPLE,
            {"at": SAMPLE.at, "value": 3},
            (
                "sample 's1' since must be an aware datetime or an ISO-8601 string with an offset, "
                f"not int: {T0_US}; for an epoch time n, give datetime(1970, 1, 1, "
                "tzinfo=timezone.utc) + timedelta(seconds=n), or timedelta(microseconds=n) for "
                "microseconds. attrs.evolve gives a record's since_us (epoch microseconds) back as "
                "since: give the instant with the changes, attrs.evolve(record, ..., "
                "since=record.since)."
            ),
        ),
        (
            INVENTORY,
            {"close": "last_seen"},
            (
                "inventory 'inv-1' at must be an aware datetime or an ISO-8601 string with an "
                f"offset, not int: {T0_US}; for an epoch time n, give datetime(1970, 1, 1, "
                "tzinfo=timezone.utc) + timedelta(seconds=n), or timedelta(microseconds=n) for "
                "microseconds. attrs.evolve gives a record's at_us (epoch microseconds) back as at: "
                "give the instant with the changes, attrs.evolve(record, ..., at=record.at)."
            ),
        ),
        (
            ANOMALY,
            {"message": "seen three times"},
            (
                "Anomaly at must be an aware datetime or an ISO-8601 string with an offset, not "
                f"int: {T0_US}; for an epoch time n, give datetime(1970, 1, 1, tzinfo=timezone.utc) "
                "+ timedelta(seconds=n), or timedelta(microseconds=n) for microseconds. attrs.evolve "
                "gives an anomaly's at_us (epoch microseconds) back as at: give the instant with the "
                "changes, attrs.evolve(anomaly, ..., at=anomaly.at)."
            ),
        ),
    ],
    ids=["event", "sample-since", "inventory", "anomaly"],
)
def test_an_instant_left_out_of_evolve_says_to_give_it(
    value: object, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        attrs.evolve(value, **changes)
    assert str(caught.value) == message


def test_an_int_instant_given_by_hand_is_refused_as_before() -> None:
    # The int is refused whoever gives it: epoch seconds or microseconds cannot be told apart.
    with pytest.raises(rk.RatekitTypeError, match=r"^event \(no id\) of resource 'r' at must be"):
        rk.Event("a", "r", T0_US)
    with pytest.raises(rk.RatekitTypeError, match=r"not bool: True\.$"):
        rk.Event("a", "r", True)  # type: ignore[arg-type]


def test_a_meter_and_a_unit_evolved_read_their_unit_anew() -> None:
    memory = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb", unit="MB"))
    # a level in MB over 1 hour is 1 MB*hour; the same level in GiB*hour is
    # 1 / 1073.741824 (1 GiB = 1073741824 B = 1073.741824 MB), whose factor is read anew
    gib = attrs.evolve(memory, unit="GiB*hour")
    assert gib == rk.Meter("memory", "GiB*hour", rk.Continuous("memory_mb", unit="MB"))
    assert gib._factor == rk.Meter("m", "GiB*hour", rk.Continuous("x", unit="MB"))._factor
    assert gib._factor != memory._factor
    with pytest.raises(
        rk.UnitError, match=r"^Meter 'memory' reads its level in 'MB' \(data\), so its unit"
    ):
        attrs.evolve(memory, unit="GB")
    assert attrs.evolve(rk.Unit("GiB*hour"), text="MB/s") == rk.Unit("MB/s")
    assert attrs.evolve(rk.Unit("kB"), text="B").factor == 1
    with pytest.raises(rk.UnitError):
        attrs.evolve(rk.Unit("kB"), text="hour*!!")


def test_a_state_is_not_evolved_but_changed_through_its_json_form() -> None:
    state = _state()
    with pytest.raises(rk.RatekitTypeError) as caught:
        attrs.evolve(state, status="stopped")
    assert str(caught.value) == (
        "ResourceState is not changed with attrs.evolve: what it remembers of the records "
        "applied (history, base, digests) is kept in a form only ratekit writes. Change its "
        "JSON form, whose every field from_json() checks: "
        "ResourceState.from_json({**state.to_json(), 'status': 'stopped'})."
    )
    stopped = rk.ResourceState.from_json({**state.to_json(), "status": "stopped"})
    assert (stopped.status, stopped.description) == ("stopped", state.description)


def test_given_back_pairs_are_read_as_their_mapping_and_checked_anew() -> None:
    assert rk.Inventory(T0, [], where=INVENTORY.where).where == INVENTORY.where
    with pytest.raises(rk.RatekitTypeError, match=r"\(or the tuple of \(path, condition\) pairs"):
        rk.Inventory(T0, [], where=(("entity", "vm"), ("entity", "volume")))  # a path twice
    with pytest.raises(rk.RatekitTypeError, match=r"^inventory where 'f' is Satisfies"):
        rk.Inventory(T0, [], where=(("f", rk.Satisfies(bool, "truthy")),))
    spec = cloudevents.Spec({"t": "m"}, quantity="data.n")
    assert attrs.evolve(spec, kind="gauge").kind == "gauge"
    with pytest.raises(rk.RatekitTypeError, match=r"^Spec meters must be a non-empty mapping"):
        cloudevents.Spec((("t", 5),), quantity="data.n")  # type: ignore[arg-type]


def test_evolve_under_a_strict_decimal_context_is_exact() -> None:
    import decimal

    with decimal.localcontext() as context:
        context.prec = 3
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        big = attrs.evolve(SAMPLE, at=SAMPLE.at, since=SAMPLE.since, value="123456.789")
        assert big.value == Decimal("123456.789")
        late = attrs.evolve(EVENT, at=dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC))
        assert late.at_us == T0_US + 2 * 3_600_000_000  # two hours later


class _RaisingInt(int):
    """An int whose own conversions raise (a caller's subclass may run any code)."""

    def __int__(self) -> int:
        raise ValueError("no int")

    def __index__(self) -> int:
        raise ValueError("no index")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            rk.Unit,
            r"^A unit must be a string such as 'GiB\*hour' or a Unit, not _RaisingInt: 3\.$",
        ),
        (lambda v: rk.Event(v, "r", T0), r"^event \(no id\) of resource 'r' account must be a non"),
        (
            lambda v: rk.Meter(v, "hour", rk.OnOff()),
            r"^Meter name must be a non-empty string, not 3\.$",
        ),
        (
            lambda v: rk.RecordBatch.from_tuples(events=[(v, "r", T0_US)]),
            r"^events\[0\]: account is _RaisingInt 3; it must be a non-empty string\.$",
        ),
        (
            lambda v: rk.Rater(
                rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), []), [], start=T0
            ).feed([EVENT, v]),
            r"^Rater\.feed takes Event, Sample and Inventory records, not _RaisingInt: 3 ",
        ),
    ],
    ids=["unit", "event", "meter", "tuple", "feed"],
)
def test_an_int_subclass_whose_conversions_raise_is_shown_as_its_value(
    call: typing.Callable[[object], object], message: str
) -> None:
    # Before, showing it in the message called its own __int__, whose ValueError escaped.
    with pytest.raises(rk.RatekitError, match=message):
        call(_RaisingInt(3))
