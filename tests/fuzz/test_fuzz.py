"""Fuzz every public constructor and function with hostile values.

For every public callable (``ratekit.__all__``, ``ratekit.cycles``, ``ratekit.windows``,
``ratekit.units``), hypothesis draws arguments that are plausible or hostile (see
``hostile.py``) and asserts: only :class:`~ratekit.RatekitError` subclasses escape (and
Python's own refusal of a call's shape), no call takes more than a second, the caller's
decimal context is untouched, and every value a constructor accepts has a working
``repr`` and ``str``. Each accepted value's public methods are then fuzzed the same way.

A small budget runs in CI; ``RATEKIT_FUZZ_EXAMPLES`` scales it for a long run.
"""

from __future__ import annotations

import inspect
import os
import typing
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ratekit as rk

from .hostile import CALLS, FUZZ, check_shown, draw_call, guarded, signature

_PROTOCOLS = {"Cycle", "Window", "PriceModel", "DeltaPolicy", "SamplePolicy", "TimePolicy"}

#: Targets whose doors other parts of ratekit are fixing; they stay out of the committed
#: suite until those fixes meet this one (each was found by this fuzzer).
KNOWN: dict[str, str] = {
    # Policies: the protocol methods take anything (metering's doors).
    "rk.Continuous.level": "Continuous('m').level(None) raises AttributeError",
    "rk.OnOff.level": "OnOff().level(True) raises AttributeError",
    "rk.Count.aggregate": "Count().aggregate(5, 0, 1, None) raises TypeError",
    "rk.Counter.increments": "list(Counter().increments(None, None, report)) raises TypeError",
    "rk.Discrete.increments": "list(Discrete().increments(['x'], None, report)) raises AttributeError",
    "rk.Latest.aggregate": "Latest().aggregate(frozenset(), 0, 1, None) raises TypeError",
    "rk.Max.aggregate": "Max().aggregate(None, 0, 1, None) raises TypeError",
    "rk.Min.aggregate": "Min().aggregate(None, 0, 1, None) raises TypeError",
    "rk.Percentile.aggregate": "Percentile(1).aggregate(['x'], 0, 1, None) raises AttributeError",
    "rk.TimeWeightedMean.aggregate": "TimeWeightedMean().aggregate(None, 0, 1, None) raises TypeError",
    "rk.UniqueCount.aggregate": "UniqueCount().aggregate(None, 0, 1, None) raises TypeError",
    # Price models: the alternative constructor takes anything (the plan side's doors).
    "rk.Graduated.from_ranges": "Graduated.from_ranges(5) raises TypeError",
    "rk.Volume.from_ranges": "Volume.from_ranges(None) raises TypeError",
    "rk.Percentage.amount_of": "Percentage(0).amount_of(datetime.time()) raises TypeError",
    "rk.Percentage.explain_of": "Percentage(0).explain_of(None) raises TypeError",
    "rk.rate": "rate(None, plan, span=...) and rate(rows, plan, meters=[1]) raise",
    # Result values built directly: no door, so their repr raises.
    "rk.Anomaly": "Anomaly('start', None) is accepted and its str raises TypeError",
    "rk.Charge": "Charge(span=None, ...) is accepted and its repr raises AttributeError",
    "rk.Invoice": "Invoice(lines=None, ...) is accepted and its repr raises TypeError",
    "rk.InvoiceLine": "InvoiceLine(quantity=None, ...) is accepted, its repr raises",
    "rk.Rating": "Rating(charges=[], anomalies=None) is accepted, its repr raises",
    "rk.TierLine": "TierLine(label=True, ...) is accepted, its repr raises TypeError",
    "rk.TransactionLine": "TransactionLine(amount=None, ...) is accepted, its repr raises",
    "rk.Usage": "Usage(None, (), ()) is accepted, its repr raises TypeError",
    "rk.ComparisonRow": "ComparisonRow(cycle=<not a span>, ...) is accepted, its repr raises",
    "rk.Comparison": "Comparison(rows=None, ...) is accepted, its repr and methods raise",
    "rk.CreditLine": "CreditLine(available=None, ...) is accepted, its repr raises TypeError",
    "rk.Feed": "Feed(anomalies=None, ...) is accepted, its repr raises AttributeError",
    "rk.Statement": "Statement(lines=None, ...) is accepted, its repr raises TypeError",
    "rk.StatementLine": "StatementLine(amount=None, ...) raises TypeError / InvalidOperation",
    "rk.Rater": "Rater(plan, meters=datetime) raises TypeError (not iterable)",
    "rk.Counter.baseline": "Counter().baseline(None, 0) raises AttributeError",
    "rk.charges_frame": "a DataFrame's repr under hostile rows takes over a second (pandas)",
    "rk.invoice_lines_frame": "a DataFrame's repr under hostile rows takes over a second",
    "rk.usage_frame": "a DataFrame's repr under hostile rows takes over a second (pandas)",
    # Doors being fixed in parallel (plan, metering, records and units).
    "rk.Plan": "Plan(fees=None, ...) raises TypeError",
    "rk.UsageRow": "UsageRow(record_ids=None, ...) raises TypeError",
    "rk.ResourceState": "ResourceState.from_json({'description': 5}) raises KeyError",
    "rk.meter": "meter(None, ...) raises TypeError",
    "rk.bill": "bill(None) raises TypeError (not iterable)",
    "rk.currency_quantum": "currency_quantum([]) raises TypeError",
    "units.from_microseconds": "from_microseconds(float('nan'), 'hour') returns NaN",
    "units.microseconds_per": "microseconds_per([]) raises TypeError (unhashable)",
}


def _targets() -> dict[str, Callable[..., object]]:
    found: dict[str, Callable[..., object]] = {}
    spaces = {
        "rk": (rk, rk.__all__),
        "cycles": (rk.cycles, rk.cycles.__all__),
        "windows": (rk.windows, rk.windows.__all__),
        "units": (rk.units, rk.units.__all__),
    }
    for prefix, (module, names) in spaces.items():
        for name in names:
            value = getattr(module, name)
            if inspect.ismodule(value) or name in _PROTOCOLS:
                continue
            if inspect.isclass(value) and issubclass(value, BaseException):
                continue
            if callable(value):
                found[f"{prefix}.{name}"] = value
    return found


TARGETS = _targets()
_FUZZED = sorted(name for name in TARGETS if name not in KNOWN)
_KNOWN_METHODS = {name for name in KNOWN if name not in TARGETS}


def _methods(target: str, value: object) -> list[tuple[str, Callable[..., object]]]:
    out = []
    for name in dir(type(value)):
        if name.startswith("_") or f"{target}.{name}" in _KNOWN_METHODS:
            continue
        try:
            attribute = getattr(value, name)
        except rk.RatekitError:
            continue
        if callable(attribute) and not inspect.isclass(attribute):
            out.append((name, attribute))
    return out


_SETTINGS = settings(
    max_examples=FUZZ,
    # CI runs the same examples every time; a long run (RATEKIT_FUZZ_EXAMPLES) explores.
    derandomize="RATEKIT_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@_SETTINGS
@pytest.mark.parametrize("name", _FUZZED)
@given(data=st.data())
def test_only_ratekit_errors_escape_and_accepted_values_show(
    name: str, data: st.DataObject
) -> None:
    target = TARGETS[name]
    args, kwargs = data.draw(
        st.composite(lambda draw: draw_call(draw, target))(), label="arguments"
    )
    ok, value = guarded(name, lambda: target(*args, **kwargs))
    if not ok:
        return
    check_shown(name, value)
    # The accepted value's public methods, with plausible and hostile arguments.
    methods = _methods(name, value)
    if not methods:
        return
    for _ in range(data.draw(st.integers(1, 3), label="method calls")):
        method_name, method = data.draw(st.sampled_from(methods), label="method")
        if signature(method) is not None:
            _fuzz_method(data, f"{name}(...).{method_name}", method)


def _fuzz_method(data: st.DataObject, what: str, method: Callable[..., object]) -> None:
    args, kwargs = data.draw(st.composite(lambda draw: draw_call(draw, method))(), label=what)
    done, result = guarded(what, lambda: method(*args, **kwargs))
    if done:
        check_shown(what, result)
        if isinstance(result, typing.Iterator):
            guarded(f"{what} iterated", lambda: list(result))  # type: ignore[arg-type]


def test_every_public_callable_is_fuzzed_or_listed_as_known() -> None:
    assert set(_FUZZED) | (set(KNOWN) - _KNOWN_METHODS) == set(TARGETS)
    assert len(TARGETS) > 60
    assert all(name.rsplit(".", 1)[0] in TARGETS for name in _KNOWN_METHODS)


def test_the_fuzzers_counted_their_calls() -> None:
    # (meaningful after the fuzz tests ran in the same session; harmless otherwise)
    assert all(count >= 0 for count in CALLS.values())
