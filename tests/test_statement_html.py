"""A statement previews in a notebook as HTML: its changed lines, the invoices it closes.

Worked by hand (daily UTC cycles, 0.10 EUR an hour, a fee of 1 EUR a day prorated by
time): the rater's own statements, each line's role, every user string escaped.
"""

from __future__ import annotations

import html
import re

import ratekit as rk
from ratekit.render import ROWS_SHOWN

METER = rk.Meter("vm.hours", "hour", rk.OnOff())
DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")


def _plan() -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        fees=[rk.Fee("base", 1)],
    )


def _cells(page: str) -> list[list[str]]:
    """Each body row's cells, as text (tags dropped, entities read); header rows left out."""
    rows = [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page)
    ]
    return [row for row in rows if row]


def test_a_statement_shows_its_lines_roles_closed_invoices_and_anomalies() -> None:
    # vm-1 starts at 01:00, stated at 12:00: 11 h (1.10) and half the day's fee (0.50).
    # Its STOP of 04:00 comes late, with an orphan STOP of vm-2, stated the next day at
    # 06:00: 1 March's lines are reversed (-11 h, -1.10; -0.5, -0.50) and corrected (3 h,
    # 0.30; the whole fee, 1), 2 March's fee is a quarter so far (0.25), and 1 March's
    # invoice closes at 0.30 + 1 = 1.30.
    rater = rk.Rater(_plan(), [METER], start=DAY.start)
    rater.feed([rk.Event("acme", "vm-1", "2026-03-01T01:00:00Z", kind="start", id="s")])
    rater.statement("2026-03-01T12:00:00Z")
    late = [
        rk.Event("acme", "vm-1", "2026-03-01T04:00:00Z", kind="stop", id="x"),
        rk.Event("acme", "vm-2", "2026-03-01T05:00:00Z", kind="stop", id="z"),
    ]
    rater.feed(late)
    page = rater.statement("2026-03-02T06:00:00Z")._repr_html_()
    assert (
        "Statement as of 2026-03-02T06:00:00Z <span>5 lines, 1 invoice closed, 1 anomaly</span>"
        in page
    )
    day = "2026-03-01T00:00:00Z .. 2026-03-02T00:00:00Z"
    assert _cells(page) == [
        ["reversal", "acme", "fee · base", "", day, "-0.5 cycle", "-0.5 EUR"],
        ["correction", "acme", "fee · base", "", day, "1 cycle", "1 EUR"],
        ["reversal", "acme", "vm.hours · vm", "vm-1", day, "-11 hour", "-1.1 EUR"],
        ["correction", "acme", "vm.hours · vm", "vm-1", day, "3 hour", "0.3 EUR"],
        [
            "charge",
            "acme",
            "fee · base",
            "",
            "2026-03-02T00:00:00Z .. 2026-03-03T00:00:00Z",
            "0.25 cycle",
            "0.25 EUR",
        ],
        ["acme", day, "1.30 EUR"],
        [
            (
                "event 'z' stops 'vm-2' at 2026-03-01T05:00:00Z, which was never started: "
                "nothing is charged."
            )
        ],
    ]


def test_late_lines_and_lines_reported_only_are_marked() -> None:
    # Horizon 0, late="report": 1 March closes at 2 March 00:00 with vm-1 running from
    # 01:00 (23 h, 2.30). Its STOP of 04:00 comes after: the pair for the closed day is
    # reported only (-23 h, -2.30; 3 h, 0.30), marked late.
    plan = rk.Plan(
        "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))]
    )
    for late, marks in (("report", "reported only: "), ("correct", "")):
        rater = rk.Rater(plan, [METER], start=DAY.start, late=late)  # type: ignore[arg-type]
        rater.feed([rk.Event("acme", "vm-1", "2026-03-01T01:00:00Z", kind="start", id="s")])
        rater.statement("2026-03-02T00:00:00Z")
        rater.feed([rk.Event("acme", "vm-1", "2026-03-01T04:00:00Z", kind="stop", id="x")])
        rows = _cells(rater.statement("2026-03-02T01:00:00Z")._repr_html_())
        day = "2026-03-01T00:00:00Z .. 2026-03-02T00:00:00Z"
        assert rows == [
            [
                f"{marks}reversal (late)",
                "acme",
                "vm.hours · vm",
                "vm-1",
                day,
                "-23 hour",
                "-2.3 EUR",
            ],
            [
                f"{marks}correction (late)",
                "acme",
                "vm.hours · vm",
                "vm-1",
                day,
                "3 hour",
                "0.3 EUR",
            ],
        ]


def test_every_user_string_is_escaped() -> None:
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    line = rk.StatementLine(
        "<script>alert(1)</script>",
        march,
        "usage",
        "p",
        "m<i>",
        "e&",
        "r\u202egnp.exe",
        "h<",
        "EUR",
        1,
        2,
    )
    anomaly = rk.Anomaly("late", "<img src=x onerror=alert(1)>")
    page = rk.Statement(march.end, lines=[line], anomalies=[anomaly])._repr_html_()
    for raw in ("<script>", "<i>", "<img", "\u202e", "h<"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_long_statement_shows_the_first_rows_and_counts_the_others() -> None:
    # 250 lines of one account, one per resource: 200 shown, "… and 50 more lines".
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    lines = [
        rk.StatementLine(
            "acme", march, "usage", "p", "vm.hours", "vm", f"vm-{i:03d}", "hour", "EUR", 1, 1
        )
        for i in range(250)
    ]
    page = rk.Statement(march.end, lines=lines)._repr_html_()
    assert ROWS_SHOWN == 200
    assert "vm-199" in page
    assert "vm-200" not in page
    assert "<tr class=\"note\"><td colspan='7'>… and 50 more lines</td></tr></tbody>" in page
    assert "250 lines, 0 invoices closed, 0 anomalies" in page


def test_a_statements_repr_counts_in_agreement() -> None:
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    line = rk.StatementLine("acme", march, "fee", "p", None, "base", None, "cycle", "EUR", 1, 1)
    one = rk.Statement(march.end, lines=[line], anomalies=[rk.Anomaly("late", "x")])
    assert repr(one) == "Statement('2026-04-01T00:00:00Z', 1 line, 0 invoices, 1 anomaly)"


def test_a_statement_closing_more_than_200_invoices_counts_the_others_on_a_row() -> None:
    # 203 accounts of 1 hour at 1 EUR: the closed invoices' table shows 200 of them
    # (acct-000 .. acct-199), then a row across its three columns: "… and 3 more invoices".
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit(1))]
    )
    rows = [
        rk.UsageRow(f"acct-{i:03d}", "vm", "vm", march, march, 1, "hour", {}, ())
        for i in range(203)
    ]
    invoices = rk.bill(rk.rate(rows, plan, span=march))
    page = rk.Statement(march.end, invoices=invoices)._repr_html_()
    assert "acct-199" in page
    assert "acct-200" not in page
    closed = page[page.index("<caption>Invoices closed</caption>") :]
    assert closed.count("<tr>") == 1 + 200  # the head and the invoices shown
    assert "<tr class=\"note\"><td colspan='3'>… and 3 more invoices</td></tr></tbody>" in closed
