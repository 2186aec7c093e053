"""A reconciler's statements under plans that owe with time: fees, minimums, allowances, bases.

Ten storage buckets of one account, listed each hour by an inventory snapshot, two of
them resized each hour (half an hour before the listing), a statement at each listing's instant (the reconciler's clock),
through a monthly cycle: the stream of ``tests/test_storage_newcomer_faults.py``. The
same stream is rated under one plan per shape: usage alone, with a fee, a minimum, an
allowance, a base (a flat price of the meter), and all of them. For each shape it prints
the function calls (cProfile, counted: the machine's timings are noisy) and the CPU
seconds of the statements at the hours asked, and checks that every shape's lines add up
to batch `rk.rate()` of the same records.

With ``--at-listing`` the resizes are stamped at the listing's instant itself, the
watermark of the statement there (a host that stamps its events at its statement
instants: a poller whose watermark is the newest event it fetched): each is read by the
next statement, at exactly its last watermark.

Usage::

    python benchmarks/dues_stream_bench.py                  # hours 20, 100, 300
    python benchmarks/dues_stream_bench.py --hours 20 300 --shapes fee allowance
    python benchmarks/dues_stream_bench.py --hours 20 300 --shapes usage --at-listing
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import time
from fractions import Fraction

import ratekit as rk

T0 = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
STORAGE = rk.Meter("storage", "GB*hour", rk.Continuous("size", unit="GB"))
PRICE = rk.PriceEntry("s", "storage", rk.PerUnit("0.00003"))
BASE = rk.PriceEntry("base", "storage", rk.Flat("5"), where={"plan": "base"}, priority=1)
MONTHLY = rk.cycles.monthly(tz="UTC")
SHAPES: dict[str, rk.Plan] = {
    "usage": rk.Plan("p", "USD", MONTHLY, [PRICE]),
    "fee": rk.Plan("p", "USD", MONTHLY, [PRICE], fees=[rk.Fee("support", 10)]),
    "minimum": rk.Plan("p", "USD", MONTHLY, [PRICE], minimums=[rk.Minimum(150)]),
    "allowance": rk.Plan("p", "USD", MONTHLY, [PRICE], allowances=[rk.Allowance("storage", 500)]),
    "base": rk.Plan("p", "USD", MONTHLY, [PRICE, BASE]),
    "all": rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [PRICE, BASE],
        fees=[rk.Fee("support", 10)],
        minimums=[rk.Minimum(150)],
        allowances=[rk.Allowance("storage", 500)],
    ),
}
BUCKETS = [f"b{i}" for i in range(10)]
HALF = dt.timedelta(minutes=30)


def stream(
    hours: int, lag: dt.timedelta = HALF
) -> list[tuple[dt.datetime, list[rk.Event | rk.Inventory]]]:
    """Per hour, its instant and the records fed then (the first hour's starts included).

    ``lag``: how long before the listing the resizes are stamped (zero: at its instant).
    """
    out: list[tuple[dt.datetime, list[rk.Event | rk.Inventory]]] = []
    starts: list[rk.Event | rk.Inventory] = [
        rk.Event(
            "acme",
            b,
            T0,
            {"size": 1, "plan": "base" if b == "b0" else "x"},
            kind="start",
            id=f"e-{b}",
        )
        for b in BUCKETS
    ]
    out.append((T0, starts))
    for hour in range(1, hours + 1):
        at = T0 + dt.timedelta(hours=hour)
        batch: list[rk.Event | rk.Inventory] = [
            rk.Event(
                "acme",
                BUCKETS[(2 * hour + k) % 10],
                at - lag,
                {"size": hour % 7 + 1 + k},
                kind="update",
                id=f"u{hour}-{k}",
            )
            for k in range(2)
        ]
        batch.append(rk.Inventory(at, [("acme", b) for b in BUCKETS], id=f"inv{hour}"))
        out.append((at, batch))
    return out


def costs(
    plan: rk.Plan, measured: list[int], lag: dt.timedelta = HALF
) -> tuple[dict[int, tuple[int, float]], list[rk.Statement]]:
    """Per hour measured, the function calls and CPU seconds of its statement; all statements."""
    rater = rk.Rater(plan, [STORAGE], start=T0, horizon=dt.timedelta(days=2))
    out: dict[int, tuple[int, float]] = {}
    statements = []
    for hour, (at, batch) in enumerate(stream(max(measured), lag)):
        rater.feed(batch)
        if hour not in measured:
            statements.append(rater.statement(at))
            continue
        clock = time.process_time()
        profile = cProfile.Profile()
        profile.enable()
        statements.append(rater.statement(at))
        profile.disable()
        spent = time.process_time() - clock
        out[hour] = (pstats.Stats(profile).total_calls, spent)  # type: ignore[attr-defined]
    return out, statements


def check(
    plan: rk.Plan, statements: list[rk.Statement], hours: int, lag: dt.timedelta = HALF
) -> None:
    """The lines of the statements add up to batch rating of the same records, per line (exactly)."""
    records = [r for _, batch in stream(hours, lag) for r in batch]
    end = T0 + dt.timedelta(hours=hours)
    batch = rk.rate(records, plan, span=rk.Span(T0, end), meters=[STORAGE], as_of=end)
    want: dict[tuple[object, ...], Fraction] = {}
    for c in batch.charges:
        key = (c.kind, c.meter, c.resource, c.entry)
        want[key] = want.get(key, Fraction(0)) + Fraction(c.amount)
    got: dict[tuple[object, ...], Fraction] = {}
    for s in statements:
        for line in s.lines:
            key = (line.kind, line.meter, line.resource, line.entry)
            got[key] = got.get(key, Fraction(0)) + Fraction(line.amount)
    got = {k: v for k, v in got.items() if v}
    want = {k: v for k, v in want.items() if v}
    assert got == want, (got, want)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=int, nargs="+", default=[20, 100, 300])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument(
        "--at-listing",
        action="store_true",
        help="stamp the resizes at the listing's instant (the statement's watermark)",
    )
    args = parser.parse_args()
    lag = dt.timedelta(0) if args.at_listing else HALF
    print(f"{'shape':10}" + "".join(f"  hour {h:>3}: calls    cpu ms" for h in args.hours))
    for shape in args.shapes:
        measured, statements = costs(SHAPES[shape], args.hours, lag)
        check(SHAPES[shape], statements, max(args.hours), lag)
        cells = "".join(
            f"  {'':9}{measured[h][0]:>7,} {measured[h][1] * 1000:>8.1f}" for h in args.hours
        )
        print(f"{shape:10}{cells}")


if __name__ == "__main__":
    main()
