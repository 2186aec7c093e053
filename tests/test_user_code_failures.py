"""Code of the user's own that fails inside ratekit: a policy, a cycle of a plan or allowance.

A policy's ``level``, ``accepts``, ``increments`` or ``aggregate`` (or a ``Continuous``
level function) that raises is a ``BadPolicyError`` naming the meter, the method, the
resource and the exception, chained; a plan's or an allowance's cycle that raises, at
any instant rating asks it (not only the first), is a ``BadCalendarError`` naming the
cycle and the call, in ``rate()`` as in the streaming rater. A ``RatekitError`` the code
raises passes as it is. No other exception escapes, and nothing hangs.
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import plandata

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MARCH_APRIL = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
HOURS = rk.Meter("hours", "hour", rk.OnOff())
RUNS = [
    rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="start", id="e1"),
    rk.Event("acme", "vm-1", "2026-03-03T00:00:00Z", kind="stop", id="e2"),
]
DELTAS = [
    rk.Sample("acme", "disk-1", "io", "2026-03-02T00:00:00Z", 5, kind="delta", id="s1"),
    rk.Sample("acme", "disk-1", "io", "2026-03-03T00:00:00Z", 7, kind="delta", id="s2"),
]


def _plan(meter: str, cycle: object = MONTHLY, **terms: object) -> rk.Plan:
    return rk.Plan("p", "EUR", cycle, [rk.PriceEntry("x", meter, rk.PerUnit(1))], **terms)  # type: ignore[arg-type]


def _both(records: Sequence[rk.Record], plan: rk.Plan, meters: list[rk.Meter]) -> list[str]:
    """The messages of ``rate()`` over March and of a rater's statement after March."""
    messages = []
    with pytest.raises(rk.RatekitError) as batch:
        rk.rate(records, plan, span=MARCH, meters=meters)
    messages.append(str(batch.value))

    def stream_of_march() -> None:
        rater = rk.Rater(plan, meters, start="2026-03-01T00:00:00Z")
        rater.feed(records)
        rater.statement("2026-04-02T00:00:00Z")

    with pytest.raises(rk.RatekitError) as stream:
        stream_of_march()
    messages.append(str(stream.value))
    assert type(batch.value) is type(stream.value)
    assert type(batch.value.__cause__) is type(stream.value.__cause__)
    return messages


class _RaisingDelta:
    def accepts(self, kind: str) -> bool:
        return kind == "delta"

    def increments(
        self, readings: Sequence[rk.Sample], previous: object, report: object
    ) -> list[object]:
        raise KeyError("rate card")


class _HalfwayDelta:
    """A generator that yields one good increment, then fails."""

    def accepts(self, kind: str) -> bool:
        return kind == "delta"

    def increments(
        self, readings: Sequence[rk.Sample], previous: object, report: object
    ) -> Iterator[object]:
        yield (readings[0].at_us, readings[0].at_us, Decimal(1), ())
        raise ZeroDivisionError("division by zero")


class _EndlessDelta:
    def accepts(self, kind: str) -> bool:
        return kind == "delta"

    def increments(
        self, readings: Sequence[rk.Sample], previous: object, report: object
    ) -> Iterator[object]:
        for _ in itertools.count():
            yield (readings[0].at_us, readings[0].at_us, Decimal(1), ())


class _RaisingAggregate:
    def accepts(self, kind: str) -> bool:
        return kind == "delta"

    def aggregate(self, readings: object, start_us: int, end_us: int, before: object) -> Decimal:
        raise ValueError("no median of nothing")


class _RaisingAccepts:
    def accepts(self, kind: str) -> bool:
        raise RuntimeError("kinds unknown")

    def aggregate(self, readings: object, start_us: int, end_us: int, before: object) -> None:
        return None


class _RaisingLevel:
    def level(self, description: object) -> Decimal:
        raise KeyError("flavor")


class _RefusingLevel:
    def level(self, description: object) -> Decimal:
        raise rk.BadQuantityError("my own refusal")


def test_an_increments_that_raises_is_named_with_its_exception_chained() -> None:
    io = rk.Meter("io", "B", _RaisingDelta())
    for message in _both(DELTAS, _plan("io"), [io]):
        assert message.startswith(
            "meter 'io': policy _RaisingDelta.increments(), for resource 'disk-1' of 'acme', "
            "raised KeyError ('rate card'); a policy returns what metering reads, or refuses "
            "with a RatekitError"
        )
    with pytest.raises(rk.BadPolicyError) as caught:
        rk.rate(DELTAS, _plan("io"), span=MARCH, meters=[io])
    assert isinstance(caught.value.__cause__, KeyError)
    assert isinstance(caught.value, ValueError)


def test_a_generator_of_increments_that_fails_midway_is_named() -> None:
    io = rk.Meter("io", "B", _HalfwayDelta())
    for message in _both(DELTAS, _plan("io"), [io]):
        assert message.startswith(
            "meter 'io': policy _HalfwayDelta.increments(), for resource 'disk-1' of 'acme', "
            "raised ZeroDivisionError (division by zero)"
        )


def test_an_endless_generator_of_increments_is_refused_not_read_to_its_end() -> None:
    # Two readings: at most 1,000,000 + 2 increments are taken; the next one refuses.
    io = rk.Meter("io", "B", _EndlessDelta())
    with pytest.raises(rk.BadPolicyError, match=r"returned more than 1,000,002 increments"):
        rk.rate(DELTAS, _plan("io"), span=MARCH, meters=[io])


def test_an_aggregate_that_raises_is_named_with_its_piece() -> None:
    io = rk.Meter("io", "B", _RaisingAggregate())
    for message in _both(DELTAS, _plan("io"), [io]):
        assert message.startswith(
            "meter 'io': policy _RaisingAggregate.aggregate(), for resource 'disk-1' of "
            "'acme' over 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z, raised ValueError "
            "(no median of nothing)"
        )


def test_an_accepts_that_raises_is_named_where_the_kinds_are_read() -> None:
    odd = rk.Meter("odd", "B", _RaisingAccepts())
    expected = "meter 'odd': policy _RaisingAccepts.accepts(), for the sample kinds it takes, raised RuntimeError (kinds unknown)"
    with pytest.raises(rk.BadPolicyError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        rk.Rater(_plan("hours"), [HOURS, odd], start="2026-03-01T00:00:00Z")
    with pytest.raises(rk.BadPolicyError, match=r"_RaisingAccepts\.accepts\(\)"):
        rk.rate(RUNS, _plan("hours"), span=MARCH, meters=[HOURS, odd])


def test_a_level_that_raises_names_the_record_that_described_the_resource() -> None:
    on = rk.Meter("hours", "hour", _RaisingLevel())
    for message in _both(RUNS, _plan("hours"), [on]):
        assert message.startswith(
            "meter 'hours': policy _RaisingLevel.level(), for resource 'vm-1' of 'acme' as "
            "described by record 'e1' at 2026-03-02T00:00:00Z, raised KeyError ('flavor')"
        )


def test_a_continuous_level_function_that_raises_is_named() -> None:
    memory = rk.Meter(
        "mem", "GiB*hour", rk.Continuous(lambda description: description["memory_gib"])
    )
    for message in _both(RUNS, _plan("mem"), [memory]):
        assert "policy Continuous.level(), for resource 'vm-1' of 'acme'" in message
        assert "raised KeyError ('memory_gib')" in message


def test_a_ratekit_error_a_policy_raises_passes_as_it_is() -> None:
    on = rk.Meter("hours", "hour", _RefusingLevel())
    with pytest.raises(rk.BadQuantityError, match="my own refusal") as caught:
        rk.rate(RUNS, _plan("hours"), span=MARCH, meters=[on])
    assert "policy _RefusingLevel" not in str(caught.value)


class _FailsFrom:
    """Monthly UTC, failing for any instant at or after ``from_us`` (as a broken table would)."""

    def __init__(self, from_us: int) -> None:
        self.from_us = from_us

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        if end_us > self.from_us:
            raise ZeroDivisionError("no table past April")
        return MONTHLY.boundaries_us(start_us, end_us)

    def containing_us(self, t_us: int) -> tuple[int, int]:
        if t_us >= self.from_us:
            raise KeyError(t_us)
        return MONTHLY.containing_us(t_us)

    def __eq__(self, other: object) -> bool:
        return type(other) is _FailsFrom and other.from_us == self.from_us

    def __hash__(self) -> int:
        return hash(self.from_us)

    def __repr__(self) -> str:
        return f"_FailsFrom({self.from_us})"


APRIL_2 = rk.Span("2026-04-02T00:00:00Z", "2026-04-03T00:00:00Z").start_us


@pytest.mark.parametrize(
    "plan",
    [
        pytest.param(_plan("hours", _FailsFrom(APRIL_2)), id="billing cycle"),
        pytest.param(
            _plan("hours", allowances=[rk.Allowance("hours", 5, cycle=_FailsFrom(APRIL_2))]),
            id="allowance cycle",
        ),
    ],
)
def test_a_cycle_that_fails_only_later_is_a_calendar_error_in_batch_and_stream(
    plan: rk.Plan,
) -> None:
    # March alone is rated (the cycle answers there); a span reaching into April asks it
    # past its table, wherever rating asks it first.
    assert rk.rate(RUNS, plan, span=MARCH, meters=[HOURS]).charges
    with pytest.raises(
        rk.BadCalendarError, match=r"^cycle _FailsFrom: (boundaries|containing)_us\("
    ) as batch:
        rk.rate(RUNS, plan, span=MARCH_APRIL, meters=[HOURS])
    assert isinstance(batch.value.__cause__, ZeroDivisionError | KeyError)
    rater = rk.Rater(plan, [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(RUNS)
    assert rater.statement("2026-03-20T00:00:00Z").lines
    with pytest.raises(
        rk.BadCalendarError, match=r"^cycle _FailsFrom: (boundaries|containing)_us\("
    ):
        rater.statement("2026-05-03T00:00:00Z")


def test_a_rater_start_its_cycle_cannot_place_is_a_calendar_error() -> None:
    plan = _plan("hours", _FailsFrom(0))
    with pytest.raises(
        rk.BadCalendarError,
        match=r"^cycle _FailsFrom: containing_us\(1772323200000000\), at 2026-03-01T00:00:00Z raised KeyError",
    ):
        rk.Rater(plan, [HOURS], start="2026-03-01T00:00:00Z")


def test_a_plan_keeps_a_cycle_of_the_users_own_as_itself_to_every_reader() -> None:
    cycle = _FailsFrom(APRIL_2)
    plan = _plan("hours", cycle)
    allowance = rk.Allowance("hours", 5, cycle=cycle)
    # It shows, compares and hashes as the user's cycle (``cycle == plan.cycle`` is the
    # cycle's own __eq__'s answer); a plan pickles and loads equal.
    assert repr(plan.cycle) == "_FailsFrom(1775088000000000)"
    assert plan.cycle == cycle
    assert plan.cycle != _FailsFrom(APRIL_2 + 1)
    assert hash(plan.cycle) == hash(cycle)
    assert plan.cycle.from_us == APRIL_2  # type: ignore[attr-defined]
    assert plan == _plan("hours", cycle)
    assert hash(plan) == hash(_plan("hours", cycle))
    assert (
        repr(allowance)
        == "Allowance(meter='hours', quantity=Decimal('5'), cycle=_FailsFrom(1775088000000000))"
    )
    loaded = pickle.loads(pickle.dumps(plan))
    assert loaded == plan
    assert loaded.cycle == cycle
    with pytest.raises(
        rk.BadDataError, match=r"^cycle: _FailsFrom is not a type plan data can hold"
    ):
        plandata.dump(plan)


def test_a_built_in_cycle_is_kept_as_it_is() -> None:
    assert _plan("hours").cycle is MONTHLY
    yearly = rk.cycles.yearly(tz="UTC")
    assert rk.Allowance("hours", 5, cycle=yearly).cycle is yearly


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(lambda: rk.Meter("io", "B", _RaisingDelta()), id="increments"),
        pytest.param(lambda: rk.Meter("io", "B", _RaisingAggregate()), id="aggregate"),
    ],
)
def test_meter_names_the_policy_as_rate_does(broken: Callable[[], rk.Meter]) -> None:
    with pytest.raises(
        rk.BadPolicyError,
        match=r"^meter 'io': policy _Raising\w+\.\w+\(\), for resource 'disk-1' of 'acme'",
    ):
        rk.meter(DELTAS, [broken()], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)


class _RaisingDeclaration:
    """A sample policy whose ``additive`` property fails (its table is not loaded)."""

    def accepts(self, kind: str) -> bool:
        return kind == "gauge"

    def aggregate(self, readings: object, start_us: int, end_us: int, before: object) -> None:
        return None

    @property
    def additive(self) -> bool:
        raise KeyError("additive")


class _RaisingLevelUnit:
    def level(self, description: object) -> Decimal:
        return Decimal(1)

    @property
    def level_unit(self) -> str:
        raise LookupError("unit table")


def test_a_declaration_that_raises_is_named_at_the_meter() -> None:
    with pytest.raises(
        rk.BadPolicyError,
        match=r"^Meter 'peak' policy _RaisingDeclaration\.additive raised KeyError \('additive'\); declare it as a plain value, or leave it out\.$",
    ) as caught:
        rk.Meter("peak", "user", _RaisingDeclaration())
    assert isinstance(caught.value.__cause__, KeyError)
    with pytest.raises(
        rk.BadPolicyError,
        match=r"^Meter 'mem' policy _RaisingLevelUnit\.level_unit raised LookupError \(unit table\)",
    ):
        rk.Meter("mem", "GiB*hour", _RaisingLevelUnit())
