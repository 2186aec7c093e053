"""A public call with arguments its signature cannot bind says what the callable takes.

Python refuses such a call with a bare ``TypeError`` (``meter() missing 1 required
keyword-only argument: 'as_of'``). Every public function, method and class of ratekit
refuses it with a `RatekitTypeError` (still a ``TypeError``) naming the callable, what
was wrong and what it takes, read from its signature; a ``TypeError`` raised inside the
callable (a value of the wrong type) is ratekit's own refusal, as before. Protocols
(`PriceModel`, `Cycle`, ...) are not built, and errors are not refused so.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _refusal(call: Callable[[], object]) -> str:
    with pytest.raises(rk.RatekitTypeError) as raised:
        call()
    assert raised.value.__cause__ is None  # the call was refused, no error to chain
    assert isinstance(raised.value, TypeError)  # code catching TypeError still does
    return str(raised.value)


def _rater() -> rk.Rater:
    return rk.Rater(rk.Plan("p", "EUR", MONTHLY, []), [], start=MARCH.start)


def test_a_function_missing_keywords_names_them_and_what_it_takes() -> None:
    # was: TypeError: meter() missing 1 required keyword-only argument: 'as_of'
    meter: Any = rk.meter
    assert _refusal(lambda: meter([], [], span=MARCH, cycle=MONTHLY)) == (
        "meter() needs as_of; it takes records and meters, then by keyword span, cycle and "
        "as_of (and optionally by keyword cuts, state and conflicts)."
    )


def test_a_function_given_an_unknown_keyword_names_it() -> None:
    rate: Any = rk.rate
    assert _refusal(lambda: rate([], [], span=MARCH, as_off=MARCH.end)) == (
        "rate() takes no argument 'as_off'; it takes usage and plans, then by keyword span "
        "(and optionally by keyword meters, as_of, accounts and shares)."
    )


def test_a_method_counts_the_arguments_its_caller_gave() -> None:
    # statement(as_of) given three by position: the rater itself is not counted
    statement: Any = _rater().statement
    assert _refusal(lambda: statement(MARCH.end, 1, 2)) == (
        "Rater.statement() was given 3 argument(s) by position; it takes as_of."
    )
    feed: Any = _rater().feed
    assert _refusal(feed) == "Rater.feed() needs records; it takes records."


def test_a_class_missing_arguments_names_them_and_what_it_takes() -> None:
    plan: Any = rk.Plan
    assert _refusal(lambda: plan("p", "EUR")) == (
        "Plan() needs cycle and entries; it takes id, currency, cycle and entries (and "
        "optionally allowances, minimums, fees, quantum, rounding, proration, tz and "
        "unpriced)."
    )
    event: Any = rk.Event
    assert _refusal(lambda: event("acme", "vm-1")) == (
        "Event() needs at; it takes account, resource and at (and optionally attributes, "
        "then by keyword kind, id and seq)."
    )


def test_a_class_that_takes_nothing_says_so() -> None:
    discrete: Any = rk.Discrete
    assert _refusal(lambda: discrete(1)) == (
        "Discrete() was given 1 argument(s) by position; it takes no arguments."
    )
    counter: Any = rk.Counter
    assert _refusal(lambda: counter(True)) == (
        "Counter() was given 1 argument(s) by position; it takes optionally by keyword "
        "from_zero and wraps_at."
    )


def test_a_type_error_inside_the_callable_is_its_own_refusal() -> None:
    # the call binds; the value is refused by the callable, naming the field
    meters: Any = 5
    message = _refusal(lambda: rk.rate([], [], span=MARCH, meters=meters))
    assert message == "rate meters must be an iterable (a list or tuple), not int: 5."
    rate: Any = "x"
    with pytest.raises(rk.BadPriceError, match="PerUnit rate 'x' is not a decimal number"):
        rk.PerUnit(rate)


def test_a_good_call_is_unchanged_and_classes_keep_their_signatures() -> None:
    # 10 GB x 2 = 20
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("gb", "gb", rk.PerUnit(2))])
    row = rk.UsageRow("acme", "gb", "r", MARCH, MARCH, 10, "GB", {}, ())
    assert rk.rate([row], plan, span=MARCH).total() == 20
    assert list(inspect.signature(rk.Plan).parameters)[:4] == ["id", "currency", "cycle", "entries"]
    assert rk.Plan.__name__ == "Plan"


def _public_callables() -> list[tuple[str, Callable[..., object]]]:
    found: list[tuple[str, Callable[..., object]]] = []
    for module in (rk, rk.cycles, rk.windows, rk.plandata, rk.units):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.ismodule(value) or not callable(value):
                continue
            if isinstance(value, type) and (
                issubclass(value, BaseException) or getattr(value, "_is_protocol", False)
            ):
                continue
            found.append((f"{module.__name__}.{name}", value))
    rater = _rater()
    found += [
        (f"Rater.{name}", getattr(rater, name))
        for name in dir(rater)
        if not name.startswith("_") and inspect.ismethod(getattr(rater, name))
    ]
    return found


@pytest.mark.parametrize(("name", "callable_"), _public_callables())
def test_every_public_callable_refuses_an_argument_it_does_not_take(
    name: str, callable_: Callable[..., object]
) -> None:
    message = _refusal(lambda: callable_(no_such_argument=1))
    assert "'no_such_argument'" in message or "no tz" in message or "no argument" in message
    assert "it takes" in message, name


def test_the_list_of_public_callables_is_not_empty_of_any_kind() -> None:
    names = {name for name, _ in _public_callables()}
    # functions, methods, classes users build and results ratekit builds, in each module
    assert {"ratekit.meter", "ratekit.Plan", "ratekit.Charge", "Rater.copy"} <= names
    assert {"ratekit.cycles.monthly", "ratekit.windows.cron", "ratekit.units.convert"} <= names
    assert "ratekit.plandata.Document" in names
    assert len(names) > 100
