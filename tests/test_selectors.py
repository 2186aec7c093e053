"""Selectors beyond equality: comparisons, sets, functions (issue 8 §2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit.selectors import _overlap

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def vm(memory_gb: object, resource: str = "vm-1", hours: int = 10) -> rk.UsageRow:
    return rk.UsageRow(
        "acme", "vm.hours", resource, MARCH, MARCH, hours, "hour", {"memory_gb": memory_gb}, ()
    )


def test_cloudkitty_thresholds_layer_by_priority() -> None:
    # memory >= 64 GB at 0.20 an hour, >= 128 GB at 0.35 (the higher threshold wins by
    # priority), anything else at 0.10
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("base", "vm.hours", rk.PerUnit("0.10")),
            rk.PriceEntry(
                "64+",
                "vm.hours",
                rk.PerUnit("0.20"),
                where={"memory_gb": rk.AtLeast(64)},
                priority=1,
            ),
            rk.PriceEntry(
                "128+",
                "vm.hours",
                rk.PerUnit("0.35"),
                where={"memory_gb": rk.AtLeast(128)},
                priority=2,
            ),
        ],
    )
    rows = [vm(32, "a"), vm(64, "b"), vm("127.5", "c"), vm(128, "d"), vm(Decimal(512), "e")]
    charges = rk.rate(rows, plan, span=MARCH).charges
    # 10 h each: 1.00, 2.00, 2.00, 3.50, 3.50
    assert [(c.resource, c.entry, c.amount) for c in charges] == [
        ("a", "base", Decimal("1.00")),
        ("b", "64+", Decimal("2.00")),
        ("c", "64+", Decimal("2.00")),
        ("d", "128+", Decimal("3.50")),
        ("e", "128+", Decimal("3.50")),
    ]


def test_equal_priority_thresholds_that_overlap_are_refused_and_ranges_are_not() -> None:
    with pytest.raises(rk.BadPriceError) as error:
        rk.Plan(
            "p",
            "EUR",
            MONTHS,
            [
                rk.PriceEntry("64+", "m", rk.PerUnit(1), where={"gb": rk.AtLeast(64)}),
                rk.PriceEntry("128+", "m", rk.PerUnit(2), where={"gb": rk.AtLeast(128)}),
            ],
        )
    assert str(error.value).startswith(
        "price entries '128+' and '64+' of meter 'm' have the same priority 0 and can both apply"
    )
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("small", "m", rk.PerUnit(1), where={"gb": rk.Below(64)}),
            rk.PriceEntry("64-128", "m", rk.PerUnit(2), where={"gb": rk.Between(64, 128)}),
            rk.PriceEntry("128+", "m", rk.PerUnit(3), where={"gb": rk.AtLeast(128)}),
        ],
    )
    at = "2026-03-01T00:00:00Z"
    assert [plan.resolve("m", {"gb": gb}, at).id for gb in (0, 63.9, 64, 128)] == [  # type: ignore[union-attr]
        "small",
        "small",
        "64-128",
        "128+",
    ]
    assert plan.resolve("m", {"gb": "lots"}, at) is None  # not a number: no comparison matches
    assert plan.resolve("m", {}, at) is None


def test_sets_of_values_and_their_overlaps() -> None:
    big = rk.PriceEntry("big", "m", rk.PerUnit(2), where={"flavor": rk.OneOf(["l", "xl"])})
    small = rk.PriceEntry("small", "m", rk.PerUnit(1), where={"flavor": "s"})
    plan = rk.Plan("p", "EUR", MONTHS, [big, small])  # exclusive: 's' is not in {'l', 'xl'}
    assert plan.resolve("m", {"flavor": "xl"}, "2026-03-01T00:00:00Z") is big
    with pytest.raises(rk.BadPriceError):
        rk.Plan(
            "p", "EUR", MONTHS, [big, rk.PriceEntry("l", "m", rk.PerUnit(1), where={"flavor": "l"})]
        )
    with pytest.raises(rk.BadPriceError):
        rk.Plan(
            "p",
            "EUR",
            MONTHS,
            [big, rk.PriceEntry("l", "m", rk.PerUnit(1), where={"flavor": rk.OneOf(["l", "m"])})],
        )


def test_a_function_is_the_escape_hatch_and_a_tie_between_functions_is_caught_when_rated() -> None:
    even = rk.Satisfies(lambda gb: int(gb) % 2 == 0, "even")
    big = rk.Satisfies(lambda gb: int(gb) >= 100, "at least 100")
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("even", "vm.hours", rk.PerUnit(1), where={"memory_gb": even}),
            rk.PriceEntry("big", "vm.hours", rk.PerUnit(2), where={"memory_gb": big}),
        ],
    )  # not decidable: accepted when built
    assert rk.rate([vm(4)], plan, span=MARCH).total() == Decimal(10)  # 10 h x 1
    with pytest.raises(rk.BadPriceError) as error:
        rk.rate([vm(200)], plan, span=MARCH)  # both match: the tie is refused, naming both
    assert "price entries 'big' and 'even' of meter 'vm.hours' have the same priority 0" in str(
        error.value
    )
    broken = rk.Satisfies(lambda gb: gb / 0, "divides")
    with pytest.raises(rk.BadPriceError) as failed:
        broken.test(3)
    assert str(failed.value) == (
        "selector Satisfies('divides') failed on the value 3: ZeroDivisionError: division by zero"
    )
    # Rating names the entry, its meter and the attribute too (it named the value alone).
    divided = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("even", "vm.hours", rk.PerUnit(1), where={"memory_gb": broken})],
    )
    with pytest.raises(rk.BadPriceError) as named:
        rk.rate([vm(3)], divided, span=MARCH)
    assert str(named.value) == (
        "price entry 'even' of meter 'vm.hours' attribute 'memory_gb': selector "
        "Satisfies('divides') failed on the value 3: ZeroDivisionError: division by zero"
    )
    assert isinstance(named.value.__cause__, ZeroDivisionError)


def test_selectors_read_nested_descriptions_by_dotted_paths() -> None:
    entry = rk.PriceEntry("big image", "m", rk.PerUnit(1), where={"properties.size": rk.Above(10)})
    assert entry.matches({"properties": {"size": 11}})
    assert not entry.matches({"properties": {"size": 10}})
    assert not entry.matches({"properties": "flat"})


def test_conditions_have_readable_reprs_and_are_checked_at_the_door() -> None:
    entry = rk.PriceEntry(
        "e", "m", rk.PerUnit(1), where={"gb": rk.Between("0.5", 64), "flavor": rk.OneOf(["b", "a"])}
    )
    assert repr(entry) == (
        "PriceEntry('e', 'm', PerUnit('1'), where={'flavor': OneOf('a', 'b'), "
        "'gb': Between(0.5, 64)})"
    )
    assert [repr(c) for c in (rk.AtLeast(1), rk.Above(1), rk.AtMost(1), rk.Below(1))] == [
        "AtLeast(1)",
        "Above(1)",
        "AtMost(1)",
        "Below(1)",
    ]
    with pytest.raises(rk.BadPriceError) as error:
        rk.Between(5, 5)
    assert str(error.value) == (
        "Between(5, 5) is empty: it matches lower <= value < upper, so upper must be greater "
        "than lower."
    )
    with pytest.raises(rk.BadPriceError) as error:
        rk.AtLeast("lots")
    assert str(error.value) == (
        "a selector bound 'lots' is not a decimal number; write it like '12.5' or '1e9'. "
        "Bounds are numbers such as 64 or '0.5'."
    )
    with pytest.raises(rk.RatekitTypeError) as type_error:
        rk.OneOf("ab")
    assert "OneOf values must be a collection of values" in str(type_error.value)
    with pytest.raises(rk.RatekitTypeError):
        rk.OneOf([[1]])
    with pytest.raises(rk.BadPriceError):
        rk.OneOf([])
    with pytest.raises(rk.RatekitTypeError):
        rk.Satisfies(5, "five")  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError):
        rk.Satisfies(bool, "")


BOUNDS = st.integers(0, 10)
CONDITIONS = st.one_of(
    st.builds(rk.AtLeast, BOUNDS),
    st.builds(rk.Above, BOUNDS),
    st.builds(rk.AtMost, BOUNDS),
    st.builds(rk.Below, BOUNDS),
    st.tuples(BOUNDS, BOUNDS).filter(lambda p: p[0] < p[1]).map(lambda p: rk.Between(*p)),
    st.lists(BOUNDS, min_size=1, max_size=3).map(rk.OneOf),
    BOUNDS,  # a plain value
)
# every interval with integer bounds in 0..10 that holds a number holds a quarter
GRID = [Decimal(k) / 4 for k in range(-4, 45)]


def _holds(condition: object, value: Decimal) -> bool:
    if isinstance(condition, int):
        return value == condition
    return condition.test(value)  # type: ignore[attr-defined, no-any-return]


@given(CONDITIONS, CONDITIONS)
def test_the_overlap_decision_agrees_with_brute_force(a: object, b: object) -> None:
    # Law: two conditions are decided to overlap exactly when some number meets both.
    assert _overlap(a, b) == any(_holds(a, v) and _holds(b, v) for v in GRID)


def test_a_flag_equals_only_a_flag() -> None:
    # Python counts True == 1: a resource described {"gpu": 1} (a feed sending flags as
    # numbers) was priced by the entry where={"gpu": True}: 10 h at 5 = 50, not 10 at 1.
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("base", "vm", rk.PerUnit(1)),
            rk.PriceEntry("gpu", "vm", rk.PerUnit(5), where={"gpu": True}, priority=1),
        ],
    )
    rows = [
        rk.UsageRow("acme", "vm", name, march, march, Decimal(10), "hour", gpu, ())
        for name, gpu in (("r", {"gpu": 1}), ("s", {"gpu": 1.0}), ("t", {"gpu": True}))
    ]
    charges = rk.rate(rows, plan, span=march).charges
    # r, s: 10 * 1 = 10 (base); t: 10 * 5 = 50 (gpu)
    assert sorted((c.resource, c.entry, c.amount) for c in charges) == [
        ("r", "base", Decimal(10)),
        ("s", "base", Decimal(10)),
        ("t", "gpu", Decimal(50)),
    ]
    # Entries where={"gpu": True} and where={"gpu": 1} cannot both match: not refused.
    rk.Plan(
        "q",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("flag", "vm", rk.PerUnit(5), where={"gpu": True}),
            rk.PriceEntry("one", "vm", rk.PerUnit(1), where={"gpu": 1}),
        ],
    )
    assert not rk.OneOf([1, 2]).test(True)
    assert not rk.OneOf([True]).test(1)
    assert rk.OneOf([True]).test(True)
    assert rk.OneOf([1, 2]).test(Decimal(1))
    with pytest.raises(rk.BadPriceError) as caught:
        rk.OneOf([1, True])
    assert "OneOf values hold True and 1, which a set counts as one" in str(caught.value)


@pytest.mark.parametrize(
    ("first", "second"),
    [(1, Decimal(1)), (Decimal(1), 1), (True, 1), (1, True), (Decimal(1), Decimal("1.0"))],
)
def test_the_winner_is_remembered_by_type_as_well_as_value(first: object, second: object) -> None:
    # Rating remembers each description's winning entry by the values its selectors read.
    # Keyed by value alone, 1, Decimal(1) and True (and Decimal("1.0")) were one key: the
    # resource rated second got the first one's entry, whichever that was (a priced 50
    # where 10 is due, or 10 where 50 is). A function may tell them apart; so must rating.
    def exact(value: object) -> bool:
        return type(value) is type(first) and repr(value) == repr(first)

    def priced(name: str, selector: rk.Satisfies) -> rk.Plan:
        """1 an hour, or 5 where ``selector`` takes the memory."""
        entries = [
            rk.PriceEntry("base", "vm.hours", rk.PerUnit(1)),
            rk.PriceEntry("exact", "vm.hours", rk.PerUnit(5), where={"memory_gb": selector},
                          priority=1),
        ]  # fmt: skip
        return rk.Plan(name, "EUR", MONTHS, entries)

    plan = priced("p", rk.Satisfies(exact, "exactly the first"))
    for rows in ([vm(first, "a"), vm(second, "b")], [vm(second, "a"), vm(first, "b")]):
        charges = rk.rate(rows, plan, span=MARCH).charges
        # first: 10 h at 5 = 50 (exact); second: 10 h at 1 = 10 (base)
        got = {c.resource: (c.entry, c.amount) for c in charges}
        firsts = [r.resource for r in rows if exact(r.description["memory_gb"])]
        assert got == {
            r.resource: ("exact", Decimal(50)) if r.resource in firsts else ("base", Decimal(10))
            for r in rows
        }
    nested = priced("q", rk.Satisfies(lambda v: exact(v[0]), "first exactly"))
    rows = [vm([first], "a"), vm([second], "b")]
    # a: [first], 10 h at 5 = 50; b: [second], 10 h at 1 = 10
    assert sorted(
        (c.resource, c.entry, c.amount) for c in rk.rate(rows, nested, span=MARCH).charges
    ) == [
        ("a", "exact", Decimal(50)),
        ("b", "base", Decimal(10)),
    ]
