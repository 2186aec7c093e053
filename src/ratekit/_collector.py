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

Turning the collector back on costs nothing by itself: the collection that follows (at
the first allocation after the call, inside ``contextlib``'s exit, which is where a
profile shows it) is the young collection the pause deferred. It walks each container
object the call built and left alive, once (a statement's new rows, charges and lines:
about 100,000 objects and 0.1 s at 200,000 records of ``benchmarks/rater_bench.py``),
and now and then grows into a walk of the whole heap, as it would have without the
pause. It is made cheaper only by leaving fewer new objects: freezing them
(``gc.freeze()``) would keep any cyclic garbage of the host's for good, and the
collector's thresholds are the host's to set, not ratekit's.

The switch is process-wide: while a call runs, other threads' cyclic garbage waits for
its end; and a thread that turns the collector off while another thread is inside a
ratekit call may see it turned back on when that call returns. Calls nest (an inner call
finds the collector off and leaves it so).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused"]


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
        gc.enable()
