"""Adapters: the usage feeds real platforms emit, read into ratekit records.

Each adapter is a pure function from already-parsed JSON (dicts and lists, as
`json.loads()` gives them) to [`Event`][ratekit.Event] and [`Sample`][ratekit.Sample]
records: no I/O, no HTTP client. A missing or malformed field raises
[`BadRecordError`][ratekit.BadRecordError] naming its position in the input
(``resources[3].entity.state``) and what would be accepted; nothing else escapes.

- `ratekit.adapters.cloudfoundry`: Cloud Foundry app and service usage events
  (v2 and v3 shapes);
- `ratekit.adapters.ceilometer`: OpenStack Ceilometer samples and Nova instance
  notifications (not Gnocchi's measures);
- `ratekit.adapters.borel`: Borel's normalised usage rows (``cpu-ns``, ``MB-ns``);
- `ratekit.adapters.exoscale`: Exoscale / CloudStack usage events;
- `ratekit.adapters.cloudevents`: CloudEvents usage events, mapped by a
  declarative `Mapping`.

Each module also offers the meters usually wanted for its feed, as ready values.

Examples:
    >>> from ratekit.adapters import cloudfoundry
    >>> cloudfoundry.APP_MEMORY
    Meter('cf.app.memory', 'MiB*hour', Continuous(('memory_mb', 'instances'), unit=('MiB', 'count')))
"""

from __future__ import annotations

from . import borel as borel
from . import ceilometer as ceilometer
from . import cloudevents as cloudevents
from . import cloudfoundry as cloudfoundry
from . import exoscale as exoscale

__all__ = ["borel", "ceilometer", "cloudevents", "cloudfoundry", "exoscale"]
