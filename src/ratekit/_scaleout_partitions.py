"""The parts of a scale-out: how many, and which part rates an account.

Private to `ratekit.scaleout`: a part count checked at the door (`checked_count()`, `part_count()`:
the bag's own, or the one given, at most `MAX_PARTITIONS`), and the stable hash that sends
an account to its part (`part()`, the rule of `ratekit.scaleout.partition_of`).
"""

from __future__ import annotations

import zlib
from typing import Any, Final

from ._shown import show
from .errors import RatekitTypeError

__all__ = ["MAX_PARTITIONS", "checked_count", "part", "part_count"]

#: The most parts `partition_of()`, `rate_by_account()` and `bill_by_account()` take:
#: a Dask shuffle makes every part, even an empty one (a million of them on one record
#: ran for twenty minutes); more parts than workers' cores gain nothing.
MAX_PARTITIONS: Final = 4096


def part_count(bag: Any, partitions: object, shuffle: bool, name: str) -> int:
    """The parts a shuffle makes (``partitions`` or the bag's); a count without one is refused."""
    if partitions is not None and not shuffle:
        raise RatekitTypeError(
            f"{name} partitions={show(partitions)} with shuffle=False: without a shuffle the "
            "bag's own partitions are the parts; leave partitions out, or shuffle."
        )
    return (
        bag.npartitions if partitions is None else checked_count(partitions, f"{name} partitions")
    )


def checked_count(partitions: object, what: str) -> int:
    """``partitions`` when it is an int from 1 to `MAX_PARTITIONS`, else the error naming ``what``."""
    if not isinstance(partitions, int) or isinstance(partitions, bool):
        raise RatekitTypeError(
            f"{what} must be an int from 1 to {MAX_PARTITIONS:,}, not "
            f"{type(partitions).__name__}: {show(partitions)}."
        )
    # A subclass's own comparisons may say anything: judge the exact int it holds.
    count = int.__index__(partitions)
    if not 1 <= count <= MAX_PARTITIONS:
        raise RatekitTypeError(
            f"{what} must be an int from 1 to {MAX_PARTITIONS:,} (ratekit.scaleout."
            f"MAX_PARTITIONS: more parts than the workers' cores gain nothing), not "
            f"{show(count)}."
        )
    return count


def part(account: str, partitions: int) -> int:
    """The part of an account already read as a record's: `partition_of()` without checks."""
    return zlib.crc32(account.encode("utf-8")) % partitions
