"""Usage rows, charges and invoice lines as DataFrames (ratekit.frames, the pandas extra)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.005")),
        rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.085")])),
    ],
)
ROWS = [
    rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, "0.1", "hour", {"flavor": "m1"}, ("e1",)),
    rk.UsageRow(
        "acme", "vm.hours", "vm-2", MARCH, MARCH, "0.2", "hour", {"flavor": "m2", "zone": "b"}, ()
    ),
    rk.UsageRow("globex", "egress", "ip-1", MARCH, MARCH, "33", "GB", {}, ()),
]


def test_usage_frame_dtypes_and_exact_decimals():
    frame = rk.usage_frame(ROWS)
    assert str(frame["span_start"].dtype) == "datetime64[us, UTC]"
    assert str(frame["cycle_end"].dtype) == "datetime64[us, UTC]"
    assert frame["span_start"][0] == pd.Timestamp("2026-03-01T00:00:00Z")
    assert frame["quantity"].dtype == object
    assert all(type(value) is Decimal for value in frame["quantity"])
    # exact: 0.1 + 0.2 is 0.3 here, not 0.30000000000000004
    assert frame[frame["meter"] == "vm.hours"]["quantity"].sum() == Decimal("0.3")
    assert list(frame["description.flavor"]) == ["m1", "m2", None]
    assert list(frame["description.zone"]) == [None, "b", None]
    assert list(frame["record_ids"]) == [["e1"], [], []]
    # the documented approximate view for plotting
    assert frame["quantity"].astype(float).tolist() == [0.1, 0.2, 33.0]


def test_charges_frame_cells_are_the_charges_exact_amounts():
    rating = rk.rate(ROWS, [rk.Assignment("acme", PLAN), rk.Assignment("globex", PLAN)], span=MARCH)
    frame = rk.charges_frame(rating)
    assert list(frame["amount"]) == [charge.amount for charge in rating.charges]
    # 0.1 * 0.005 = 0.0005; 0.2 * 0.005 = 0.001; (33 - 10) * 0.085 = 1.955
    assert frame.groupby("account")["amount"].sum().to_dict() == {
        "acme": Decimal("0.0015"),
        "globex": Decimal("1.955"),
    }
    assert list(frame["unit_price"]) == [Decimal("0.005"), Decimal("0.005"), None]
    assert "row" not in frame.columns
    assert "price" not in frame.columns
    assert str(frame["span_end"].dtype) == "datetime64[us, UTC]"


def test_invoice_lines_frame_keeps_rounded_and_precise_amounts():
    invoices = rk.bill(
        rk.rate(ROWS, [rk.Assignment("acme", PLAN), rk.Assignment("globex", PLAN)], span=MARCH)
    )
    frame = rk.invoice_lines_frame(invoices)
    assert list(frame["account"]) == ["acme", "globex"]
    # acme: 0.0015 -> 0.00; globex 1.955 -> 1.96 (half-even at 0.005 rounds to even 1.96)
    assert list(frame["precise"]) == [Decimal("0.0015"), Decimal("1.955")]
    assert list(frame["amount"]) == [Decimal("0.00"), Decimal("1.96")]
    assert frame["amount"].sum() == sum(invoice.total for invoice in invoices)
    assert str(frame["cycle_start"].dtype) == "datetime64[us, UTC]"
    assert "charges" not in frame.columns
    assert rk.invoice_lines_frame(invoices[0])["account"].tolist() == ["acme"]


def test_import_ratekit_does_not_import_pandas():
    code = "import sys, ratekit; assert 'pandas' not in sys.modules, 'pandas imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_description_cells_keep_their_values_never_floats():
    # An int attribute missing on some rows stays an int (pandas would infer float64 and
    # write 200.0); a Decimal attribute is the Decimal itself, not its {"decimal": ...} row form.
    rows = [
        rk.UsageRow("acme", "disk", "vol-1", MARCH, MARCH, 1, "GB", {"size_gb": 200}, ()),
        rk.UsageRow("acme", "disk", "vol-2", MARCH, MARCH, 1, "GB", {"ratio": Decimal("1.5")}, ()),
        rk.UsageRow("acme", "disk", "vol-3", MARCH, MARCH, 1, "GB", {"on": True}, ()),
    ]
    frame = rk.usage_frame(rows)
    assert frame["description.size_gb"].tolist() == [200, None, None]
    assert type(frame["description.size_gb"][0]) is int
    assert frame["description.ratio"].tolist() == [None, Decimal("1.5"), None]
    assert type(frame["description.ratio"][1]) is Decimal
    assert frame["description.on"].tolist() == [None, None, True]
    cells = [
        cell for name in frame.columns if name.startswith("description.") for cell in frame[name]
    ]
    assert not any(isinstance(cell, float) for cell in cells)


def test_frames_refuse_what_they_do_not_show():
    rating = rk.rate(ROWS, PLAN, span=MARCH)
    # usage_frame(charges) used to give a frame of charges; the others escaped as
    # AttributeError or TypeError
    cases = [
        (
            lambda: rk.usage_frame(rating.charges),
            "usage_frame takes a Usage or usage rows; item 0 is Charge: ",
        ),
        (
            lambda: rk.charges_frame(ROWS),
            "charges_frame takes a Rating or charges; item 0 is UsageRow: ",
        ),
        (
            lambda: rk.invoice_lines_frame(rating),
            (
                "invoice_lines_frame takes an invoice or invoices (rk.bill(...)), not Rating: "
                "Rating(3 charges, 0 anomalies)."
            ),
        ),
        (
            lambda: rk.charges_frame(None),
            "charges_frame takes a Rating or charges, not NoneType: None.",
        ),
    ]
    for call, message in cases:
        with pytest.raises(rk.RatekitTypeError) as caught:
            call()
        assert str(caught.value).startswith(message)
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^to_rows takes a list of values, each one of .*, not NoneType: None\.$",
    ):
        rk.to_rows(None)  # type: ignore[arg-type]


_INSTANTS = ("span_start", "span_end", "cycle_start", "cycle_end")


def _same_shape(empty: pd.DataFrame, full: pd.DataFrame, decimals: tuple[str, ...]) -> None:
    """``empty`` has ``full``'s columns (less its description columns) and set dtypes."""
    assert len(empty) == 0
    assert list(empty.columns) == [c for c in full.columns if not c.startswith("description.")]
    for column in empty.columns:
        if column in _INSTANTS:
            assert str(empty[column].dtype) == "datetime64[us, UTC]", column
            assert str(full[column].dtype) == "datetime64[us, UTC]", column
    for column in decimals:
        assert empty[column].dtype == object, column
        assert full[column].dtype == object, column


def test_every_frame_of_no_rows_has_the_columns_of_a_full_one():
    # A quiet month: a rating with no charges, no usage rows, no invoices, no comparison
    # rows. Each frame keeps its columns, so the notebook's busy-month code still runs.
    rating = rk.rate(ROWS, [rk.Assignment("acme", PLAN), rk.Assignment("globex", PLAN)], span=MARCH)
    quiet = rk.rate([], PLAN, span=MARCH)
    assert quiet.charges == ()

    charges = rk.charges_frame(quiet)
    _same_shape(charges, rk.charges_frame(rating), ("quantity", "amount", "unit_price", "free"))
    assert charges["amount"].sum() == 0
    assert list(charges.columns[:8]) == [
        "account", "meter", "resource", "span_start", "span_end", "cycle_start", "cycle_end",
        "quantity",
    ]  # fmt: skip
    assert charges.groupby("account")["amount"].sum().to_dict() == {}
    assert list(rk.charges_frame([]).columns) == list(charges.columns)

    usage = rk.usage_frame([])
    _same_shape(usage, rk.usage_frame(ROWS), ("quantity",))
    assert list(usage.columns) == [
        "account", "meter", "resource", "span_start", "span_end", "cycle_start", "cycle_end",
        "quantity", "unit", "record_ids",
    ]  # fmt: skip
    assert usage["quantity"].sum() == 0
    nothing = rk.meter([], [], span=MARCH, cycle=None, as_of=MARCH.end)
    assert list(rk.usage_frame(nothing).columns) == list(usage.columns)

    lines = rk.invoice_lines_frame([])
    _same_shape(lines, rk.invoice_lines_frame(rk.bill(rating)), ("precise", "amount"))
    assert list(lines.columns[:4]) == ["account", "cycle_start", "cycle_end", "currency"]
    assert lines.groupby("account")["amount"].sum().to_dict() == {}


def test_an_empty_comparisons_frame_has_the_columns_of_its_rows():
    hourly = rk.Plan("h", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
    full = rk.compare_plans([], {"now": [rk.Assignment("acme", hourly)]}, span=MARCH).to_frame()
    frame = rk.compare_plans([], {"now": PLAN}, span=MARCH).to_frame()
    assert len(frame) == 0
    assert list(frame.columns) == list(full.columns) == [
        "account", "cycle_start", "cycle_end", "currency", "candidate", "total",
        "precise_total", "baseline", "difference", "change",
    ]  # fmt: skip
    assert str(frame["cycle_start"].dtype) == "datetime64[us, UTC]"
    assert frame["total"].dtype == object
    pivot = frame.pivot(index=["account", "cycle_start"], columns="candidate", values="total")
    assert pivot.empty
    assert frame["total"].sum() == 0


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {column: str(frame[column].dtype) for column in frame.columns}


def test_every_frame_builder_gives_no_rows_the_dtypes_of_one_row():
    # Column by column, whatever pandas is installed: a quiet month concatenates with a busy
    # one, and a schema check sees one schema.
    text = str(pd.Series(["text"]).dtype)  # this pandas' dtype for text: str (3.x), object (2.x)
    one_row = rk.rate(ROWS[:1], PLAN, span=MARCH)
    assert len(one_row.charges) == 1
    hourly = rk.Plan("h", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
    compared = rk.compare_plans([], {"now": [rk.Assignment("acme", hourly)]}, span=MARCH)
    assert len(compared.rows) == 1
    builders = {
        "usage_frame": (rk.usage_frame([]), rk.usage_frame([ROWS[2]])),
        "charges_frame": (rk.charges_frame([]), rk.charges_frame(one_row)),
        "invoice_lines_frame": (
            rk.invoice_lines_frame([]),
            rk.invoice_lines_frame(rk.bill(one_row)),
        ),
        "Comparison.to_frame": (
            rk.compare_plans([], {"now": PLAN}, span=MARCH).to_frame(),
            compared.to_frame(),
        ),
    }
    for name, (empty, full) in builders.items():
        assert len(empty) == 0, name
        assert len(full) == 1, name
        shown = full[[c for c in full.columns if not c.startswith("description.")]]
        assert list(empty.columns) == list(shown.columns), name
        assert _dtypes(empty) == _dtypes(shown), name
        assert _dtypes(empty)["account"] == text, name
    charges = builders["charges_frame"][0]
    assert str(charges["opens"].dtype) == "bool"
    assert str(charges["kind"].dtype) == text
    assert str(charges["amount"].dtype) == "object"
    # An empty Decimal column sums to pandas' 0 (an int equal to Decimal 0), documented.
    assert charges["amount"].sum() == 0
    assert Decimal(charges["amount"].sum()) == Decimal(0)


def test_a_text_column_of_only_none_keeps_its_dtype():
    # A fee's charge has no resource: None in every cell. The dtype is the field's, as in a
    # month with usage: text that may be None is an object column whose empty cells are
    # None (they were pandas 3's NaN, beside the None of the Decimal columns); text every
    # row has, this pandas' text dtype.
    text = str(pd.Series(["text"]).dtype)
    fees = rk.Plan("h", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
    frame = rk.charges_frame(rk.rate([], fees, span=MARCH, accounts=["acme"]))
    assert len(frame) == 1
    assert frame["resource"].tolist() == [None]
    assert frame["resource"].isna().all()
    assert str(frame["resource"].dtype) == "object"
    assert str(frame["meter"].dtype) == "object"
    assert str(frame["account"].dtype) == text
    assert frame["amount"].tolist() == [Decimal("10.00")]
