"""The options that the command line and the HTTP downloads share: days, residence statuses, ages.

Both take what a coordinator types: a day as ISO or as Germans write it, and a residence status
in the API's spelling (``DULDUNG``) or the model's (``duldung``). Each reader raises ``ValueError``
with a message that says what it accepts ("must be ..."); the caller puts the option's name
before it (argparse does so itself, the downloads name their query parameter).

>>> day_option("01.06.2022"), residence_status_option("DULDUNG")
(datetime.date(2022, 6, 1), 'duldung')
>>> age_option("22")
22
"""

from __future__ import annotations

import datetime as dt

from kimnet.graph.io.cells import read_day
from kimnet.graph.model.domain import RESIDENCE_STATUSES

__all__ = ["MAX_AGE", "age_option", "day_option", "residence_status_option"]

#: The oldest age a case or a report may name.
MAX_AGE = 130


def day_option(text: str) -> dt.date:
    """Read a day (2022-06-01 or 01.06.2022).

    Raises:
        ValueError: ``text`` is not a day.
    """
    day = read_day(text)
    if day is None:
        raise ValueError(f"must be a day as YYYY-MM-DD or DD.MM.YYYY, not {text[:40]!r}")
    return day


def residence_status_option(text: str) -> str:
    """Read a residence status in the API's or the model's spelling; return the model's.

    Raises:
        ValueError: no residence status has that name; the message lists them.
    """
    status = text.strip().lower()
    if status not in RESIDENCE_STATUSES:
        known = ", ".join(s.upper() for s in RESIDENCE_STATUSES)
        raise ValueError(f"must be one of {known}, not {text[:40]!r}")
    return status


def age_option(text: str) -> int:
    """Read an age in whole years, 0 to ``MAX_AGE``.

    Raises:
        ValueError: not a whole number in that range.
    """
    try:
        age = int(text.strip())
    except ValueError:
        raise ValueError(f"must be a whole number of years, not {text[:40]!r}") from None
    if not 0 <= age <= MAX_AGE:
        raise ValueError(f"must be between 0 and {MAX_AGE}, not {age}")
    return age
