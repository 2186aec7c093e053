"""Text at the doors: a string holding a surrogate code point is refused where it enters,
naming the field, so every export (rows, FOCUS rows, plan data, states) is UTF-8 text."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._text import is_text

AT = "2026-03-01T00:00:00Z"
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
TAIL = (
    "is not valid Unicode text: it holds a surrogate code point ('\\ud800' at index 1), "
    "which is no character and which UTF-8 cannot encode, so no UTF-8 JSON, CSV or database "
    "text could hold it; give text decoded strictly from its bytes (or with errors='replace')."
)
BAD = "a\ud800"


def _plan(**changes: object) -> rk.Plan:
    fields: dict[str, object] = {
        "id": "p",
        "currency": "EUR",
        "cycle": MONTHLY,
        "entries": [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.1"))],
    }
    fields.update(changes)
    return rk.Plan(**fields)  # type: ignore[arg-type]


DOORS: list[tuple[str, Callable[[], object]]] = [
    ("event 'e1' account", lambda: rk.Event(BAD, "vm", AT, kind="start", id="e1")),
    ("event 'e1' resource", lambda: rk.Event("a", BAD, AT, kind="start", id="e1")),
    ("event id", lambda: rk.Event("a", "vm", AT, kind="start", id=BAD)),
    ("event 'e1' attribute name", lambda: rk.Event("a", "vm", AT, {BAD: 1}, id="e1")),
    ("event 'e1' attribute 'f' value", lambda: rk.Event("a", "vm", AT, {"f": BAD}, id="e1")),
    (
        "event 'e1' attribute 'p' key",
        lambda: rk.Event("a", "vm", AT, {"p": {BAD: 1}}, id="e1"),
    ),
    (
        "event 'e1' attribute 'p[1]' value",
        lambda: rk.Event("a", "vm", AT, {"p": ["x", BAD]}, id="e1"),
    ),
    ("sample 's1' meter", lambda: rk.Sample("a", "vm", BAD, AT, 1, id="s1")),
    ("sample id", lambda: rk.Sample("a", "vm", "m", AT, 1, id=BAD)),
    ("Inventory resource account", lambda: rk.Inventory(AT, [(BAD, "vm")])),
    ("inventory accounts item", lambda: rk.Inventory(AT, [], accounts=[BAD])),
    ("inventory where key", lambda: rk.Inventory(AT, [], where={BAD: "v"})),
    ("Meter name", lambda: rk.Meter(BAD, "hour", rk.OnOff())),
    ("a level", lambda: rk.Meter("m", "GiB*hour", rk.Continuous(BAD))),
    ("a condition's attribute", lambda: rk.OnOff(when={BAD: "on"})),
    ("condition attribute 'state' value", lambda: rk.OnOff(when={"state": BAD})),
    ("a plan id", lambda: _plan(id=BAD)),
    ("a price entry id", lambda: rk.PriceEntry(BAD, "m", rk.PerUnit(1))),
    ("price entry 'e' meter", lambda: rk.PriceEntry("e", BAD, rk.PerUnit(1))),
    ("a PriceEntry where key", lambda: rk.PriceEntry("e", "m", rk.PerUnit(1), where={BAD: 1})),
    (
        "a PriceEntry where value of 'f'",
        lambda: rk.PriceEntry("e", "m", rk.PerUnit(1), where={"f": BAD}),
    ),
    ("OneOf value", lambda: rk.OneOf([BAD, "b"])),
    ("a fee id", lambda: rk.Fee(BAD, 1)),
    ("Allowance meter", lambda: rk.Allowance(BAD, 1)),
    ("Credit id", lambda: rk.Credit(BAD, "a", 1, "EUR", AT)),
    ("Credit account", lambda: rk.Credit("c", BAD, 1, "EUR", AT)),
    ("an assignment's account", lambda: rk.Assignment(BAD, _plan())),
    ("Share owner", lambda: rk.Share(BAD, "img", {"a": 1})),
    ("ResourceState account", lambda: rk.ResourceState(BAD, "vm", "running", {})),
    ("rate account", lambda: rk.rate([], _plan(), span=MARCH, accounts=[BAD])),
    ("focus_rows provider", lambda: rk.focus_rows([], provider=BAD)),
]


@pytest.mark.parametrize(("what", "door"), DOORS, ids=[what for what, _ in DOORS])
def test_every_door_refuses_a_surrogate_naming_the_field(
    what: str, door: Callable[[], object]
) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        door()
    assert str(raised.value) == f"{what} 'a\\ud800' {TAIL}"


def test_a_charge_built_by_hand_refuses_a_surrogate() -> None:
    usage = rk.meter(
        [rk.Event("acme", "vm-1", AT, kind="start", id="e1")],
        [rk.Meter("vm.hours", "hour", rk.OnOff())],
        span=MARCH,
        cycle=MONTHLY,
        as_of=MARCH.end,
    )
    (charge,) = rk.rate(usage, _plan(), span=MARCH).charges
    row = rk.to_row(charge)
    row["account"] = BAD
    with pytest.raises(rk.BadDataError, match=r"Charge account 'a\\ud800' is not valid Unicode"):
        rk.from_row(rk.Charge, row)


def test_batches_refuse_a_surrogate_naming_the_record_and_field() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_tuples(events=[("a", BAD, 1_772_323_200_000_000, "start")])
    assert str(raised.value) == (
        "events[0]: resource is str 'a\\ud800'; it must be valid Unicode text: it holds a "
        "surrogate code point, which UTF-8 cannot encode (give text decoded strictly from "
        "its bytes, or with errors='replace')."
    )
    with pytest.raises(rk.RatekitTypeError, match=r"^samples\[1\] \(id 'a\\ud800'\): id is"):
        rk.RecordBatch.from_tuples(
            samples=[
                ("a", "ip", "egress", 1_772_323_200_000_000, 1, "delta", "s1"),
                ("a", "ip", "egress", 1_772_323_200_000_000, 1, "delta", BAD),
            ]
        )
    with pytest.raises(rk.RatekitTypeError, match=r"attribute 'f' value 'a\\ud800' is not"):
        rk.RecordBatch.from_tuples(
            events=[("a", "vm", 1_772_323_200_000_000, "start", {"f": BAD}, "e1")]
        )


def test_a_surrogate_pair_as_two_code_points_is_refused_the_character_is_taken() -> None:
    # "\ud83d\ude00" is two code points, not U+1F600 (JSON joins the escaped pair; Python
    # does not): refused. The character itself is text like any other.
    with pytest.raises(rk.RatekitTypeError, match=r"\('\\ud83d' at index 0\)"):
        rk.Event("a", "\ud83d\ude00", AT, kind="start", id="e1")
    event = rk.Event("a", "\U0001f600", AT, {"city": "Zürich"}, kind="start", id="e1")
    text = json.dumps(rk.to_row(event), ensure_ascii=False)
    assert text.encode("utf-8").decode("utf-8") == text
    assert rk.from_row(rk.Event, json.loads(text)) == event


_HOSTILE = st.text(
    st.one_of(
        st.characters(categories=["Cs"]),
        st.sampled_from("a\u00e9\U0001f600\x00\n\u2028"),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=LAWS)
@given(account=_HOSTILE, resource=_HOSTILE, key=_HOSTILE, value=_HOSTILE)
def test_law_a_record_is_refused_or_its_rows_are_utf8(
    account: str, resource: str, key: str, value: str
) -> None:
    # Oracle: a string is valid text iff it encodes as UTF-8 (strictly).
    def encodes(text: str) -> bool:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True

    valid = all(map(encodes, (account, resource, key, value)))
    assert all(is_text(text) == encodes(text) for text in (account, resource, key, value))
    if not valid:
        with pytest.raises(rk.RatekitTypeError, match=r"is not valid Unicode text"):
            rk.Event(account, resource, AT, {key: value}, kind="start", id="e1")
        return
    event = rk.Event(account, resource, AT, {key: value}, kind="start", id="e1")
    usage = rk.meter(
        [event], [rk.Meter("h", "hour", rk.OnOff())], span=MARCH, cycle=MONTHLY, as_of=MARCH.end
    )
    rows = [rk.to_row(event), *map(rk.to_row, usage.rows)]
    text = json.dumps(rows, ensure_ascii=False)
    text.encode("utf-8")  # no UnicodeEncodeError
    # 1 Mar 00:00 to 1 Apr 00:00: 31 days x 24 h = 744 h
    assert usage.total() == Decimal(744)
