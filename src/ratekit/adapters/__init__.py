"""Adapters: the usage feeds real platforms emit, read into ratekit records.

Each adapter is a pure function from already-parsed JSON (dicts and lists, as
:func:`json.loads` gives them) to :class:`~ratekit.Event` and :class:`~ratekit.Sample`
records: no I/O, no HTTP client. A missing or malformed field raises
:class:`~ratekit.BadRecordError` naming its position in the input
(``resources[3].entity.state``) and what would be accepted; nothing else escapes.

- :mod:`ratekit.adapters.cloudfoundry`: Cloud Foundry app and service usage events
  (v2 and v3 shapes);
- :mod:`ratekit.adapters.ceilometer`: OpenStack Ceilometer / Gnocchi samples and Nova
  instance notifications;
- :mod:`ratekit.adapters.borel`: Borel's normalised usage rows (``cpu-ns``, ``MB-ns``);
- :mod:`ratekit.adapters.exoscale`: Exoscale / CloudStack usage events;
- :mod:`ratekit.adapters.cloudevents`: CloudEvents usage events, mapped by a
  declarative :class:`~ratekit.adapters.cloudevents.Mapping`.

Each module also offers the meters usually wanted for its feed, as ready values.

Example:
    >>> from ratekit.adapters import cloudfoundry
    >>> cloudfoundry.APP_MEMORY
    Meter('cf.app.memory', 'MB*hour', Continuous(('memory_mb', 'instances'), unit=('MB', 'count')))
"""

from __future__ import annotations

from . import borel as borel
from . import ceilometer as ceilometer
from . import cloudevents as cloudevents
from . import cloudfoundry as cloudfoundry
from . import exoscale as exoscale

__all__ = ["borel", "ceilometer", "cloudevents", "cloudfoundry", "exoscale"]
