"""Equal values export alike: a description's key order never shows in what ratekit writes.

A description is a mapping, and two descriptions with the same items are equal whatever
order their keys came in (a host's dict, an adapter's JSON). What ratekit itself writes
from one, the FOCUS ``Tags`` text, a DataFrame's columns and the usage table of a
notebook, is therefore the same text for both, so that a re-export of the same charges
is byte for byte the one before (a host that hashes its exports, or diffs them, sees no
change where none was made).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit("0.5"))]
)


def _row(description: dict[str, object]) -> rk.UsageRow:
    return rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, 2, "hour", description, ())


def _tags(description: dict[str, object]) -> str:
    rating = rk.rate([_row(description)], PLAN, span=MARCH)
    tags: str = rk.focus_rows(rating, provider="X")[0]["Tags"]
    return tags


def test_focus_tags_do_not_depend_on_the_order_of_the_description_keys() -> None:
    # {"zone": "a", "flavor": "m1"} and {"flavor": "m1", "zone": "a"} are one description:
    # the charges are equal, and so is their Tags text, the keys in sorted order.
    forward = {"zone": "a", "flavor": "m1", "image": {"size_gb": Decimal("2.5"), "name": "u"}}
    backward = {"image": {"name": "u", "size_gb": Decimal("2.5")}, "flavor": "m1", "zone": "a"}
    assert _row(forward) == _row(backward)
    assert _tags(forward) == _tags(backward)
    assert _tags(forward) == (
        '{"flavor": "m1", "image": "{\\"name\\":\\"u\\",\\"size_gb\\":\\"2.5\\"}", "zone": "a"}'
    )


_names = st.text(alphabet="abcxyz", min_size=1, max_size=3)
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text("ab", max_size=2),
    lambda inner: st.dictionaries(_names, inner, max_size=3),
    max_leaves=6,
)


def _reversed(value: object) -> object:
    """The same value, every mapping's keys in reverse order."""
    if isinstance(value, dict):
        return {key: _reversed(item) for key, item in reversed(value.items())}
    return value


def _oracle(description: dict[str, object]) -> dict[str, object]:
    """Tags as FOCUS reads them: a nested mapping is the JSON text of its sorted items."""
    return {
        key: json.dumps(value, sort_keys=True, separators=(",", ":"))
        if isinstance(value, dict)
        else value
        for key, value in sorted(description.items())
    }


@pytest.mark.property
@given(st.dictionaries(_names, _values, max_size=4))
def test_focus_tags_are_one_text_for_one_description(description: dict[str, object]) -> None:
    tags = _tags(description)
    assert tags == _tags(_reversed(description))  # type: ignore[arg-type]
    assert json.loads(tags) == _oracle(description)
    assert list(json.loads(tags)) == sorted(description)


def test_a_frame_has_its_description_columns_in_name_order() -> None:
    # Equal charges, equal frames: the CSV a host writes of them is the same text.
    forward = rk.rate([_row({"zone": "a", "flavor": "m1"})], PLAN, span=MARCH)
    backward = rk.rate([_row({"flavor": "m1", "zone": "a"})], PLAN, span=MARCH)
    assert forward.charges == backward.charges
    frames = [rk.charges_frame(forward), rk.charges_frame(backward)]
    assert [list(frame.columns)[-2:] for frame in frames] == [
        ["description.flavor", "description.zone"]
    ] * 2
    assert frames[0].to_csv() == frames[1].to_csv()
    usages = [
        rk.usage_frame(rk.Usage((_row(d),), (), ())) for d in ({"b": 1, "a": 2}, {"a": 2, "b": 1})
    ]
    assert list(usages[0].columns)[-2:] == ["description.a", "description.b"]
    assert usages[0].to_csv() == usages[1].to_csv()


def test_the_usage_table_shows_a_description_in_name_order() -> None:
    pages = [
        rk.Usage((_row(d),), (), ())._repr_html_()
        for d in ({"zone": "a", "flavor": "m1"}, {"flavor": "m1", "zone": "a"})
    ]
    assert pages[0] == pages[1]
    assert "flavor=m1, zone=a" in pages[0]


def test_the_usage_table_writes_description_numbers_in_plain_notation() -> None:
    # "Every number is printed in plain notation": Decimal("1E+5") is 100000 and
    # Decimal("1E-7") 0.0000001, at any depth; a nested value shows its numbers, not
    # Decimal('2.50') (its keys in name order, as the attributes are).
    row = _row(
        {
            "size": Decimal("1E+5"),
            "tiny": Decimal("1E-7"),
            "n": {"y": [Decimal("2.50"), None, True, "a b"], "x": Decimal("-0")},
        }
    )
    page = rk.Usage((row,), (), ())._repr_html_()
    shown = "n={&#x27;x&#x27;: 0, &#x27;y&#x27;: [2.50, None, True, &#x27;a b&#x27;]}, "
    assert f"<td>{shown}size=100000, tiny=0.0000001</td>" in page
    assert "E+" not in page
    assert "E-" not in page
    assert "Decimal(" not in page
