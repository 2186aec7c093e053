"""One call at a time on a rater: another thread's call waits its turn; a call back is refused.

A [`Rater`][ratekit.Rater] is the one place where state lives, and each of its calls
reads and changes much of it. Two calls running at once on one rater (a consumer thread
feeding while a web handler asks a statement or a snapshot) interleave those changes:
measured on 3,000 events fed 10 at a time from one thread while another asked a
statement every minute of watermark, the statements billed from 50 hours less to 782
hours more than one batch [`rate()`][ratekit.rate] of the same records (25 days of daily
cycles, 7 accounts), and raised nothing. So each public call that reads or changes the
state (`feed`, `assign`, `statement`, `snapshot`, `copy`, and pickling, which takes a
snapshot) takes the rater's turn: a call from another thread waits until the call
under way returns (the calls of one rater run one after another, in the order they get
the turn; different raters do not wait for each other).

A call from the same thread while one is under way can only come from code of the
caller's that the first call runs (a generator of records, a level function, a price
model, a mapping's methods): waiting would never end, and going on would read a state
half changed, so it is refused with [`ReentrantCallError`][ratekit.ReentrantCallError],
naming both calls, before it reads or changes anything. The first call goes on if the
caller's code catches the error; if it lets it out, the first call fails with it and, as
any call that fails, leaves the rater as it was. O(1) per call (an uncontended lock:
well under a microsecond).
"""

from __future__ import annotations

import functools
import threading
import typing
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from .errors import ReentrantCallError

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["Turn", "one_at_a_time"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


class Turn:
    """A rater's turn: the lock its calls take, and which thread holds it for which call."""

    __slots__ = ("call", "lock", "owner")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: int | None = None  # the thread whose call is under way
        self.call = ""  # that call's name


def one_at_a_time(
    function: Callable[Concatenate[Rater, _P], _R],
) -> Callable[Concatenate[Rater, _P], _R]:
    """``function``, a method of `Rater`, run only while it holds the rater's turn."""
    name = function.__name__

    @functools.wraps(function)
    def in_turn(rater: Rater, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        turn = rater._turn
        me = threading.get_ident()
        if turn.owner == me:  # only this thread sets it to its own ident
            raise ReentrantCallError(
                f"Rater.{name}() was called on a rater whose Rater.{turn.call}() is under "
                "way in the same thread: code of yours that it runs (a generator or "
                "iterable of records, a level function, a price model, a mapping) called "
                f"back into the rater, which refused that call and is unchanged by it. "
                f"Call Rater.{name}() after Rater.{turn.call}() returns."
            )
        with turn.lock:
            turn.owner, turn.call = me, name
            try:
                return function(rater, *args, **kwargs)
            finally:
                turn.owner = None

    return in_turn
