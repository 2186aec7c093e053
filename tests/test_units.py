"""Units: reading the grammar, exact conversions, and errors that name the unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _budget import LAWS
from ratekit._decimals import CONTEXT
from ratekit.units import from_microseconds, microseconds_per


def _ulp(value: Decimal) -> Fraction:
    """One unit in the last place of ``value``."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return Fraction(10) ** exponent


# --- reading units -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical", "factor", "kind"),
    [
        ("GiB*hour", "GiB*hour", Fraction(2**30 * 3600), "data*time"),
        ("GiB · hour", "GiB*hour", Fraction(2**30 * 3600), "data*time"),
        (" hour * GiB ", "hour*GiB", Fraction(2**30 * 3600), "data*time"),
        ("MB*ns", "MB*ns", Fraction(10**6, 10**9), "data*time"),
        ("B/s", "B/s", Fraction(1), "data/time"),
        ("B*B/s", "B^2/s", Fraction(1), "data^2/time"),
        ("B/s/s", "B/s^2", Fraction(1), "data/time^2"),
        ("s^-1", "1/s", Fraction(1), "1/time"),
        ("hour/hour", "1", Fraction(1), "count"),
        ("GiB^2", "GiB^2", Fraction(2**60), "data^2"),
        ("µs", "µs", Fraction(1, 10**6), "time"),
        ("μs", "μs", Fraction(1, 10**6), "time"),
        ("Mbit/s", "Mbit/s", Fraction(10**6, 8), "data/time"),
        ("count", "count", Fraction(1), "count"),
        ("request/s", "request/s", Fraction(1), "'request'/time"),
    ],
)
def test_unit_reads_the_grammar(text: str, canonical: str, factor: Fraction, kind: str) -> None:
    unit = rk.Unit(text)
    assert unit.text == canonical
    assert str(unit) == canonical
    assert repr(unit) == f"Unit({canonical!r})"
    assert unit.factor == factor
    assert unit.kind == kind


def test_known_sizes_are_exact() -> None:
    # Decimal prefixes are powers of 1000, binary ones powers of 1024; a bit is 1/8 B.
    assert rk.Unit("kB").factor == rk.Unit("KB").factor == 1000
    assert rk.Unit("TB").factor == 10**12
    assert rk.Unit("GiB").factor == 1_073_741_824
    assert rk.Unit("TiB").factor == 1_099_511_627_776
    assert rk.Unit("bit").factor == Fraction(1, 8)
    assert rk.Unit("day").factor == 86_400
    assert rk.Unit("week").factor == 7 * 86_400
    assert rk.Unit("ns").factor == Fraction(1, 10**9)


def test_units_are_equal_by_size_and_dimension_whatever_the_spelling() -> None:
    assert rk.Unit("kB") == rk.Unit("KB")
    assert rk.Unit("h") == rk.Unit("hour")
    assert rk.Unit("GiB*hour") == rk.Unit("hour*GiB")
    assert hash(rk.Unit("GiB*hour")) == hash(rk.Unit("hour * GiB"))
    assert rk.Unit("count*hour") == rk.Unit("hour")  # a count is a pure number
    assert rk.Unit("GiB") != rk.Unit("GB")
    assert rk.Unit("B/s") != rk.Unit("B")
    assert rk.Unit(rk.Unit("B/s")) == rk.Unit("B/s")


def test_units_are_immutable() -> None:
    unit = rk.Unit("hour")
    with pytest.raises(AttributeError):
        unit.text = "day"  # type: ignore[misc]


def test_unknown_names_are_their_own_units() -> None:
    assert rk.Unit("instance*hour").unknown == ("instance",)
    assert rk.Unit("GiB*hour").unknown == ()
    # request/s -> request/hour: 1 request/s is 3600 requests/hour.
    assert rk.convert(1, "request/s", "request/hour") == Decimal(3600)
    assert rk.convert(5, "request", "request") == Decimal(5)


# --- products and quotients ----------------------------------------------------------


def test_level_unit_times_time_unit() -> None:
    # The unit of a continuous meter: the level's unit times the time unit.
    assert str(rk.Unit("MB") * "hour") == "MB*hour"
    assert str(rk.Unit("MB") * rk.Unit("hour")) == "MB*hour"
    assert str("GiB" * rk.Unit("hour")) == "GiB*hour"
    assert str(rk.Unit("B/s") * "s") == "B"
    assert str(rk.Unit("1/s") * "hour") == "hour/s"
    assert str(rk.Unit("B") / "s") == "B/s"
    assert str(rk.Unit("B") / "1/s") == "B*s"
    assert str(rk.Unit("B/s") / "B/s") == "1"
    assert str("B" / rk.Unit("s")) == "B/s"
    assert str(rk.Unit("GiB*hour") / "hour") == "GiB"


def test_operators_refuse_other_types() -> None:
    with pytest.raises(TypeError):
        rk.Unit("B") * 2  # type: ignore[operator]
    with pytest.raises(TypeError):
        rk.Unit("B") / 2  # type: ignore[operator]
    with pytest.raises(TypeError):
        2 * rk.Unit("B")  # type: ignore[operator]
    with pytest.raises(TypeError):
        2 / rk.Unit("B")  # type: ignore[operator]


# --- exact conversions, worked by hand ------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "from_unit", "to_unit", "expected"),
    [
        # 1 GiB = 2^30 B = 1073741824 B.
        (1, "GiB", "B", Decimal(1_073_741_824)),
        # 1 TiB = 2^40 B = 1099511627776 B; / 10^12 = 1.099511627776 TB.
        (1, "TiB", "TB", Decimal("1.099511627776")),
        # 1500 MB / 1000 = 1.5 GB.
        (1500, "MB", "GB", Decimal("1.5")),
        # 90 min / 60 = 1.5 h.
        (90, "minute", "hour", Decimal("1.5")),
        # 3 days * 24 = 72 h.
        (3, "day", "h", Decimal(72)),
        # 1 s = 10^9 ns.
        (1, "s", "ns", Decimal(1_000_000_000)),
        # 1 ns = 0.001 us.
        (1, "ns", "us", Decimal("0.001")),
        # 720 GiB*h / 24 = 30 GiB*day.
        (720, "GiB*hour", "GiB*day", Decimal(30)),
        # 1 GiB*h = 1024 MiB * 3600 s = 3686400 MiB*s.
        (1, "GiB*hour", "MiB*s", Decimal(3_686_400)),
        # 100 Mbit/s = 100 * 10^6 / 8 B/s = 12.5 * 10^6 B/s = 12.5 MB/s.
        (100, "Mbit/s", "MB/s", Decimal("12.5")),
        # 1 kB = 1000 B = 8000 bit.
        (1, "kB", "bit", Decimal(8000)),
        # 512 MB * 2 instances * 3 h = 3072 MB*h = 3072 * 3600 * 10^9 MB*ns.
        (3072, "MB*hour", "MB*ns", Decimal(3072 * 3600 * 10**9)),
        # A float goes through its shortest repr: 0.1 h = 360 s.
        (0.1, "hour", "s", Decimal(360)),
        # Negative quantities (corrections) convert too: -2 KiB = -2048 B.
        (-2, "KiB", "B", Decimal(-2048)),
    ],
)
def test_convert_exact(
    quantity: int | float, from_unit: str, to_unit: str, expected: Decimal
) -> None:
    assert rk.convert(quantity, from_unit, to_unit) == expected


def test_borel_memory_allocation_in_mb_hours() -> None:
    # Borel's memory-allocation sample: 9942017556480000 MB*ns.
    # 1 hour = 3600 * 10^9 ns = 3600000000000 ns, so the quantity is
    # 9942017556480000 / 3600000000000 = 647266768 / 234375 MB*h, and 234375 = 3 * 5^7:
    # the factor 3 makes the expansion 2761.671543466666... repeat, so ratekit gives the
    # fraction correctly rounded (half even) at 60 significant digits.
    result = rk.convert(9942017556480000, "MB*ns", "MB*hour")
    exact = Fraction(9942017556480000, 3_600_000_000_000)
    assert exact == Fraction(647266768, 3 * 5**7)
    assert result == Decimal("2761.67154346666666666666666666666666666666666666666666666667")
    assert len(result.as_tuple().digits) == 60
    # And it is within half a unit in the last place of the exact fraction.
    assert abs(Fraction(result) - exact) <= _ulp(result) / 2


def test_convert_keeps_the_exact_digits_beyond_28() -> None:
    # 18-digit byte count in GiB: 123456789012345678 / 2^30 terminates (a power of 2 in
    # the denominator), with 30 fractional digits; the default context would round it.
    result = rk.convert(123456789012345678, "B", "GiB")
    assert Fraction(result) == Fraction(123456789012345678, 2**30)


def test_convert_runs_in_ratekits_context_whatever_the_thread_context() -> None:
    import decimal

    with decimal.localcontext() as context:
        context.prec = 3
        assert rk.convert(1, "GiB", "B") == Decimal(1_073_741_824)
        # 1 / 2^30 = 9.31322574615478515625e-10, exact (21 digits, more than 3).
        assert rk.convert(1, "B", "GiB") == Decimal("9.31322574615478515625E-10")


def test_convert_accepts_unit_values() -> None:
    assert rk.convert("2", rk.Unit("hour"), rk.Unit("minute")) == Decimal(120)


# --- helpers for time-based meters ----------------------------------------------------


def test_microseconds_per() -> None:
    assert microseconds_per("hour") == 3_600_000_000
    assert microseconds_per("s") == 1_000_000
    assert microseconds_per("us") == 1
    assert microseconds_per("ns") == Fraction(1, 1000)
    assert microseconds_per(rk.Unit("day")) == 86_400_000_000


def test_from_microseconds() -> None:
    # 1.5 h = 5400 s = 5_400_000_000 us.
    assert from_microseconds(5_400_000_000, "hour") == Decimal("1.5")
    # 512 MB for 2 h: 512 * 7_200_000_000 MB*us / 3_600_000_000 = 1024 MB*h.
    assert from_microseconds(Decimal(512) * 7_200_000_000, "hour") == Decimal(1024)
    # 3 us = 3000 ns.
    assert from_microseconds(3, "ns") == Decimal(3000)
    assert from_microseconds(7, "us") == Decimal(7)
    # 1 us in hours: 1 / 3.6e9 = 2.777...e-10, rounded at 60 digits.
    assert from_microseconds(1, "hour") == CONTEXT.divide(Decimal(1), Decimal(3_600_000_000))


def test_microseconds_per_refuses_a_unit_that_is_not_time() -> None:
    with pytest.raises(rk.UnitError, match=r"Cannot convert 'GiB' to 'us': 'GiB' measures data"):
        microseconds_per("GiB")


# --- errors ---------------------------------------------------------------------------


def test_converting_different_dimensions_names_both_units() -> None:
    with pytest.raises(rk.UnitError) as caught:
        rk.convert(1, "GiB", "hour")
    assert str(caught.value) == (
        "Cannot convert 'GiB' to 'hour': 'GiB' measures data and 'hour' measures time."
    )
    with pytest.raises(rk.UnitError) as caught:
        rk.convert(1, "B/s", "GiB*hour")
    assert str(caught.value) == (
        "Cannot convert 'B/s' to 'GiB*hour': 'B/s' measures data/time and 'GiB*hour' "
        "measures data*time."
    )


def test_an_unknown_unit_is_named_and_the_known_ones_listed() -> None:
    with pytest.raises(rk.UnitError) as caught:
        rk.convert(1, "request", "count")
    message = str(caught.value)
    assert message.startswith(
        "Cannot convert 'request' to 'count': 'request' is not a unit ratekit knows, "
        "so it converts only to itself. The units ratekit knows are time: ns, us (µs), "
    )
    assert "GiB" in message
    assert "'GiB*hour'" in message  # how to write products


def test_an_unknown_unit_with_a_near_miss_gets_a_suggestion() -> None:
    with pytest.raises(
        rk.UnitError, match=r"'GIB' is not a unit ratekit knows \(did you mean 'GiB'\?\)"
    ):
        rk.convert(1, "GIB", "B")
    with pytest.raises(rk.UnitError, match=r"did you mean 'hour'\?"):
        rk.convert(1, "hours", "s")
    with pytest.raises(rk.UnitError, match=r"'month' .* no fixed length"):
        rk.convert(1, "month", "day")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Unit '' cannot be read; write names joined by '*' and '/'"),
        ("GiB hour", "Unit 'GiB hour' cannot be read at 'hour'; "),
        # '-' joins a product as the seeds write it ('MB-ns'): only a dangling one fails
        ("MB-", "Unit 'MB-' cannot be read; "),
        ("MB--ns", "Unit 'MB--ns' cannot be read at '-ns'; "),
        ("s-1", "Unit 's-1' cannot be read at '-1'; "),  # a power is 's^-1', not a product
        ("*B", "Unit '*B' cannot be read at '*B'; "),
        ("B*", "Unit 'B*' cannot be read; "),
        ("B**s", "Unit 'B**s' cannot be read at '*s'; "),
        ("B^0", "Unit 'B^0' cannot be read at '^0'; "),
        ("3B", "Unit '3B' cannot be read at '3B'; "),
        ("B+s", "Unit 'B+s' cannot be read at '+s'; "),
        ("__import__('os')", "Unit \"__import__('os')\" cannot be read at \"('os')\"; "),
    ],
)
def test_unreadable_units_say_where(text: str, message: str) -> None:
    with pytest.raises(rk.UnitError) as caught:
        rk.Unit(text)
    assert str(caught.value).startswith(message)


def test_a_unit_must_be_a_string() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"A unit must be a string .* not int: 3\."):
        rk.Unit(3)  # type: ignore[arg-type]


def test_convert_rejects_a_bad_quantity() -> None:
    with pytest.raises(rk.BadQuantityError, match=r"quantity 'abc' is not a decimal number"):
        rk.convert("abc", "B", "kB")
    with pytest.raises(rk.BadQuantityError, match=r"quantity must be a finite number"):
        rk.convert(float("nan"), "B", "kB")


# --- properties -----------------------------------------------------------------------

_TERMINATING = [  # units whose mutual ratios are 2^a * 5^b: conversions are exact
    "ns", "us", "ms", "s", "B", "kB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB",
    "bit", "kbit", "Mbit",
]  # fmt: skip
_ALL_TIME = ["ns", "us", "ms", "s", "min", "hour", "day", "week"]
_ALL_DATA = ["B", "kB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB", "PiB", "bit", "Gbit"]

quantities = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6, allow_nan=False
)


def _same_kind(names: list[str]) -> st.SearchStrategy[tuple[str, str]]:
    return st.tuples(st.sampled_from(names), st.sampled_from(names))


@settings(max_examples=LAWS)
@given(quantities, _same_kind([u for u in _TERMINATING if rk.Unit(u).kind == "data"]))
def test_round_trip_is_exact_for_data_units(quantity: Decimal, pair: tuple[str, str]) -> None:
    a, b = pair
    assert rk.convert(rk.convert(quantity, a, b), b, a) == quantity


@settings(max_examples=LAWS)
@given(quantities, _same_kind([u for u in _TERMINATING if rk.Unit(u).kind == "time"]))
def test_round_trip_is_exact_for_decimal_time_units(
    quantity: Decimal, pair: tuple[str, str]
) -> None:
    a, b = pair
    assert rk.convert(rk.convert(quantity, a, b), b, a) == quantity


@settings(max_examples=LAWS)
@given(quantities, _same_kind(_ALL_TIME))
def test_converting_to_a_larger_unit_and_back_matches_the_fraction(
    quantity: Decimal, pair: tuple[str, str]
) -> None:
    # minute/hour ratios have a factor 3 in them: the result is the exact fraction,
    # rounded at 60 significant digits; converting down to a smaller unit is exact.
    a, b = pair
    exact = Fraction(quantity) * rk.Unit(a).factor / rk.Unit(b).factor
    result = rk.convert(quantity, a, b)
    if exact.denominator == 1 or rk.Unit(a).factor >= rk.Unit(b).factor:
        assert Fraction(result) == exact
    else:
        assert abs(Fraction(result) - exact) <= _ulp(result) / 2


@given(
    quantities,
    st.sampled_from(_ALL_DATA),
    st.sampled_from(_ALL_TIME),
    st.sampled_from(_ALL_DATA),
    st.sampled_from(_ALL_TIME),
)
def test_product_units_convert_as_their_factors(
    quantity: Decimal, data_a: str, time_a: str, data_b: str, time_b: str
) -> None:
    # (data_a*time_a -> data_b*time_b) equals the product of the separate conversions,
    # as exact fractions.
    product = rk.Unit(data_a) * time_a
    assert product == rk.Unit(f"{data_a}*{time_a}")
    assert product.factor == rk.Unit(data_a).factor * rk.Unit(time_a).factor
    assert product.kind == "data*time"
    ratio = product.factor_to(rk.Unit(data_b) * time_b)
    assert ratio == rk.Unit(data_a).factor_to(data_b) * rk.Unit(time_a).factor_to(time_b)
    exact = Fraction(quantity) * ratio
    result = rk.convert(quantity, product, f"{data_b}*{time_b}")
    assert abs(Fraction(result) - exact) <= _ulp(result) / 2


@given(st.sampled_from(_ALL_DATA + _ALL_TIME), st.sampled_from(_ALL_DATA + _ALL_TIME))
def test_quotient_undoes_product(a: str, b: str) -> None:
    assert (rk.Unit(a) * b) / b == rk.Unit(a)
    assert rk.Unit(a) / b * b == rk.Unit(a)
    assert (rk.Unit(a) / a).kind == "count"


@given(
    st.lists(
        st.tuples(
            st.sampled_from([*_ALL_DATA, *_ALL_TIME, "count", "request"]),
            st.integers(-3, 3).filter(bool),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_canonical_text_reads_back_as_the_same_unit(terms: list[tuple[str, int]]) -> None:
    # A product of powers, written with '*' and '/' as the grammar allows; its canonical
    # text is a fixed point and denotes the same unit.
    text = terms[0][0] + f"^{terms[0][1]}"
    for name, power in terms[1:]:
        text += f"*{name}^{power}" if power > 0 else f"/{name}^{-power}"
    unit = rk.Unit(text)
    again = rk.Unit(unit.text)
    assert again == unit
    assert again.text == unit.text
    # Either way a term is written, it stands for name^power.
    expected = Fraction(1)
    for name, power in terms:
        expected *= rk.Unit(name).factor ** power
    assert unit.factor == expected


def test_units_survive_pickle_and_copy() -> None:
    import copy
    import pickle

    unit = rk.Unit("GiB*hour")
    assert pickle.loads(pickle.dumps(unit)) == unit
    assert copy.deepcopy(unit).text == "GiB*hour"


# --- the seeds' unit strings, errors that name the unit given -----------------------------


@pytest.mark.parametrize(
    ("text", "canonical", "kind"),
    [
        ("MB-ns", "MB*ns", "data*time"),  # Borel's memory allocation
        ("cpu-ns", "cpu*ns", "'cpu'*time"),  # Borel's CPU time: cpu is a unit of its own
        ("B", "B", "data"),
        ("GB·hour", "GB*hour", "data*time"),
        ("MB*ns", "MB*ns", "data*time"),
        ("GB - hour", "GB*hour", "data*time"),
    ],
)
def test_the_seeds_unit_strings_read_as_written(text: str, canonical: str, kind: str) -> None:
    assert (rk.Unit(text).text, rk.Unit(text).kind) == (canonical, kind)
    assert rk.Unit(text) == rk.Unit(canonical)


def test_the_seeds_quantities_convert_as_written() -> None:
    # 9942017556480000 MB-ns / 3.6e12 ns per hour = 2761.6715434666... MB*hour (the 6
    # repeats: rounded at 60 digits); 516570000000 cpu-ns = 516.57 cpu*s.
    assert rk.convert(9942017556480000, "MB-ns", "MB*hour") == rk.convert(
        9942017556480000, "MB*ns", "MB*hour"
    )
    assert rk.convert(516570000000, "cpu-ns", "cpu*s") == Decimal("516.57")
    assert rk.convert(2361393152, "B", "GB") == Decimal("2.361393152")


def test_a_percent_is_a_hundredth_of_a_pure_number() -> None:
    # 50 % = 50/100 = 0.5; 1 = 100 %; a level of 50 % for 2 h = 100 %*hour = 1 hour;
    # 12.5 %/s x 3600 s/hour = 45000 %/hour = 450 per hour.
    assert rk.convert(50, "%", "1") == Decimal("0.5")
    assert rk.convert(1, "count", "%") == Decimal(100)
    assert rk.convert(100, "%*hour", "hour") == Decimal(1)
    assert rk.convert("12.5", "%/s", "1/hour") == Decimal(450)
    assert rk.Unit("percent") == rk.Unit("%")
    assert (rk.Unit("% * hour").text, rk.Unit("%").kind) == ("%*hour", "count")
    assert rk.Meter("cpu_util", "%", rk.Max()).unit == "%"
    with pytest.raises(rk.UnitError) as caught:
        rk.convert(1, "%", "s")
    assert (
        str(caught.value) == "Cannot convert '%' to 's': '%' measures count and 's' measures time."
    )
    with pytest.raises(rk.UnitError, match=r"^Unit '%%' cannot be read at '%'"):
        rk.Unit("%%")


def test_an_unknown_unit_error_names_the_unit_given() -> None:
    with pytest.raises(rk.UnitError) as caught:
        rk.convert(1, "MB-fortnight", "MB*hour")
    assert str(caught.value).startswith(
        "Cannot convert 'MB-fortnight' to 'MB*hour': 'fortnight' is not a unit ratekit knows, "
        "so it converts only to itself."
    )
    with pytest.raises(rk.UnitError) as other:
        rk.convert(1, "GB·hour", "cpu-ns")
    assert str(other.value).startswith("Cannot convert 'GB·hour' to 'cpu-ns': 'cpu' is not a unit")


def test_a_meter_unit_that_cannot_be_read_is_refused() -> None:
    with pytest.raises(rk.UnitError) as caught:
        rk.Meter("m", "hour*!!", rk.OnOff())
    assert str(caught.value) == (
        "Meter 'm' unit: Unit 'hour*!!' cannot be read at '!!'; write names joined by '*' and "
        "'/', each with an optional power, like 'GiB*hour', 'B/s' or 's^2'."
    )
    with pytest.raises(rk.UnitError, match=r"^Meter 'bytes' unit: Unit 'API calls' cannot be read"):
        rk.Meter("bytes", "API calls", rk.Discrete())
    with pytest.raises(rk.UnitError, match=r"not 'MB-ns-ns'\.$"):
        rk.Meter("m", "MB-ns-ns", rk.OnOff())  # two units of time


def test_from_microseconds_refuses_what_is_not_a_count_of_microseconds() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        from_microseconds(float("nan"), "hour")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "from_microseconds amount must be an int of microseconds or a finite Decimal, "
        "not float: nan."
    )
    with pytest.raises(rk.BadQuantityError, match=r"not Decimal\('sNaN'\)\.$"):
        from_microseconds(Decimal("sNaN"), "hour")
    with pytest.raises(rk.RatekitTypeError, match="not bool: True"):
        from_microseconds(True, "hour")


def test_from_microseconds_refuses_an_amount_beyond_the_range_of_numbers() -> None:
    # the one door for numbers: below 1E+30 (it returned 2.77E+999989 hours for 1E+999999)
    door = (
        "lies outside the numbers ratekit represents exactly: give at most 60 significant "
        "digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30."
    )
    with pytest.raises(rk.BadQuantityError) as caught:
        from_microseconds(Decimal("1E+999999"), "hour")
    assert str(caught.value) == f"from_microseconds amount Decimal('1E+999999') {door}"
    with pytest.raises(rk.BadQuantityError) as caught:
        from_microseconds(10**40, "hour")
    assert str(caught.value) == f"from_microseconds amount {10**40} {door}"
    # the largest int accepted: 10**30 - 1 µs = 999999999999999999999999999999 / 3.6e9 hours
    assert from_microseconds(10**30 - 1, "second") == Decimal("999999999999999999999999.999999")


def test_no_raw_decimal_exception_escapes_a_conversion() -> None:
    # A quantity beyond what ratekit represents is refused at the one door for numbers,
    # before any scaling: a result of the door's numbers times a unit ratio always fits.
    door = (
        "lies outside the numbers ratekit represents exactly: give at most 60 significant "
        "digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30."
    )
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.convert(Decimal("1E+999999"), "MB", "B")
    assert str(caught.value) == f"quantity Decimal('1E+999999') {door}"
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.convert(Decimal("1E-1000050"), "s", "week")  # would round to 0
    assert str(caught.value) == f"quantity Decimal('1E-1000050') {door}"
    # refused at the door now, before scaling (it was refused after, as out of range)
    with pytest.raises(rk.BadQuantityError) as caught:
        from_microseconds(Decimal("1E+999999"), "ns")
    assert str(caught.value) == f"from_microseconds amount Decimal('1E+999999') {door}"


# --- a level read in its own unit -----------------------------------------------------------

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _one_hour(attributes: dict[str, object], *meters: rk.Meter) -> rk.Usage:
    records = [
        rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", attributes, kind="start", id="e1"),
        rk.Event("acme", "vm-1", "2026-03-02T09:00:00Z", kind="stop", id="e2"),
    ]
    return rk.meter(records, meters, span=MARCH, cycle=None, as_of="2026-04-01T00:00:00Z")


def test_a_level_in_megabytes_on_a_gibibyte_meter_reads_megabytes() -> None:
    gib = rk.Meter("memory", "GiB*hour", rk.Continuous("memory_mb", unit="MB"))
    unstated = rk.Meter("unstated", "GiB*hour", rk.Continuous("memory_mb"))
    usage = _one_hour({"memory_mb": 1024}, gib, unstated)
    # 1024 MB = 1024e6 B = 1024e6 / 2^30 GiB = 0.95367431640625 GiB, for 1 h. Without a
    # stated unit the level is read in the meter's GiB: 1024 GiB*hour.
    assert usage.total("memory") == Decimal("0.95367431640625")
    assert usage.total("unstated") == Decimal(1024)


def test_a_product_of_attributes_states_one_unit_or_one_per_attribute() -> None:
    each = rk.Meter(
        "each", "GB*hour", rk.Continuous(("memory_mb", "instances"), unit=("MB", "count"))
    )
    whole = rk.Meter("whole", "GB*hour", rk.Continuous(("memory_mb", "instances"), unit="MB"))
    ns = rk.Meter("ns", "MB-ns", rk.Continuous(("memory_mb", "instances"), unit="MB"))
    usage = _one_hour({"memory_mb": 512, "instances": 3}, each, whole, ns)
    # 512 MB x 3 = 1536 MB = 1.536 GB, for 1 h; in MB-ns: 1536 x 3.6e12 = 5529600000000000.
    assert usage.total("each") == usage.total("whole") == Decimal("1.536")
    assert usage.total("ns") == Decimal(5529600000000000)


def test_an_incompatible_level_unit_is_refused_when_the_meter_is_built() -> None:
    with pytest.raises(rk.UnitError) as caught:
        rk.Meter("memory", "hour", rk.Continuous("memory_mb", unit="MB"))
    assert str(caught.value) == (
        "Meter 'memory' reads its level in 'MB' (data), so its unit must be that times a unit "
        "of time, like 'MB*hour'; 'hour' measures time, not data*time."
    )
    with pytest.raises(rk.UnitError, match=r"'GiB\*hour' measures data\*time, not time\^2\.$"):
        rk.Meter("memory", "GiB*hour", rk.Continuous("uptime", unit="s"))
    with pytest.raises(
        rk.UnitError, match=r"level in 'fortnight' \('fortnight'\).*not 'fortnight'\*time\.$"
    ):
        rk.Meter("memory", "GiB*hour", rk.Continuous("memory", unit="fortnight"))


def test_a_level_unit_must_fit_its_level() -> None:
    with pytest.raises(rk.UnitError) as caught:
        rk.Continuous("memory_mb", unit=("MB", "count"))
    assert str(caught.value) == (
        "Continuous unit ('MB', 'count') gives one unit per attribute, so the level must be a "
        "tuple of as many attribute names, not 'memory_mb'; for a single attribute or a "
        "function give one unit (unit='MB')."
    )
    with pytest.raises(rk.RatekitTypeError, match="not int: 5"):
        rk.Continuous("memory_mb", unit=5)  # type: ignore[arg-type]
    with pytest.raises(rk.UnitError, match="cannot be read"):
        rk.Continuous("memory_mb", unit="M!B")


def test_a_user_policy_states_its_level_unit() -> None:
    class Disks:
        level_unit = "GB"

        def level(self, description: object) -> Decimal:
            return Decimal(2)

    usage = _one_hour({}, rk.Meter("disks", "MB*hour", Disks()))
    assert usage.total() == Decimal(2000)  # 2 GB = 2000 MB, for 1 h


_DAY_2 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
_LEVEL_UNITS = ["B", "kB", "MB", "GB", "KiB", "MiB", "GiB", "bit"]
_TIME_UNITS = ["ns", "s", "min", "hour", "day"]


@settings(max_examples=LAWS)
@given(
    st.integers(0, 10**6),
    st.sampled_from(_LEVEL_UNITS),
    st.sampled_from(_LEVEL_UNITS),
    st.sampled_from(_TIME_UNITS),
    st.integers(1, 48 * 60),
)
def test_a_level_is_converted_exactly_into_the_meters_unit(
    level: int, level_unit: str, data_unit: str, time_unit: str, minutes: int
) -> None:
    meter = rk.Meter("m", f"{data_unit}*{time_unit}", rk.Continuous("x", unit=level_unit))
    records = [
        rk.Event("a", "r", "2026-03-02T00:00:00Z", {"x": level}, kind="start", id="e1"),
        rk.Event("a", "r", _DAY_2 + dt.timedelta(minutes=minutes), kind="stop", id="e2"),
    ]
    usage = rk.meter(records, [meter], span=MARCH, cycle=None, as_of="2026-04-01T00:00:00Z")
    # Oracle: level x minutes, as a Fraction, converted by the units' exact factors.
    exact = (
        Fraction(level)
        * rk.Unit(level_unit).factor
        / rk.Unit(data_unit).factor
        * minutes
        * 60
        / rk.Unit(time_unit).factor
    )
    # Metering rounds its cumulative function at a quantum of 1e-24 (ratekit.metering).
    assert abs(Fraction(usage.total()) - exact) <= Fraction(1, 10**24)


def test_a_units_combined_power_is_bounded_and_its_text_shown_short() -> None:
    # 5,000 GiB terms were accepted as GiB^5000; a name's powers now add up to at most 99
    # (what one can write), and the refused text is shown cut, not 20,000 characters.
    with pytest.raises(rk.UnitError) as caught:
        rk.units.Unit("*".join(["GiB"] * 5000))
    message = str(caught.value)
    assert "raises 'GiB' to the power 5000; a name's powers add up to at most 99" in message
    assert len(message) < 400
    with pytest.raises(rk.UnitError, match="to the power 100;"):
        rk.units.Unit("GiB^99*GiB")
    assert str(rk.units.Unit("GiB^99")) == "GiB^99"


def test_a_conversion_beyond_the_results_range_is_refused() -> None:
    # "s/s/.../s" with 31 names is s^-29: 1 s^-29 = (1000 ms)^-29 = 1E-87 ms^-29, in range;
    # with 41 names, s^-39 gives 1E-117, below a result's smallest magnitude 1E-100, and
    # was returned as such.
    assert rk.units.convert(1, "/".join(["s"] * 31), "/".join(["ms"] * 31)) == Decimal("1E-87")
    with pytest.raises(rk.BadQuantityError, match="out of ratekit's decimal range"):
        rk.units.convert(1, "/".join(["s"] * 41), "/".join(["ms"] * 41))
