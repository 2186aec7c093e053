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

#: Targets left out of the suite, with the reason (``"rk.Name"``, or ``"rk.Name.method"`` for
#: one method of the values it returns). Empty: every public callable, and every public
#: method of the values they accept, is fuzzed; a target found failing is fixed at its
#: door, not listed here.
KNOWN: dict[str, str] = {}


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
    # Only ratekit's own values: a tuple or Fraction a call returns has Python's methods,
    # whose refusals (tuple.index(x): x not in tuple) are not ratekit's to translate.
    if not type(value).__module__.startswith("ratekit"):
        return []
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
