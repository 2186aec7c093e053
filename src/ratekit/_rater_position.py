"""Where in its batch the record a feed refuses is: ``Rater.feed: records[3]: ...``.

Private to [`ratekit.Rater`][ratekit.Rater]. Batch [`rate()`][ratekit.rate] names a bad
record by its index in the list given; so does the feed, whose doors name the record by
its content (kind, instant, resource, id when it has one): a record without an id is
found in the batch by its index alone. A door that refuses a batch for one record marks
the error with it (`about()`); the feed names the first record listed that a door
refuses (`first()`), and writes its index into the message (`positioned()`), after its
``"Rater.feed: "``. The doors are also asked when a snapshot is restored or assignments
change, whose messages name no batch: only the feed adds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, TypeVar

from .errors import RatekitError

__all__ = ["about", "first", "positioned"]

E = TypeVar("E", bound=RatekitError)
R = TypeVar("R")

_HEAD: Final = "Rater.feed: "


def about(record: object, error: E) -> E:
    """``error``, marked as refusing its batch for ``record`` (the feed names its index)."""
    error._feed_record = record  # type: ignore[attr-defined]
    return error


def index_of(error: RatekitError, batch: Sequence[object]) -> int | None:
    """The index in ``batch`` of the record ``error`` is marked with (by identity), or None."""
    record = getattr(error, "_feed_record", None)
    if record is None:
        return None
    return next((index for index, item in enumerate(batch) if item is record), None)


def first(
    error: RatekitError, batch: Sequence[R], judge: Callable[[list[R]], None]
) -> RatekitError:
    """The refusal naming the first record of ``batch`` that a door refuses.

    ``error`` is what judging the whole batch raised. The doors of each record look at
    them in the order listed, but a door of the batch as a whole (a level's sum, a
    sample's price) runs after them, and may refuse a record listed earlier: the records
    before the one named are judged again (``judge``), until those before the one named
    pass. A refusal marked with no record (a level computed by a function, which
    metering judges over the batch) is placed at the shortest start of the batch that
    is refused, found by halving (`_tipping()`). On the error path only: at most one
    round per record named, and O(log n) rounds to place a refusal, each O(n).
    """
    named = error
    index = index_of(named, batch)
    if index is None and batch:
        named, index = _tipping(named, batch, judge)
    while index:
        try:
            judge(list(batch[:index]))
        except RatekitError as earlier:
            named, index = earlier, index_of(earlier, batch)
        else:
            break
    return named


def _tipping(
    error: RatekitError, batch: Sequence[R], judge: Callable[[list[R]], None]
) -> tuple[RatekitError, int | None]:
    """The refusal of the shortest start of ``batch`` that is refused, and its last index.

    The whole batch is refused (``error``), none of it is not; halving finds a start
    refused whose one record shorter is not, and its last record is the one the batch
    is refused for: the refusal is marked with it unless it names a record already.
    """
    low, high, refused = 0, len(batch), error
    while high - low > 1:
        middle = (low + high) // 2
        try:
            judge(list(batch[:middle]))
        except RatekitError as earlier:
            high, refused = middle, earlier
        else:
            low = middle
    if index_of(refused, batch) is None:
        about(batch[high - 1], refused)
    return refused, index_of(refused, batch)


def positioned(error: RatekitError, batch: Sequence[object]) -> None:
    """Write into ``error`` the index in ``batch`` of the record it refuses.

    Nothing when the message names an index already, is not the feed's, or no record is
    known. O(n), on the error path only.
    """
    index = index_of(error, batch)
    text = str(error)
    if index is None or not text.startswith(_HEAD) or text.startswith(f"{_HEAD}records["):
        return
    error.args = (f"{_HEAD}records[{index}]: {text.removeprefix(_HEAD)}",)
