"""The cycle collector paused for the length of one public call that builds many objects.

CPython's cyclic garbage collector runs after every few hundred new container objects,
and each time the long-lived objects have grown by a quarter it walks all of them again.
A ratekit call that builds hundreds of thousands of records, rows and charges makes no
reference cycles (reference counting frees everything it drops), yet spends about a
third of its time in those walks: a month of a fleet from tuples to invoices took 3.5 to
4.1 s of CPU with the collector running and 2.4 to 2.5 s with it paused during each call
(200,000 records, ``benchmarks/fleet_bench.py``'s workload, the young collections the
pause defers counted).

`paused()` turns the collector off for the call and back on when it returns or raises,
if and only if it was on: what the call built is collected as usual afterwards, and a
host that turned the collector off keeps it off. The technique is Mercurial's
``util.nogc`` (a decorator that disables the collector while a large container is
built).

When the collector is turned back on, what the call built and left alive would be walked
by the young collection the pause deferred (at the first allocation after the call,
inside ``contextlib``'s exit, which is where a profile shows it), again by a
middle-generation collection, and again by every full one. A call that left many new
objects (`PROMOTED_FROM`, 10,000 tracked containers, or more: a batch's records, a
metering's rows, a rating's charges) has them moved straight to the oldest generation
instead, with ``gc.freeze()`` then ``gc.unfreeze()`` (which puts every frozen object back
in the oldest generation, in O(1)): the next full collection walks them, once, as it
would have. At 300,000 records of ``benchmarks/fleet_bench.py`` the young collections
after ``from_tuples``, ``meter`` and ``rate`` took 0.09 to 0.18, 0.13 and 0.07 s of CPU;
with the promotion they are gone (runs alternated under a load average of 2.8 to 3.4:
2.91 and 3.63 s end to end before, 2.77 and 2.94 s after). What this changes for
the host: the young objects it had when the call began (at most a few thousand: the
collector's young thresholds) are promoted with them, so cyclic garbage among them waits
for the next full collection instead of the next young one; and objects promoted so do
not count towards triggering a full collection (the collector counts only what its own
middle collections move up). A host that froze objects itself (``gc.get_freeze_count()``
is not 0) keeps them frozen: nothing is promoted then, and the collection is deferred as
before. Leaving fewer new objects is the other way to make it cheaper (records, rows and
charges as columns).

The switch is process-wide: while a call runs, other threads' cyclic garbage waits for
its end; and a thread that turns the collector off while another thread is inside a
ratekit call may see it turned back on when that call returns. Calls nest (an inner call
finds the collector off and leaves it so).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Final

__all__ = ["PROMOTED_FROM", "paused"]

PROMOTED_FROM: Final = 10_000
"""New tracked containers a paused call leaves from which they are promoted, not walked."""


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Run a block with the cycle collector off; turn it back on after, if it was on.

    ```pycon
    >>> import gc
    >>> with paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True

    ```
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] >= PROMOTED_FROM and not gc.get_freeze_count():
            gc.freeze()  # every tracked object, O(1): the young generation's count is reset
            gc.unfreeze()  # all of them back, into the oldest generation
        gc.enable()
