"""Property values as text, for table cells and the attributes of graph files, and back.

One rule for every format: dates are ISO (``2021-07-01``), yes/no is ``true`` or
``false``, lists are joined with ``|`` (``ar|fa``), and an empty cell means "no
value". Reading is forgiving where spreadsheets are not: a German spreadsheet
saves dates as ``01.07.2021`` and decimals as ``0,5``, and ``ja``/``nein`` are
read as yes/no.

>>> import datetime as dt
>>> to_text(("ar", "fa")), to_text(dt.date(2021, 7, 1)), to_text(True), to_text(0.5)
('ar|fa', '2021-07-01', 'true', '0.5')
>>> from kimnet.graph.model.domain import MODEL
>>> service = MODEL.node("Service")
>>> from_text(service.prop("validTo"), "31.12.2022"), from_text(service.prop("fte"), "0,5")
(datetime.date(2022, 12, 31), 0.5)
>>> from_text(service.prop("minAge"), "zwölf")  # left as it is, for the model's check to name
'zwölf'
"""

from __future__ import annotations

import datetime as dt
import re

from kimnet.graph.model.kinds import Prop, PropType, Value

__all__ = ["LIST_SEPARATOR", "from_text", "read_day", "to_text"]

LIST_SEPARATOR = "|"

_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TRUE = frozenset({"true", "ja", "wahr", "yes", "1"})
_FALSE = frozenset({"false", "nein", "falsch", "no", "0"})


def to_text(value: Value) -> str:
    """Write a property value as cell text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return LIST_SEPARATOR.join(value)
    return str(value)


def read_day(text: str) -> dt.date | None:
    """Read a day written as ISO (2021-07-01) or as Germans write it (01.07.2021); None if it is neither.

    >>> read_day("01.06.2022"), read_day(" 2022-06-01 "), read_day("31.02.2022"), read_day("morgen")
    (datetime.date(2022, 6, 1), datetime.date(2022, 6, 1), None, None)
    """
    bare = text.strip()
    german = _GERMAN_DATE.match(bare)
    try:
        if german:
            day, month, year = (int(g) for g in german.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(bare)
    except ValueError:
        return None


def from_text(prop: Prop, text: str) -> object:
    """Read non-empty cell text as a raw value of ``prop``'s type.

    Text that cannot be read is returned as it is, so that the model's checks
    (``validate.check_props``) name it in their own words ("must be a whole
    number, not 'zwölf'"). Text properties are kept exactly, spaces included.
    """
    bare = text.strip()
    match prop.type:
        case PropType.STRING:
            return text
        case PropType.STRINGS:
            return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
        case PropType.INT:
            return int(bare) if re.fullmatch(r"[+-]?\d+", bare) else text
        case PropType.FLOAT:
            decimal = bare.replace(",", ".") if "." not in bare else bare  # 0,5 from a German spreadsheet
            try:
                return float(decimal)
            except ValueError:
                return text
        case PropType.BOOL:
            if bare.lower() in _TRUE:
                return True
            return False if bare.lower() in _FALSE else text
        case PropType.DATE:
            day = read_day(bare)
            return text if day is None else day
    raise TypeError(f"unknown property type {prop.type}")  # pragma: no cover - the enum is closed
