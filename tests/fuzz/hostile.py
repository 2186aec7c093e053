"""Hostile and plausible values for fuzzing every public constructor and function.

A fuzzed call draws each argument either from a plausible value for its parameter's name
(a span where a span goes, an IANA name where a timezone goes), so that calls get past the
first check and reach deeper code, or from :data:`HOSTILE`: wrong types, None, floats
(NaN, infinities, -0.0), huge, tiny and NaN Decimals, naive and odd datetimes, odd ISO
strings, unknown and absurd timezones, nested and unhashable values.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import inspect
import math
import os
import time
import zoneinfo
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from hypothesis import strategies as st

import ratekit as rk

#: Examples per fuzz target in CI; a long run scales it (``RATEKIT_FUZZ_EXAMPLES=2000``).
FUZZ: Final = int(os.environ.get("RATEKIT_FUZZ_EXAMPLES", "60"))
#: No single call may take longer than this, in seconds.
LIMIT_S: Final = 1.0

#: How many calls the fuzzers made (constructors, functions and methods), per target.
CALLS: dict[str, int] = {}

MARCH: Final = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")

ODD_TEXTS: Final = (
    "",
    " ",
    "2026-03-01",
    "2026-03-01T00:00:00",
    "2026-03-01T00:00:00Z",
    "2026-03-01T00:00:00+01:00",
    "2026-03-01T24:00:00Z",
    "2026-02-30T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999-12:00",
    "2026-W09-1T00:00:00Z",
    "20260301T000000Z",
    "2026-03-01T00:00:00.1234567Z",
    "2026-03-01T00:00:00+25:00",
    "NaN",
    "sNaN",
    "-Infinity",
    "1e999999999",
    "1E-999999999",
    "0x10",
    "1_000",
    "12,5",
    "\x00",
    "\ud800",
    "a" * 300,
    "Europe/Zurich",
    "Europe",
    "Mars/Olympus",
    "../../etc/passwd",
    "zone.tab",
    "UTC",
    "hour",
    "GB*hour",
    "hour*!!",
    "MB/s",
    "start",
    "stop",
    "delta",
    "counter",
    "gauge",
    "seconds",
    "days",
    "anomaly",
    "error",
    "ROUND_HALF_UP",
    "Tue",
    "22:00",
    "25:00",
    "0 2 * * Tue",
    "* * * * * *",
    "EUR",
    "JPY",
)


class _Weird:
    """An object whose equality, hash and repr are unusual (but do not raise)."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "<weird>"


class _Unhashable(dict[str, int]):
    pass


_decimals: Final = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("-Infinity"),
            Decimal("1E+999999"),
            Decimal("1E-999999999"),
            Decimal("-0"),
            Decimal("0E-1000000"),
            Decimal("1E+30"),
            Decimal("9.99E+29"),
            Decimal("1E-30"),
            Decimal("0.1000000000000000055511151231257827021181583404541015625"),
        ]
    ),
)
_floats: Final = st.one_of(
    st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324, 0.1])
)
_datetimes: Final = st.one_of(
    st.datetimes(),  # naive
    st.datetimes(timezones=st.timezones()),
    st.sampled_from(
        [
            dt.datetime.min,  # noqa: DTZ901 - naive on purpose: hostile values
            dt.datetime.max,  # noqa: DTZ901 - naive on purpose: hostile values
            dt.datetime.min.replace(tzinfo=dt.UTC),
            dt.datetime.max.replace(tzinfo=dt.UTC),
            dt.datetime.max.replace(tzinfo=dt.timezone(dt.timedelta(hours=-12))),
            dt.datetime.min.replace(tzinfo=dt.timezone(dt.timedelta(hours=14))),
            dt.datetime(2026, 3, 29, 2, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Zurich")),
            dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=zoneinfo.ZoneInfo("Europe/Zurich")),
        ]
    ),
)
_zones: Final = st.one_of(
    st.sampled_from(
        [
            "UTC",
            "Europe/Zurich",
            "America/Santiago",
            "Asia/Kolkata",
            "Pacific/Chatham",
            "Mars/Olympus",
            "",
            "a" * 300,
            "Europe",
            "../x",
            zoneinfo.ZoneInfo("Australia/Lord_Howe"),
            dt.UTC,
            dt.timezone(dt.timedelta(hours=5, minutes=30)),
        ]
    ),
    st.timezones(),
    st.timezone_keys(),
)
_nested: Final = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(max_size=4), st.booleans()),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=3), children, max_size=3),
        st.tuples(children, children),
    ),
    max_leaves=6,
)

#: Values no sane caller passes.
HOSTILE: Final = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**70, -(2**70), 10**30, 2**63]),
    _floats,
    _decimals,
    st.text(max_size=12),
    st.sampled_from(ODD_TEXTS),
    _datetimes,
    st.dates(),
    st.times(),
    st.timedeltas(),
    _zones,
    _nested,
    st.frozensets(st.integers(), max_size=3),
    st.builds(_Unhashable),
    st.builds(_Weird),
    st.builds(object),
    st.just(b"bytes"),
    st.just(MARCH),
    st.just(rk.cycles.daily(tz="UTC")),
)

_ids: Final = st.sampled_from(["acme", "vm-1", "e1", "runtime", "egress", "a", ""])
_numbers: Final = st.one_of(
    st.integers(-10, 10**6),
    st.decimals(min_value=-1000, max_value=10**6, places=3, allow_nan=False),
    st.sampled_from(["0", "1.5", "0.045", "100", "-2"]),
    # (plausible floats lie in ratekit's range: a subnormal one is a hostile value)
    st.floats(min_value=0, max_value=1e6, allow_nan=False).filter(lambda f: not 0 < f < 1e-30),
    # the edges of what ratekit accepts: their products and sums must still be handled
    st.sampled_from(["9E+29", "-9.99E+29", "1E-30", "123456789012345678901234567890.5"]),
)
_instants: Final = st.one_of(
    st.datetimes(
        min_value=dt.datetime(1990, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=dt.datetime(2060, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        timezones=st.just(dt.UTC),
    ),
    st.sampled_from(["2026-03-01T00:00:00Z", "2026-03-15T12:30:00+01:00", "2026-04-01T00:00:00Z"]),
)


@st.composite
def _spans(draw: st.DrawFn) -> rk.Span:
    base = MARCH.start_us
    far = draw(st.sampled_from([3_600_000_000, 86_400_000_000 * 40, 86_400_000_000 * 365 * 40]))
    a = base + draw(st.integers(-far, far))
    b = a + draw(st.integers(0, far))
    return rk.Span.from_us(a, b)


_units: Final = st.sampled_from(["hour", "GB", "MB*hour", "GiB*second", "B", "second", "1"])
_policies: Final = st.sampled_from(
    [rk.OnOff(), rk.Continuous("memory_mb"), rk.Discrete(), rk.Counter(), rk.Max()]
)
_meters: Final = st.sampled_from(
    [
        rk.Meter("runtime", "hour", rk.OnOff()),
        rk.Meter("egress", "GB", rk.Discrete()),
        rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb")),
    ]
)
_tiers: Final = st.sampled_from(
    [
        [rk.Tier(10, "0"), rk.Tier(None, "0.5")],
        [rk.Tier(100, "1", flat=5), rk.Tier(None, "2", block=50)],
        [(10, "0"), (None, "1")],
    ]
)
_plans: Final = st.sampled_from(
    [
        rk.Plan(
            "p",
            "EUR",
            rk.cycles.monthly(tz="UTC"),
            [rk.PriceEntry("r", "runtime", rk.PerUnit("0.1"))],
            fees=[rk.Fee("base", 5)],
        ),
    ]
)
_records: Final = st.lists(
    st.one_of(
        st.builds(
            rk.Event,
            st.just("acme"),
            st.just("vm-1"),
            _instants,
            st.just({"memory_mb": 512}),
            kind=st.sampled_from(["start", "stop"]),
            id=st.uuids().map(str),
        ),
        st.builds(
            rk.Sample,
            st.just("acme"),
            st.just("ip-1"),
            st.just("egress"),
            _instants,
            _numbers,
            id=st.uuids().map(str),
        ),
    ),
    max_size=4,
)

#: Plausible values by parameter name (the fuzzer mixes them with hostile ones).
PLAUSIBLE: Final[dict[str, st.SearchStrategy[Any]]] = {
    **dict.fromkeys(("account", "resource", "id", "name", "label", "entry"), _ids),
    **dict.fromkeys(("at", "start", "end", "anchor", "as_of", "t", "since"), _instants),
    **dict.fromkeys(("span", "part", "within", "over", "cycle_span"), _spans()),
    "cycle": st.one_of(
        _spans(), st.sampled_from([rk.cycles.monthly(tz="UTC"), rk.cycles.daily(tz="UTC")])
    ),
    "tz": _zones,
    **dict.fromkeys(
        (
            "quantity",
            "amount",
            "rate",
            "value",
            "percent",
            "up_to",
            "flat",
            "block",
            "size",
            "free",
            "added",
            "fixed_fee",
            "free_amount",
            "minimum",
            "maximum",
            "precise_total",
            "total",
        ),
        _numbers,
    ),
    **dict.fromkeys(("unit", "text", "from_unit", "to_unit"), _units),
    "policy": _policies,
    "meters": st.lists(_meters, max_size=3),
    "plans": st.one_of(_plans, st.lists(st.builds(rk.Assignment, st.just("acme"), _plans))),
    "plan": _plans,
    "records": _records,
    "usage": _records,
    "tiers": _tiers,
    "price": st.sampled_from([rk.PerUnit("0.5"), rk.Flat(3)]),
    "description": st.dictionaries(st.sampled_from(["flavor", "memory_mb"]), _numbers),
    "attributes": st.dictionaries(st.sampled_from(["flavor", "memory_mb"]), _numbers),
    "where": st.dictionaries(st.sampled_from(["flavor"]), st.sampled_from(["m1", "m2"])),
    "level": st.sampled_from(["memory_mb", ("memory_mb", "instances")]),
    "kind": st.sampled_from(["start", "stop", "update", "delete", "delta", "counter", "gauge"]),
    "basis": st.sampled_from(["seconds", "days"]),
    "weekday": st.sampled_from(["Mon", "sunday", 3]),
    "day": st.integers(1, 31),
    "month": st.integers(1, 12),
    "period": st.timedeltas(min_value=dt.timedelta(microseconds=1)),
    "currency": st.sampled_from(["EUR", "JPY", "USD"]),
    "transactions": st.lists(_numbers, max_size=4),
    "spans": st.lists(_spans(), max_size=3),
    "items": st.lists(st.tuples(_spans(), st.integers()), max_size=3),
    "window": st.sampled_from([rk.windows.weekends(tz="UTC")]),
    "windows": st.sampled_from([rk.windows.weekends(tz="UTC")]),
    "charges": st.lists(st.nothing(), max_size=0),
    **dict.fromkeys(
        ("start_us", "end_us", "t_us", "period_us", "anchor_us"),
        st.one_of(
            st.integers(MARCH.start_us - 10**12, MARCH.end_us + 10**12),
            st.sampled_from([-(10**20), 10**20]),
        ),
    ),
}


@functools.cache
def argument(name: str) -> st.SearchStrategy[Any]:
    """A plausible value for a parameter called ``name`` most of the time, else a hostile one."""
    plausible = PLAUSIBLE.get(name)
    if plausible is None:
        return HOSTILE
    return st.one_of(plausible, plausible, HOSTILE)


def signature(target: Callable[..., object]) -> inspect.Signature | None:
    try:
        return inspect.signature(target)
    except (TypeError, ValueError):
        return None


def draw_call(  # noqa: PLR0912 - one branch per kind of parameter reads best
    draw: st.DrawFn, target: Callable[..., object]
) -> tuple[list[object], dict[str, object]]:
    """Arguments for ``target``: each parameter plausible or hostile, optional ones sometimes left out."""
    args: list[object] = []
    kwargs: dict[str, object] = {}
    sig = signature(target)
    if sig is None:
        return [draw(HOSTILE) for _ in range(draw(st.integers(0, 2)))], {}
    for parameter in sig.parameters.values():
        if parameter.name == "self":
            continue
        if parameter.kind is parameter.VAR_POSITIONAL:
            args.extend(draw(st.lists(argument(parameter.name), max_size=3)))
            continue
        if parameter.kind is parameter.VAR_KEYWORD:
            continue
        if parameter.default is not parameter.empty and draw(st.booleans()):
            continue
        value = draw(argument(parameter.name))
        if parameter.kind is parameter.KEYWORD_ONLY:
            kwargs[parameter.name] = value
        elif (not kwargs and parameter.kind is parameter.POSITIONAL_ONLY) or draw(st.booleans()):
            if kwargs:
                kwargs[parameter.name] = value
            else:
                args.append(value)
        else:
            kwargs[parameter.name] = value
    if draw(st.integers(0, 9)) == 0:  # now and then, a surplus or a stray keyword
        if draw(st.booleans()):
            args.append(draw(HOSTILE))
        else:
            kwargs["no_such_parameter"] = draw(HOSTILE)
    return args, kwargs


class ForeignError(AssertionError):
    """A call let an exception other than a RatekitError escape, or took too long."""


def guarded(
    what: str, call: Callable[[], object], limit_s: float | None = LIMIT_S
) -> tuple[bool, object]:
    """Run ``call``: ``(True, result)``, or ``(False, error)`` for a RatekitError.

    Any other exception, a call longer than ``limit_s`` (:data:`LIMIT_S`; ``None``: no
    limit) or a changed decimal context raises :class:`ForeignError` naming the call.
    """
    CALLS[what] = CALLS.get(what, 0) + 1
    context = decimal.getcontext()
    before = (context.prec, context.rounding, context.Emax, context.Emin)
    started = time.perf_counter()
    try:
        result = call()
    except rk.RatekitError as error:
        outcome: tuple[bool, object] = (False, error)
    except TypeError as error:
        # Python's own check of the call's shape (a missing or stray argument), which no
        # library can take over, is the one foreign error allowed.
        if _is_signature_error(error):
            outcome = (False, error)
        else:
            raise ForeignError(f"{what} raised {type(error).__name__}: {error}") from error
    except Exception as error:
        raise ForeignError(f"{what} raised {type(error).__name__}: {error}") from error
    else:
        outcome = (True, result)
    elapsed = time.perf_counter() - started
    if limit_s is not None and elapsed > limit_s:
        raise ForeignError(f"{what} took {elapsed:.2f} s (more than {limit_s} s)")
    context = decimal.getcontext()
    if (context.prec, context.rounding, context.Emax, context.Emin) != before:
        raise ForeignError(f"{what} changed the caller's decimal context")
    return outcome


def _is_signature_error(error: TypeError) -> bool:
    """Whether Python refused the call's arguments before the target's code ran."""
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    binding = code.co_filename.endswith(("hostile.py", "test_fuzz.py")) or (
        code.co_name == "in_ratekits_context"
    )
    return binding and "argument" in str(error)


def check_shown(what: str, value: object) -> None:
    """``repr`` and ``str`` of an accepted value work (and are text).

    A value of another library (a pandas DataFrame from the frames) must show too, but its
    time is that library's: its repr is not held to :data:`LIMIT_S` (pandas formats a
    frame in about a second on a busy machine, whatever ratekit put in it).
    """
    limit_s = LIMIT_S if type(value).__module__.startswith(("ratekit", "builtins")) else None
    for show in (repr, str):
        ok, text = guarded(f"{what} {show.__name__}", lambda: show(value), limit_s)  # noqa: B023
        if not ok:
            raise ForeignError(f"{show.__name__} of a value {what} accepted raised {text!r}")
        assert isinstance(text, str)
