"""A billing ledger fed by the streaming rater, kept as rows and read back.

The host feeds `rk.Rater` as events come, writes every statement's lines into its ledger
as rows (`rk.to_row` without `charges`, as docs/exports.md and the poller recipe of
docs/cookbook/streaming.md say), then reads the rows back (`rk.from_row`) to rebuild
what was said. The plan has a daily fee, a minimum commitment and a per-call price; the
usage crosses the commitment up and down (a refund), statements come every hour, most
with nothing fed, and a late record reopens a closed day. The rows go through JSON text
and through CSV (every cell a string); the sums per account and cycle are one batch
`rk.rate()` + `rk.bill()` of all the records, to the last digit.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import pytest

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
METERS = [CALLS, VM]
DAYS = rk.cycles.daily(tz="UTC")
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

# 0.01 a call; a fee of 2.40 a day (0.10 an hour prorated); a commitment of 4.80 a day
# (0.20 an hour prorated), which the fee does not count towards.
BASIC = rk.Plan(
    "basic",
    "EUR",
    DAYS,
    [rk.PriceEntry("api", "calls", rk.PerUnit("0.01"))],
    fees=[rk.Fee("base", "2.40")],
    minimums=[rk.Minimum("4.80")],
)

#: The columns a ledger keeps: a line's own figures, no charges.
COLUMNS = [
    "account",
    "cycle_start",
    "cycle_end",
    "kind",
    "plan",
    "meter",
    "entry",
    "resource",
    "unit",
    "currency",
    "quantity",
    "amount",
    "role",
    "late",
]


def at(hours: float) -> str:
    return (T0 + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def calls(hours: float, value: int | str, name: str, account: str = "acme") -> rk.Sample:
    return rk.Sample(account, "gw", "calls", at(hours), value, kind="delta", id=name)


def ledger_rows(lines: list[rk.StatementLine]) -> list[dict[str, Any]]:
    """What the ledger writes: each line's own figures, its charges left out."""
    return [{k: v for k, v in rk.to_row(line).items() if k != "charges"} for line in lines]


def through_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return json.loads(json.dumps(rows))  # type: ignore[no-any-return]


def through_csv(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every cell a string: None is written '', booleans 'True' and 'False'."""
    text = io.StringIO()
    writer = csv.DictWriter(text, COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return list(csv.DictReader(io.StringIO(text.getvalue())))


def from_csv_cells(row: dict[str, str]) -> dict[str, Any]:
    """The host's own reading of its CSV cells: '' is null, 'True'/'False' a boolean."""
    typed: dict[str, Any] = {k: (None if v == "" else v) for k, v in row.items()}
    typed["late"] = {"True": True, "False": False}[row["late"]]
    return typed


def sums(lines: list[rk.StatementLine]) -> dict[tuple[str, str], Fraction]:
    """Per account and cycle, every line's amount added up exactly."""
    out: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
    for line in lines:
        out[(line.account, f"{line.cycle.start:%d}")] += Fraction(line.amount)
    return dict(out)


def batch(
    records: Sequence[rk.Sample | rk.Event], plans: Any, as_of: str
) -> dict[tuple[str, str], Fraction]:
    """One batch rate() + bill() of every record, as of the stream's last watermark."""
    rating = rk.rate(records, plans, span=rk.Span(at(0), at(72)), meters=METERS, as_of=as_of)
    return {(i.account, f"{i.cycle.start:%d}"): Fraction(i.precise_total) for i in rk.bill(rating)}


#: What the backend fetches at each hour (fed before that hour's statement).
FEEDS: dict[int, list[rk.Sample | rk.Event]] = {
    1: [calls(0.5, 30, "c1")],  # 30 calls, 0.30
    4: [calls(3.5, -20, "c2")],  # a refund of 20 calls: 10 left, 0.10
    5: [calls(4.5, 200, "c3")],  # 210 calls, 2.10
    26: [calls(23, 300, "c4")],  # for 1 March, closed at 01:00 on 2 March: late
}


def stream(
    restore: bool = False,
) -> tuple[list[list[rk.StatementLine]], list[rk.Invoice], list[list[rk.Anomaly]]]:
    """Statements every hour from 01:00 on 1 March to 03:00 on 2 March; one hour horizon."""
    rater = rk.Rater(BASIC, METERS, start=at(0), horizon=dt.timedelta(hours=1))
    said: list[list[rk.StatementLine]] = []
    invoices: list[rk.Invoice] = []
    anomalies: list[list[rk.Anomaly]] = []
    for hour in range(1, 28):
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), BASIC, METERS)
        if hour in FEEDS:
            rater.feed(FEEDS[hour])
            if restore:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), BASIC, METERS)
        statement = rater.statement(at(hour))
        said.append(list(statement.lines))
        invoices += statement.invoices
        anomalies.append(list(statement.anomalies))
    return said, invoices, anomalies


def minimum_lines(said: list[list[rk.StatementLine]]) -> list[tuple[int, str, Decimal]]:
    return [
        (hour, line.role, line.amount)
        for hour, lines in enumerate(said, start=1)
        for line in lines
        if line.kind == "minimum" and line.cycle.start == T0
    ]


def test_the_top_up_appears_grows_goes_and_comes_back_with_nothing_fed() -> None:
    said, _, _ = stream()
    # Commitment 0.20 an hour so far. 01:00: spent 0.30 >= 0.20, no top-up. 02:00
    # (nothing fed): 0.40 - 0.30 = 0.10, the line first said; 03:00: 0.60 - 0.30 =
    # 0.30, +0.20. 04:00, after the refund to 0.10: 0.80 - 0.10 = 0.70, +0.40. 05:00,
    # 210 calls spent 2.10 >= 1.00: the line is gone, a reversal of its 0.70 alone. It
    # comes back at 11:00 (2.20 - 2.10 = 0.10, a charge again), then grows 0.20 an hour
    # to 4.80 - 2.10 = 2.70 at midnight. At 02:00 on 2 March the late 300 calls (5.10
    # spent) take it away again: a late reversal of 2.70, no correction.
    expected = [(2, "charge", "0.10"), (3, "increment", "0.20"), (4, "increment", "0.40")]
    expected += [(5, "reversal", "-0.70"), (11, "charge", "0.10")]
    expected += [(hour, "increment", "0.20") for hour in range(12, 25)]
    expected += [(26, "reversal", "-2.70")]
    assert [(h, role, amount) for h, role, amount in minimum_lines(said)] == [
        (h, role, Decimal(amount)) for h, role, amount in expected
    ]
    assert sum(Fraction(a) for h, role, a in minimum_lines(said) if h <= 24) == Fraction("2.70")


def test_each_quiet_hour_adds_a_24th_of_the_fee() -> None:
    said, _, _ = stream()
    fees = [
        (hour, f"{line.cycle.start:%d}", line.role, line.amount)
        for hour, lines in enumerate(said, start=1)
        for line in lines
        if line.kind == "fee"
    ]
    # 2.40 / 24 = 0.10 an hour: a charge at 01:00, then 23 increments to 1 March's end
    # (2.40 in all); 2 March's first hour at 01:00. The late record of 02:00 is acme's,
    # so every line of acme that moved is said as a reversal and a correction (the
    # fee's 0.10 so far, then 0.20 in full), not as an increment; then 0.10 at 03:00.
    expected = [(1, "01", "charge", "0.10")]
    expected += [(hour, "01", "increment", "0.10") for hour in range(2, 25)]
    expected += [(25, "02", "charge", "0.10"), (26, "02", "reversal", "-0.10")]
    expected += [(26, "02", "correction", "0.20"), (27, "02", "increment", "0.10")]
    assert fees == [(h, day, role, Decimal(amount)) for h, day, role, amount in expected]
    assert sum(Fraction(x[3]) for x in fees if x[1] == "01") == Fraction("2.40")


def test_the_closing_invoice_and_the_late_lines() -> None:
    said, invoices, _ = stream()
    (march1,) = invoices
    # 210 calls 2.10, the fee 2.40, the top-up 4.80 - 2.10 = 2.70: 7.20.
    assert march1.total == Decimal("7.20")
    late = [(x.role, x.kind, x.amount) for x in said[25] if x.late]
    # 300 calls more at 23:00: the usage line -2.10 then 510 calls anew, 5.10; the
    # top-up gone (5.10 >= 4.80).
    assert late == [
        ("reversal", "minimum", Decimal("-2.70")),
        ("reversal", "usage", Decimal("-2.10")),
        ("correction", "usage", Decimal("5.10")),
    ]


@pytest.mark.parametrize("store", ["json", "csv"])
def test_the_ledgers_rows_read_back_and_add_up_to_one_batch(store: str) -> None:
    said, _, _ = stream()
    lines = [line for given in said for line in given]
    rows = ledger_rows(lines)
    if store == "json":
        stored = through_json(rows)
    else:
        stored = [from_csv_cells(row) for row in through_csv(rows)]
    read = [rk.from_row(rk.StatementLine, row, path=f"ledger[{n}]") for n, row in enumerate(stored)]
    assert read == lines
    assert all(line.charges == () for line in read)
    records = [r for feed in FEEDS.values() for r in feed]
    # 1 March: 510 calls 5.10 + the fee 2.40 (no top-up) = 7.50; 2 March to 03:00: the
    # fee 3 x 0.10 and the top-up 3 x 0.20 - 0 = 0.60: 0.90.
    assert sums(read) == {("acme", "01"): Fraction("7.50"), ("acme", "02"): Fraction("0.90")}
    assert sums(read) == batch(records, BASIC, at(27))


def test_rebuilding_each_line_by_its_role_is_its_sum() -> None:
    said, _, _ = stream()
    rows = through_json(ledger_rows([line for given in said for line in given]))
    stood: dict[Any, Fraction] = {}
    summed: dict[Any, Fraction] = defaultdict(Fraction)
    for row in rows:
        line = rk.from_row(rk.StatementLine, row)
        amount = Fraction(line.amount)
        if line.role in ("charge", "correction"):  # the line so far, in full
            stood[line.key] = amount
        elif line.role == "increment":
            stood[line.key] += amount
        else:  # a reversal takes the line away whole
            assert stood.pop(line.key) == -amount
        summed[line.key] += amount
    assert {k: v for k, v in summed.items() if v} == {k: v for k, v in stood.items() if v}


def test_a_rater_restored_before_every_call_says_what_one_never_restored_says() -> None:
    restored, never = stream(restore=True), stream(restore=False)
    assert restored == never
    # Line equality leaves the charges out: their rows (spans, prices, provenance) too.
    assert [rk.to_rows(lines) for lines in restored[0]] == [rk.to_rows(x) for x in never[0]]


# A plan change mid-cycle told with assign(), a price change at 18:00 in the new plan.
PRO = rk.Plan(
    "pro",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("api", "calls", rk.PerUnit("0.005"), end=at(18)),
        rk.PriceEntry("api-night", "calls", rk.PerUnit("0.002"), start=at(18)),
    ],
    fees=[rk.Fee("base", "4.80")],
    minimums=[rk.Minimum("9.60")],
)


def test_an_upgrade_mid_day_with_a_price_change_adds_up_to_batch() -> None:
    records = [
        calls(1, 100, "u1"),
        calls(13, 400, "u2"),
        calls(14, -100, "u3"),  # a refund under pro, of units pro billed
        calls(19, 1000, "u4"),
        calls(20, 50, "u5", account="zeta"),
    ]
    start = [rk.Assignment("acme", BASIC, start=at(0)), rk.Assignment("zeta", BASIC, start=at(0))]
    rater = rk.Rater(start, METERS, start=at(0))
    held: Sequence[rk.Assignment] = start
    lines: list[rk.StatementLine] = []
    for hour in range(1, 25):
        if hour == 12:
            held = rater.assign(rk.Assignment("acme", PRO, start=at(12)))
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), held, METERS)
        fetched = T0 + dt.timedelta(hours=hour - 1), T0 + dt.timedelta(hours=hour)
        rater.feed([r for r in records if fetched[0] <= r.at < fetched[1]])
        lines += rater.statement(at(hour)).lines
    read = [rk.from_row(rk.StatementLine, row) for row in through_json(ledger_rows(lines))]
    whole = [
        rk.Assignment("acme", BASIC, start=at(0), end=at(12)),
        rk.Assignment("acme", PRO, start=at(12)),
        rk.Assignment("zeta", BASIC, start=at(0)),
    ]
    # acme: basic to noon, 100 calls 1.00, half the fee 1.20, its commitment 2.40 - 1.00
    # = 1.40; pro from noon, 300 calls 1.50 and 1000 x 0.002 = 2.00, half its fee 2.40,
    # its commitment 4.80 - 3.50 = 1.30: 1.00 + 1.20 + 1.40 + 3.50 + 2.40 + 1.30 = 10.80.
    # zeta: 0.50 + 2.40 + 4.30 = 7.20.
    assert sums(read) == {("acme", "01"): Fraction("10.80"), ("zeta", "01"): Fraction("7.20")}
    assert sums(read) == batch(records, whole, at(24))


def test_statements_asked_twice_at_one_watermark_say_nothing_the_second_time() -> None:
    rater = rk.Rater(BASIC, METERS, start=at(0))
    rater.feed([calls(0.5, 30, "c1")])
    assert rater.statement(at(1)).lines
    again = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), BASIC, METERS)
    assert again.statement(at(1)).lines == ()
    assert rater.statement(at(1)).lines == ()


# Rows edited by hand or cut short: each refusal a BadDataError naming the field.

ROW = {
    "account": "acme",
    "cycle_start": "2026-03-01T00:00:00Z",
    "cycle_end": "2026-03-02T00:00:00Z",
    "kind": "usage",
    "plan": "basic",
    "meter": "calls",
    "entry": "api",
    "resource": "gw",
    "unit": "call",
    "currency": "EUR",
    "quantity": "-210",
    "amount": "-2.10",
    "role": "reversal",
    "late": True,
}


def test_the_row_written_by_to_row_is_the_rows_of_this_file() -> None:
    march1 = rk.Span(at(0), at(24))
    line = rk.StatementLine(
        "acme",
        march1,
        "usage",
        "basic",
        "calls",
        "api",
        "gw",
        "call",
        "EUR",
        "-210",
        "-2.10",
        "reversal",
        True,
    )
    assert ledger_rows([line]) == [ROW]
    assert rk.from_row(rk.StatementLine, ROW) == line


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        ({"amount": None}, "ledger[7].amount", "must not be null"),
        ({"amount": ""}, "ledger[7].amount", "is not a decimal number"),
        ({"amount": "NaN"}, "ledger[7].amount", "is not a decimal number"),
        ({"amount": "1,30"}, "ledger[7].amount", "is not a decimal number"),
        ({"amount": 1.3}, "ledger[7].amount", "expected a decimal string, not float"),
        ({"amount": "1e999"}, "ledger[7].amount", "must be a finite number"),
        ({"quantity": " -210"}, "ledger[7].quantity", "is not a decimal number"),
        ({"late": "True"}, "ledger[7].late", "expected true or false, not str"),
        ({"late": 1}, "ledger[7].late", "expected true or false, not int"),
        ({"role": "Reversal"}, "ledger[7].role", "is not one of 'charge', 'increment'"),
        ({"kind": "tax"}, "ledger[7].kind", "must be one of 'usage', 'fee', 'minimum'"),
        ({"resource": ""}, "ledger[7].resource", "non-empty string or None"),
        ({"account": 7}, "ledger[7].account", "expected a string, not int"),
        ({"cycle_start": "2026-03-01T00:00:00"}, "ledger[7].cycle", "has no UTC offset"),
        ({"cycle_end": "2026-03-0"}, "ledger[7].cycle", "is not an instant ratekit reads"),
        ({"cycle_end": "2026-02-28T00:00:00Z"}, "ledger[7].cycle", "comes before its start"),
        ({"colour": "red"}, "ledger[7].colour", "has no key 'colour'"),
        ({"charges": "[]"}, "ledger[7].charges", "expected a list, not str"),
    ],
)
def test_a_row_edited_by_hand_is_refused_naming_its_field(
    edit: dict[str, Any], field: str, words: str
) -> None:
    row = {**copy.deepcopy(ROW), **edit}
    with pytest.raises(rk.BadDataError) as error:
        rk.from_row(rk.StatementLine, row, path="ledger[7]")
    assert str(error.value).startswith(f"{field}: ")
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("cut", "field"),
    [
        ("amount", "ledger[7].amount"),
        ("quantity", "ledger[7].quantity"),
        ("resource", "ledger[7].resource"),
        ("cycle_end", "ledger[7].cycle"),
        ("account", "ledger[7].account"),
    ],
)
def test_a_row_cut_short_is_refused_naming_the_missing_key(cut: str, field: str) -> None:
    row = {k: v for k, v in ROW.items() if k != cut}
    with pytest.raises(rk.BadDataError) as error:
        rk.from_row(rk.StatementLine, row, path="ledger[7]")
    assert str(error.value).startswith(f"{field}: ")


def test_a_csv_row_cut_short_is_refused_not_read_as_null() -> None:
    # A CSV line that lost its last cells: DictReader gives None for them.
    (cut,) = list(
        csv.DictReader(
            io.StringIO(
                ",".join(COLUMNS)
                + "\n"
                + "acme,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,usage,basic,calls,api,gw,call,EUR,-210\n"
            )
        )
    )
    assert cut["amount"] is None
    with pytest.raises(rk.BadDataError, match=r"^ledger\[7\]\.amount: must not be null"):
        rk.from_row(rk.StatementLine, cut, path="ledger[7]")


def test_a_row_without_its_role_is_refused() -> None:
    row = {k: v for k, v in ROW.items() if k != "role"}
    with pytest.raises(rk.BadDataError, match=r"^ledger\[7\]\.role: "):
        rk.from_row(rk.StatementLine, row, path="ledger[7]")


def test_a_row_without_its_late_flag_is_refused() -> None:
    row = {k: v for k, v in ROW.items() if k != "late"}
    with pytest.raises(rk.BadDataError, match=r"^ledger\[7\]\.late: "):
        rk.from_row(rk.StatementLine, row, path="ledger[7]")


def test_a_row_whose_currency_is_no_currency_code_is_refused() -> None:
    with pytest.raises(rk.BadDataError, match=r"^ledger\[7\]\.currency: "):
        rk.from_row(rk.StatementLine, {**ROW, "currency": "eur"}, path="ledger[7]")


# The law on a few drawn streams: deltas and refunds of two accounts, a VM started and
# stopped, records fed up to five hours after their stamp (late for a closed day, never
# too late), an upgrade told mid-stream, restores through JSON at drawn points. The
# ledger's rows, through JSON, add up per account and day to one batch, and say what a
# rater never restored says.

PRO_DAYS = rk.Plan(
    "pro",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("api", "calls", rk.PerUnit("0.007"), end=at(30)),
        rk.PriceEntry("api-late", "calls", rk.PerUnit("0.003"), start=at(30)),
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.07")),
    ],
    fees=[rk.Fee("base", "1.30")],
    minimums=[rk.Minimum("3.33")],
    allowances=[rk.Allowance("calls", 25)],
)
BASIC_VM = rk.Plan(
    "basic",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("api", "calls", rk.PerUnit("0.013")),
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.1")),
    ],
    fees=[rk.Fee("base", "2.40")],
    minimums=[rk.Minimum("4.80")],
)


def drawn(seed: int) -> tuple[dict[int, list[rk.Sample | rk.Event]], int, set[int]]:
    import random

    draw = random.Random(seed)
    feeds: dict[int, list[rk.Sample | rk.Event]] = defaultdict(list)
    for n in range(14):
        account = draw.choice(["acme", "zeta"])
        stamp = draw.randrange(0, 4 * 32) / 4
        if draw.random() < 0.75:
            values: list[int | str] = [300, 100, 7, -250, -600, -30, 2000, -1500, 42, "0.5"]
            value = draw.choice(values)
            record: rk.Sample | rk.Event = calls(stamp, value, f"s{n}", account)
        else:
            kind: Literal["start", "stop"] = draw.choice(["start", "stop"])
            record = rk.Event(account, "vm-1", at(stamp), kind=kind, id=f"e{n}")
        feeds[min(35, int(stamp) + draw.choice([1, 1, 2, 5]))].append(record)
    return feeds, draw.choice([13, 20, 31]), {h for h in range(1, 37) if draw.random() < 0.3}


def drawn_stream(seed: int, restores: bool) -> tuple[list[rk.StatementLine], list[str]]:
    feeds, upgrade, restore_at = drawn(seed)
    held: Sequence[rk.Assignment] = [
        rk.Assignment("acme", BASIC_VM, start=at(0)),
        rk.Assignment("zeta", BASIC_VM, start=at(0)),
    ]
    rater = rk.Rater(held, METERS, start=at(0), horizon=dt.timedelta(hours=2))
    lines: list[rk.StatementLine] = []
    invoices: list[str] = []
    for hour in range(1, 37):
        if hour == upgrade:
            held = rater.assign(rk.Assignment("acme", PRO_DAYS, start=at(upgrade - 1)))
        if restores and hour in restore_at:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), held, METERS)
        rater.feed(feeds.get(hour, []))
        statement = rater.statement(at(hour))
        lines += statement.lines
        invoices += [str(invoice) for invoice in statement.invoices]
    return lines, invoices


@pytest.mark.parametrize("seed", [3, 15])
def test_drawn_streams_rows_add_up_to_one_batch_restored_or_not(seed: int) -> None:
    feeds, upgrade, _ = drawn(seed)
    lines, invoices = drawn_stream(seed, restores=True)
    never, never_invoices = drawn_stream(seed, restores=False)
    assert (lines, invoices) == (never, never_invoices)
    assert rk.to_rows(lines) == rk.to_rows(never)  # with their charges
    read = [rk.from_row(rk.StatementLine, row) for row in through_json(ledger_rows(lines))]
    assert read == lines
    whole = [
        rk.Assignment("acme", BASIC_VM, start=at(0), end=at(upgrade - 1)),
        rk.Assignment("acme", PRO_DAYS, start=at(upgrade - 1)),
        rk.Assignment("zeta", BASIC_VM, start=at(0)),
    ]
    records = [record for feed in feeds.values() for record in feed]
    assert sums(read) == batch(records, whole, at(36))


def test_a_row_read_from_a_database_takes_its_instants_as_datetimes() -> None:
    # A SQL driver gives a timestamp column back as an aware datetime: taken as the text.
    row = {**ROW, "cycle_start": T0, "cycle_end": T0 + dt.timedelta(days=1)}
    assert rk.from_row(rk.StatementLine, row) == rk.from_row(rk.StatementLine, ROW)


def test_a_row_read_from_a_database_takes_its_numbers_as_decimals() -> None:
    row = {**ROW, "quantity": Decimal(-210), "amount": Decimal("-2.10")}
    assert rk.from_row(rk.StatementLine, row, path="ledger[7]") == rk.from_row(
        rk.StatementLine, ROW
    )
