"""Shared builders for the colocation newcomer's burstable-bandwidth tests.

A port read every 5 minutes: most readings are a low level (100 to 149 Mbps), and
``bursts`` of them, spread over the span, are 1000, 1001, ... Mbps. With ``bursts`` one
more than the samples the 95th percentile drops, the nearest-rank 95th percentile is
exactly 1000: the ranks below it are all low readings (under 150), the one above it 1001.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import ratekit as rk

BW = rk.Meter("bw", "Mbps", rk.Percentile(95))
STEP = dt.timedelta(minutes=5)


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def rank95(n: int) -> int:
    """Nearest rank, worked with integers: ceil(95 n / 100), 1-based."""
    return math.ceil(Decimal(95 * n) / 100)


def bursty(
    account: str, port: str, start: str, n: int, bursts: int, *, prefix: str = ""
) -> list[rk.Sample]:
    """``n`` readings every 5 minutes from ``start``; ``bursts`` of them 1000, 1001, ..."""
    t0 = instant(start)
    every = n // bursts
    out: list[rk.Sample] = []
    burst = 0
    for i in range(n):
        if i % every == 0 and burst < bursts:
            value = Decimal(1000 + burst)
            burst += 1
        else:
            value = Decimal(100 + i % 50)
        out.append(
            rk.Sample(
                account, port, "bw", t0 + i * STEP, value, kind="gauge", id=f"{prefix}{port}-{i}"
            )
        )
    return out


def month_of(account: str, port: str, start: str, n: int, *, prefix: str = "") -> list[rk.Sample]:
    """A month of ``n`` readings whose nearest-rank 95th percentile is exactly 1000."""
    return bursty(account, port, start, n, n - rank95(n) + 1, prefix=prefix)
