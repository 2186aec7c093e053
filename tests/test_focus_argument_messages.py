"""focus_rows refuses a bad mapping argument naming it, with an example of its own kind."""

from __future__ import annotations

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _rating() -> rk.Rating:
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
    )
    row = rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 1, "hour", {}, ())
    return rk.rate([row], plan, span=MARCH)


@pytest.mark.parametrize(
    ("argument", "example"),
    [
        ("account_names", "{'acme': 'Acme Corp'}"),
        ("service_names", "{'vm.hours': 'Virtual Machines'}"),
        ("service_categories", "{'vm.hours': 'Compute'}"),
    ],
)
def test_a_mapping_that_is_not_of_strings_is_refused_with_its_own_example(
    argument: str, example: str
) -> None:
    # Was: every argument's example was {'vm.hours': 'Compute'}, a meter's service
    # category, also for account_names, which maps accounts to their names.
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.focus_rows(_rating(), provider="P", **{argument: {"acme": 5}})
    assert str(caught.value) == (
        f"focus_rows {argument} maps names to strings, e.g. {example}, not {{'acme': 5}}."
    )


@pytest.mark.parametrize(
    "given",
    [{"service_names": {"Z" * 100_000: ""}}, {"service_categories": {"vm.hours": "Z" * 100_000}}],
)
def test_a_huge_name_or_category_is_named_cut_short(given: dict[str, object]) -> None:
    # Was: the key or category quoted whole, messages of 100,183 and 100,365 characters.
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.focus_rows(_rating(), provider="P", **given)  # type: ignore[arg-type]
    assert len(str(caught.value)) < 1_500
    assert "Z" * 100 not in str(caught.value)


@pytest.mark.parametrize("argument", ["account_names", "service_names", "service_categories"])
@pytest.mark.parametrize("key", [5, b"acme", ("acme",), None])
def test_a_key_that_is_not_a_name_is_refused_naming_it(argument: str, key: object) -> None:
    # Was: {5: 'Acme Corp'} (an account id read from a database as an int, or b'acme'
    # from a bytes column) was taken and matched nothing, so every row kept the default
    # name ('acme', 'vm.hours', 'Other') with no word said.
    value = "Compute" if argument == "service_categories" else "Acme Corp"
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.focus_rows(_rating(), provider="P", **{argument: {key: value}})
    assert str(caught.value).startswith(f"focus_rows {argument} key {key!r} is ")
    assert "the keys are strings" in str(caught.value)
