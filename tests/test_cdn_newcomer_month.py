"""A CDN's March in Asia/Tokyo, streamed file by file, checked against a Fraction oracle.

Edge nodes send five-minute egress (bytes, priced per GB) and request deltas in daily
files that arrive late, twice, out of order, without ids, and with negative corrections.
The rater is fed each file as it comes, snapshotted through JSON after every third file
and restored from it, asked for a statement every three hours, and closes March three days after its
end. Its closing invoices must be what a careful biller computes by hand with Fractions:
graduated egress per region (the first 10 GB free; Asia's price rises on 16 March, the
tiers running on), requests at 0.40 a million, a 500.00 commitment topped up, and one big
customer on a plan of its own (0.004 a GB anywhere, 0.10 a million requests, 1,000.00 a
month).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._cdn_edges import (
    ASSIGNMENTS,
    BIGCO,
    METERS,
    MONTH_END,
    MONTH_START,
    NODES,
    STANDARD,
    File,
    distinct_records,
    month_of_files,
    node_events,
    oracle_invoices,
)

import ratekit as rk

HORIZON = dt.timedelta(days=3)
MARCH = rk.Span(MONTH_START, MONTH_END)


def squeezed(text: str) -> list[str]:
    """The invoice's text with its columns' padding taken out."""
    return [" ".join(row.split()) for row in text.splitlines()]


def label(line: rk.InvoiceLine) -> str:
    if line.kind == "minimum":
        return "minimum commitment"
    if line.kind == "fee":
        return f"fee · {line.entry}"
    return f"{line.meter} · {line.entry}"


class Streamed:
    def __init__(self, files: list[File], *, restore: bool) -> None:
        rater = rk.Rater(ASSIGNMENTS, METERS, start=MONTH_START, horizon=HORIZON, tz="Asia/Tokyo")
        self.feeds = [rater.feed(node_events())]
        self.statements: list[rk.Statement] = []
        self.snapshots = 0
        queue = sorted(files, key=lambda f: (f.arrives, f.name))
        watermark = MONTH_START
        while watermark < MONTH_END + HORIZON + dt.timedelta(hours=1):
            watermark += dt.timedelta(hours=3)
            while queue and queue[0].arrives <= watermark:
                self.feeds.append(rater.feed(queue.pop(0).records))
                if restore and len(self.feeds) % 3 == 0:  # the node events were fed first
                    data = json.loads(json.dumps(rater.snapshot()))
                    self.snapshots += 1
                    rater = rk.Rater.restore(data, ASSIGNMENTS, METERS)
            self.statements.append(rater.statement(watermark))
        self.rater = rater
        self.invoices = tuple(
            invoice for statement in self.statements for invoice in statement.invoices
        )


# Every test that reads the month is marked heavy: the month is streamed once, in the
# step of the heavy examples (without coverage), not once more under the tracer.
@pytest.fixture(scope="module")
def files() -> list[File]:
    return month_of_files(seed=20260301)


@pytest.fixture(scope="module")
def streamed(files: list[File]) -> Streamed:
    return Streamed(files, restore=True)


@pytest.mark.heavy
def test_march_closes_once_three_days_after_its_end(streamed: Streamed) -> None:
    closing = [s for s in streamed.statements if s.invoices]
    assert len(closing) == 1
    # Tokyo's 1 April 00:00 is 31 March 15:00Z; plus three days.
    assert closing[0].as_of == dt.datetime(2026, 4, 3, 15, tzinfo=dt.UTC)
    assert closing[0].closed == (rk.Span("2026-02-28T15:00:00Z", "2026-03-31T15:00:00Z"),)
    assert sorted(invoice.account for invoice in streamed.invoices) == ["acme", "bigco"]


@pytest.mark.heavy
def test_closing_invoices_match_the_fraction_oracle_to_the_cent(
    streamed: Streamed, files: list[File]
) -> None:
    expected = oracle_invoices(distinct_records(files))
    for invoice in streamed.invoices:
        got = {label(line): line.amount for line in invoice.lines}
        assert got == expected[invoice.account]
        assert invoice.total == sum(expected[invoice.account].values(), Decimal(0))


@pytest.mark.heavy
def test_the_commitment_is_topped_up_for_acme(streamed: Streamed, files: list[File]) -> None:
    [acme] = [invoice for invoice in streamed.invoices if invoice.account == "acme"]
    assert acme.total == Decimal("500.00")
    expected = oracle_invoices(distinct_records(files))["acme"]
    assert expected["minimum commitment"] > 0


@pytest.mark.heavy
def test_statement_lines_add_up_to_each_invoice_precise_total(streamed: Streamed) -> None:
    # April's lines (its commitment prorated to the watermark) are left out: March only.
    sums: dict[str, Fraction] = {}
    for statement in streamed.statements:
        for line in statement.lines:
            if line.cycle == MARCH:
                sums[line.account] = sums.get(line.account, Fraction(0)) + Fraction(line.amount)
    for invoice in streamed.invoices:
        assert sums[invoice.account] == Fraction(invoice.precise_total)


@pytest.mark.heavy
def test_the_stream_bills_what_batch_rating_of_the_distinct_records_bills(
    streamed: Streamed, files: list[File]
) -> None:
    march = rk.Span(MONTH_START, MONTH_END)
    rating = rk.rate(
        node_events() + distinct_records(files),
        ASSIGNMENTS,
        span=march,
        meters=METERS,
        as_of=MONTH_END + HORIZON,
    )
    batch = {invoice.account: invoice for invoice in rk.bill(rating, tz="Asia/Tokyo")}
    for invoice in streamed.invoices:
        assert str(invoice) == str(batch[invoice.account])
        assert invoice.precise_total == batch[invoice.account].precise_total


@pytest.mark.heavy
def test_a_rater_never_restored_bills_the_same(streamed: Streamed, files: list[File]) -> None:
    plain = Streamed(files, restore=False)
    assert [str(invoice) for invoice in plain.invoices] == [
        str(invoice) for invoice in streamed.invoices
    ]
    assert streamed.snapshots == (len(files) + 1) // 3  # after files 2, 5, 8, ... (161 of them)


@pytest.mark.heavy
def test_replayed_files_are_duplicates_and_nothing_is_too_late(
    streamed: Streamed, files: list[File]
) -> None:
    replays = [f for f in files if f.name.endswith("#2")]
    assert replays
    counts = {
        key: sum(feed.counts[key] for feed in streamed.feeds) for key in streamed.feeds[0].counts
    }
    replayed = sum(len(f.records) for f in replays)
    assert counts["duplicates"] == replayed
    assert counts["conflicting"] == counts["too_late"] == 0
    assert counts["accepted"] + counts["late"] == len(node_events()) + sum(
        len(f.records) for f in files if not f.name.endswith("#2")
    )


def test_the_invoices_read_on_tokyo_dates_with_their_tiers() -> None:
    # A small month by hand: 50 GB in Asia before the rise, 80 GB after, 3 million requests.
    gb = 10**9
    start = [rk.Event("acme", "acme-ap-1", MONTH_START, {"region": "ap"}, kind="start", id="ev")]
    used = [
        rk.Sample(
            "acme",
            "acme-ap-1",
            "egress",
            "2026-03-05T10:05:00+09:00",
            50 * gb,
            since="2026-03-05T10:00:00+09:00",
            id="a",
        ),
        rk.Sample(
            "acme",
            "acme-ap-1",
            "egress",
            "2026-03-20T10:05:00+09:00",
            80 * gb,
            since="2026-03-20T10:00:00+09:00",
            id="b",
        ),
        rk.Sample("acme", "acme-ap-1", "requests", "2026-03-20T10:05:00+09:00", 3_000_000, id="c"),
    ]
    rater = rk.Rater(ASSIGNMENTS[:1], METERS, start=MONTH_START, horizon=HORIZON, tz="Asia/Tokyo")
    rater.feed(start + used)
    [invoice] = rater.statement(MONTH_END + HORIZON).invoices
    # 40 GB x 0.12 = 4.80 (10 free); after the rise the tiers run on from 50 GB:
    # 50 x 0.15 + 30 x 0.10 = 10.50; 3,000,000 x 0.0000004 = 1.20; top-up 500 - 16.50 = 483.50.
    assert squeezed(str(invoice)) == squeezed(
        "Invoice acme, 2026-03-01 .. 2026-04-01 (Asia/Tokyo), USD\n"
        "\n"
        "  line                                   quantity  unit price  amount\n"
        "  egress · egress-ap                        50 GB      tiered    4.80\n"
        "      tiers[0] (0, 10]: 10 * 0 = 0.00\n"
        "      tiers[1] (10, 100]: 40 * 0.12 = 4.80\n"
        "  egress · egress-ap-2026-03-16             80 GB      tiered   10.50\n"
        "      tiers[1] (10, 100]: 50 * 0.15 = 7.50\n"
        "      tiers[2] (100, ∞): 30 * 0.10 = 3.00\n"
        "  requests · requests              3000000 request   0.0000004    1.20\n"
        "  minimum commitment                                           483.50\n"
        "      commitment 500.00 - spent 16.50 = 483.50\n"
        "\n"
        "  total                                                        500.00"
    )
    page = invoice._repr_html_()
    assert "egress-ap-2026-03-16" in page
    assert "483.50" in page
    assert "2026-03-01 .. 2026-04-01" in page


def test_the_plans_go_through_plan_data_and_back() -> None:
    for plan in (STANDARD, BIGCO):
        document = json.loads(json.dumps(rk.plandata.dump(plan)))
        assert rk.plandata.load(document) == plan
    assert set(NODES) == {"acme", "bigco"}
