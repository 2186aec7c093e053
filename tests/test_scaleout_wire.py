"""The wire form of a scale-out part (ratekit._wire): compact, rebuilt equal, checked."""

from __future__ import annotations

import gc
import hashlib
import pickle
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from itertools import chain
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import _wire
from ratekit import strategies as rks
from ratekit._scaleout_merge import by_account as _by_account
from test_scaleout import MARCH, METERS, ZURICH, fleet, plan

Part = _wire.Part


def exact(value: Any) -> Any:
    """A value as nested plain data that tells apart what ``==`` does not.

    Decimals by their digits and exponent (``1E+3`` is not ``1000``, ``-0`` not ``0``),
    spans by their microseconds, attrs values field by field (the fields left out of
    ``==``, like a charge's row and price, included), mappings by their items.
    """
    if isinstance(value, Decimal):
        return ("Decimal", value.as_tuple())
    if isinstance(value, rk.Span):
        return ("Span", value.start_us, value.end_us)
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value).__name__, *(exact(getattr(value, f.name)) for f in fields))
    if isinstance(value, tuple | list):
        return tuple(map(exact, value))
    if isinstance(value, dict):
        return ("dict", tuple((key, exact(item)) for key, item in value.items()))
    return value


def round_trip(part: Part) -> Part:
    back = _wire.decode(_wire.encode(part))
    rating, invoices, accounts, ids = part
    assert back[0] == rating  # charges, anomalies, shares
    assert back[0].rows == rating.rows
    assert exact(back[0]) == exact(rating)  # every field of every charge and row, exactly
    assert back[1] == invoices
    assert exact(back[1]) == exact(invoices)  # the lines' charges too
    assert back[2] == accounts
    assert back[3] == ids
    return back


def committed_plan() -> rk.Plan:
    base = plan()
    return rk.Plan(
        "fleet",
        "EUR",
        ZURICH,
        base.entries,
        fees=base.fees,
        minimums=[rk.Minimum(200)],
        allowances=[rk.Allowance("memory", 50)],
    )


def fleet_part(*, by_resource: bool = False) -> Part:
    """Usage, fees, minimums, an allowance, orphan stops (anomalies), a share, record ids."""
    records = fleet(accounts=4, seed=21)
    shares = [rk.Share("acct-00", "acct-00/vm-0", {"acct-00": 1, "acct-02": 2})]
    rating = rk.rate(records, committed_plan(), span=MARCH, meters=METERS, shares=shares)
    invoices = rk.bill(rating, by_resource=by_resource, tz="Europe/Zurich" if by_resource else None)
    ids = {"acct-00": ["e1", "e2"], "acct-01": []}
    return rating, invoices, frozenset(r.account for r in records), ids


def test_a_part_of_every_kind_of_rated_charge_comes_back_exactly() -> None:
    part = fleet_part()
    kinds = {charge.kind for charge in part[0].charges}
    assert kinds == {"usage", "fee", "minimum"}
    assert any(charge.row is None for charge in part[0].charges)  # fees, minimums
    assert any(charge.free for charge in part[0].charges)  # the memory allowance
    assert part[0].anomalies
    assert part[0].shares
    assert any(line.kind == "shared" for invoice in part[1] for line in invoice.lines)
    back = round_trip(part)
    # what the part shared stays shared: a row and its charge hold one span, one quantity
    for charge in back[0].charges:
        if charge.row is not None:
            assert charge.row.span is charge.span
            assert charge.row.quantity is charge.quantity
    # each rated row is the row of its charges, not a copy
    assert {id(row) for row in back[0].rows} == {
        id(charge.row) for charge in back[0].charges if charge.row is not None
    }
    line_charges = {id(c) for i in back[1] for line in i.lines for c in line.charges}
    assert line_charges <= {id(charge) for charge in back[0].charges}


def test_invoices_detailed_per_resource_come_back_exactly() -> None:
    back = round_trip(fleet_part(by_resource=True))
    assert {invoice.tz for invoice in back[1]} == {"Europe/Zurich"}


def hand_charge(kind: str, amount: str, *, row: rk.UsageRow | None = None, **more: Any) -> Any:
    return rk.Charge(
        "acme",
        None if row is None else row.meter,
        None if row is None else row.resource,
        MARCH if row is None else row.span,
        MARCH,
        Decimal(1) if row is None else row.quantity,
        "cycle" if row is None else row.unit,
        Decimal(amount),
        "EUR",
        "p",
        "e",
        None,
        kind=kind,
        row=row,
        **more,
    )


def test_decimals_keep_their_exponent_and_sign_and_every_kind_travels() -> None:
    row = rk.UsageRow(
        "acme", "egress", "ip-1", MARCH, MARCH, Decimal("1E+3"), "GB", {"tier": [1, 2]}, ("s1",)
    )
    charges = [
        hand_charge("usage", "-0", row=row, free=Decimal("0E-7"), position=Decimal("-0.000")),
        hand_charge("fee", "1E+3", quantum=Decimal("1E-2"), rounding="ROUND_DOWN"),
        hand_charge("minimum", "12.50", price=rk.PerUnit("0.5"), opens=True),
        hand_charge("reversal", "-1E+3"),
        hand_charge("correction", "0.000"),
    ]
    rating = rk.Rating(charges, [rk.Anomaly("policy", "a note", ("s1",))], [row])
    back = round_trip((rating, (), frozenset({"acme"}), {"acme": ["s1"]}))
    amounts = [str(charge.amount) for charge in back[0].charges]
    assert amounts == ["-0", "1E+3", "12.50", "-1E+3", "0.000"]
    assert str(back[0].charges[0].row.quantity) == "1E+3"  # type: ignore[union-attr]
    assert str(back[0].charges[0].position) == "-0.000"
    assert back[0].charges[0].description == {"tier": [1, 2]}


def test_an_empty_part_comes_back_empty() -> None:
    back = round_trip((rk.Rating((), ()), (), frozenset(), {}))
    assert back[0].charges == ()
    assert back[1] == ()


@settings(max_examples=60, deadline=None)
@given(
    rows=rks.usage_rows(max_size=6),
    plan=rks.plans(),
    by_resource=st.booleans(),
)
def test_any_rated_part_comes_back_exactly(
    rows: list[rk.UsageRow], plan: rk.Plan, by_resource: bool
) -> None:
    rating = rk.rate(rows, plan, span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"))
    invoices = rk.bill(rating, by_resource=by_resource, tz="Europe/Zurich" if by_resource else None)
    back = round_trip((rating, invoices, frozenset(r.account for r in rows), {}))
    # the money adds up the same as fractions, charge by charge
    assert sum(map(Fraction, (c.amount for c in back[0].charges)), Fraction(0)) == sum(
        map(Fraction, (c.amount for c in rating.charges)), Fraction(0)
    )


def test_the_wire_form_is_smaller_than_the_pickled_values() -> None:
    part = fleet_part()
    assert len(_wire.encode(part)) < len(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))


# -- a corrupted part result is refused, naming what is wrong -------------------------------


def payload(part: Part) -> list[Any]:
    return list(pickle.loads(_wire.encode(part)[len(_wire.MAGIC) + 32 :]))  # after the digest


def wire(items: list[Any]) -> bytes:
    """``items`` as a part's bytes, with their digest (what decode checks beyond it)."""
    pickled = pickle.dumps(tuple(items))
    return _wire.MAGIC + hashlib.sha256(pickled).digest() + pickled


SPANS, DECIMALS, OBJECTS, ROWS, CHARGES, ANOMALIES, LINES, INVOICES = range(8)
SPECS = {ROWS: _wire._ROW, CHARGES: _wire._CHARGE, ANOMALIES: _wire._ANOMALY}
SPECS |= {LINES: _wire._LINE, INVOICES: _wire._INVOICE}


def point(where: int, name: str, index: int, table: int, value: Any) -> Callable[[list[Any]], None]:
    """Put ``value`` in a table and the field ``name`` of value ``index`` pointing at it."""

    def change(items: list[Any]) -> None:
        items[table].append(value)
        at = len(items[table]) - (1 if table == OBJECTS else 0)  # Decimals: None is 0
        items[where][list(SPECS[where]).index(name)][index] = at

    return change


def set_index(where: int, name: str, index: int, at: int) -> Callable[[list[Any]], None]:
    def change(items: list[Any]) -> None:
        items[where][list(SPECS[where]).index(name)][index] = at

    return change


def set_decimal_text(text: str) -> Callable[[list[Any]], None]:
    def change(items: list[Any]) -> None:
        items[DECIMALS][2] = text

    return change


def row_out_of_range(items: list[Any]) -> None:
    column = items[CHARGES][list(_wire._CHARGE).index("row")]
    column[0] = 2 ** (8 * column.itemsize) - 1  # the largest the array holds
    assert column[0] > len(items[ROWS][0])


def drop_column(items: list[Any]) -> None:
    items[CHARGES].pop()


def shorten_column(items: list[Any]) -> None:
    items[CHARGES][list(_wire._CHARGE).index("amount")].pop()


def reverse_span(items: list[Any]) -> None:
    starts, ends = items[SPANS]
    starts[0], ends[0] = ends[0] + 1, starts[0]


def extra_line_charge(items: list[Any]) -> None:
    items[LINES][list(_wire._LINE).index("charges")][0] += 1


def bad_ids(items: list[Any]) -> None:
    items[12] = {"acct-00": "e1"}


NOT = "not a finite number"
CORRUPTIONS = [
    (set_decimal_text("12,5"), r"\.decimals\[2\]: not a number \('12,5'\)"),
    (set_decimal_text("NaN"), r"\.decimals\[2\]: not a finite number \('NaN'\)"),
    (set_decimal_text(" 4 "), r"\.decimals\[2\]: not a plain decimal number \(' 4 '\)"),
    (set_index(CHARGES, "amount", 3, 0), r"\.charges\.amount\[3\]: NoneType None where a Decimal"),
    (point(CHARGES, "kind", 1, OBJECTS, "gift"), r"\.charges\.kind\[1\]: str 'gift' where one of"),
    (point(CHARGES, "account", 0, OBJECTS, ""), r"\.charges\.account\[0\]: .*a non-empty name"),
    (point(CHARGES, "quantum", 0, DECIMALS, "0"), r"\.charges\.quantum\[0\]: .*a Decimal above 0"),
    (point(CHARGES, "opens", 0, OBJECTS, 1), r"\.charges\.opens\[0\]: int 1 where True or False"),
    (point(CHARGES, "price", 0, OBJECTS, "0.05"), r"\.charges\.price\[0\]: str '0\.05' where a pr"),
    (point(ROWS, "record_ids", 0, OBJECTS, (7,)), r"\.rows\.record_ids\[0\]: tuple \(7,\) where"),
    (point(ANOMALIES, "kind", 0, OBJECTS, "odd"), r"\.anomalies\.kind\[0\]: str 'odd' where an"),
    (
        point(INVOICES, "tz", 0, OBJECTS, "Mars/Olympus"),
        r"\.invoices\.tz\[0\]: .* an IANA timezone",
    ),
    (set_index(INVOICES, "total", 0, 0), r"\.invoices\.total\[0\]: NoneType None where a Decimal"),
    (row_out_of_range, r"\.charges\.row: not indices below \d+"),
    (drop_column, r"\.charges: not a list of 22 items \(got 21\)"),  # a charge has 22 fields
    (shorten_column, r"\.charges\.amount: not an array of \d+ indices"),
    (reverse_span, r"\.spans: not spans within years 1 to 9999 whose start is not after"),
    (extra_line_charge, r"\.lines\.charges: not runs of values as long as sent"),
    (bad_ids, r"\.ids: not a dict of account names to lists of record ids"),
]


@pytest.mark.parametrize(("corrupt", "message"), CORRUPTIONS)
def test_an_altered_part_result_is_refused_naming_the_field(
    corrupt: Callable[[list[Any]], None], message: str
) -> None:
    items = payload(fleet_part())
    corrupt(items)
    with pytest.raises(rk.BadDataError, match=r"^rate_by_account part result" + message):
        _wire.decode(wire(items))


def test_bytes_that_are_not_a_part_result_are_refused() -> None:
    good = _wire.encode(fleet_part())
    with pytest.raises(rk.BadDataError, match="expected bytes from a part, got str"):
        _wire.decode("ratekit")
    with pytest.raises(rk.BadDataError, match="do not start with ratekit's header"):
        _wire.decode(pickle.dumps(fleet_part()))
    # version 1 held no charge's after (the form of charges changed with it), version 2
    # no digest
    with pytest.raises(rk.BadDataError, match="version 1 where this ratekit reads version 3"):
        _wire.decode(_wire.MAGIC[:-1] + b"\x01" + good[len(_wire.MAGIC) :])
    with pytest.raises(rk.BadDataError, match="version 2 where this ratekit reads version 3"):
        _wire.decode(_wire.MAGIC[:-1] + b"\x02" + good[len(_wire.MAGIC) :])
    with pytest.raises(rk.BadDataError, match=r"were altered or cut short on their way"):
        _wire.decode(good[: len(good) // 2])
    junk = b"\x80\x05junk"  # sealed with its digest, and no pickle
    with pytest.raises(rk.BadDataError, match=r"cannot be read \(.*\); they were cut short"):
        _wire.decode(_wire.MAGIC + hashlib.sha256(junk).digest() + junk)
    with pytest.raises(rk.BadDataError, match=r"^rate_by_account part result: not a tuple of 14"):
        _wire.decode(wire([1, 2]))
    assert _wire.decode(memoryview(good))[0] == fleet_part()[0]


def test_a_changed_digit_or_a_flipped_bit_is_refused_not_decoded_into_another_amount() -> None:
    # An amount's text in the bytes, one digit changed: every check of shape and range
    # passes (a plain finite Decimal of the same length), so without a digest of the
    # bytes the part came back with a charge of another amount. Say the first charge of
    # 'acct-00' is 4.80 EUR: 4.81 is read back. Now the bytes are refused.
    good = _wire.encode(fleet_part())
    text = str(fleet_part()[0].charges[0].amount).encode()
    at = good.index(text) + len(text) - 1  # its last digit
    digit = good[at : at + 1]
    other = b"1" if digit != b"1" else b"2"
    altered = good[:at] + other + good[at + 1 :]
    with pytest.raises(rk.BadDataError, match=r"were altered or cut short"):
        _wire.decode(altered)
    # and so is every single bit flipped anywhere after the header
    for place in range(len(_wire.MAGIC), len(good), 97):
        flipped = bytearray(good)
        flipped[place] ^= 1 << (place % 8)
        with pytest.raises(rk.BadDataError):
            _wire.decode(bytes(flipped))


# -- the collector: paused while rebuilding, restored as the caller had it -----------------


@pytest.fixture
def collector() -> Iterator[None]:
    enabled = gc.isenabled()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        else:
            gc.disable()


@pytest.mark.usefixtures("collector")
@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_while_rebuilding_and_restored_even_on_error(
    enabled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _wire.encode(fleet_part())
    items = payload(fleet_part())
    set_index(CHARGES, "amount", 0, 0)(items)
    bad = wire(items)
    seen: list[bool] = []
    rebuilt = _wire._rebuilt

    def spy(value: object) -> Part:
        seen.append(gc.isenabled())
        return rebuilt(value)

    monkeypatch.setattr(_wire, "_rebuilt", spy)
    (gc.enable if enabled else gc.disable)()
    assert _wire.decode(good)[0] == fleet_part()[0]
    assert gc.isenabled() is enabled
    with pytest.raises(rk.BadDataError):
        _wire.decode(bad)
    assert gc.isenabled() is enabled
    with pytest.raises(rk.BadDataError):
        _wire.decode(good[:100])  # fails inside pickle, before the rebuilding
    assert gc.isenabled() is enabled
    assert seen == [False, False]


# -- the merge: a stable sort by account, by runs ------------------------------------------


@settings(max_examples=LAWS * 3 // 2, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=12),
        max_size=4,
    )
)
def test_merging_by_runs_is_a_stable_sort_by_account(blocks: list[list[str]]) -> None:
    values = [[SimpleNamespace(account=account) for account in block] for block in blocks]
    want = sorted(chain.from_iterable(values), key=lambda value: value.account)
    got = _by_account(values)
    assert [id(value) for value in got] == [id(value) for value in want]


def test_merging_keeps_each_part_block_in_place() -> None:
    # part 0 holds b (2 values) and d; part 1 holds a and c: a, b, b, c, d
    first = [SimpleNamespace(account=name, n=n) for n, name in enumerate("bbd")]
    second = [SimpleNamespace(account=name, n=n) for n, name in enumerate("ac")]
    merged = _by_account([first, second])
    assert [(value.account, value.n) for value in merged] == [
        ("a", 0),
        ("b", 0),
        ("b", 1),
        ("c", 1),
        ("d", 2),
    ]
    assert re.fullmatch(r"\(\)", repr(_by_account([])))
