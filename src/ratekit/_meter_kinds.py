"""What sample kinds each meter takes: the one table metering and the rater's doors read.

A time-based meter takes none; a sample-based one those its policy ``accepts()``
(``"delta"``, ``"counter"``, ``"gauge"``), a failure of the policy's own code named
(`_policy_results.failed`). Private to [`meter()`][ratekit.meter] and the streaming
rater (its feed and its restore refuse at their doors what metering would refuse later);
``ratekit.metering.accepted_kinds`` stays importable from its former home.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

from ._policy_results import failed as _policy_failed
from .errors import RatekitError
from .policies import DeltaPolicy, Meter, SamplePolicy

__all__ = ["accepted_kinds"]


def accepted_kinds(meters: Mapping[str, Meter]) -> dict[str, frozenset[str]]:
    """Per meter name, the sample kinds it takes (none for a time-based meter). O(m).

    The one table of what metering accepts: the streaming rater refuses at its door what
    metering would refuse later.
    """
    return {name: _kinds(m) for name, m in meters.items()}


def _kinds(item: Meter) -> frozenset[str]:
    """The sample kinds meter ``item`` takes; a policy's failure in ``accepts`` named. O(1)."""
    if item._factor is not None:
        return frozenset()
    policy = typing.cast(DeltaPolicy | SamplePolicy, item.policy)
    try:
        return frozenset(kind for kind in ("delta", "counter", "gauge") if policy.accepts(kind))
    except RatekitError:
        raise
    except Exception as error:  # the policy's own failure, named
        raise _policy_failed(item, "accepts", error, "the sample kinds it takes") from error
