"""A progress bar on stderr for long imports: redrawn in place on a terminal, a line per tenth otherwise.

>>> import io
>>> out = io.StringIO()
>>> bar = ProgressBar("loading", out, clock=iter(range(100)).__next__)
>>> for done in (0, 500, 1000):
...     bar(done, 1000)
>>> print(out.getvalue().strip())
loading [                              ]   0%          0/1,000 rows  1.0 s
loading [###############               ]  50%        500/1,000 rows  2.0 s
loading [##############################] 100%      1,000/1,000 rows  3.0 s
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """Call it with (done, total); it draws ``label [####    ]  40%  done/total rows  elapsed``."""

    def __init__(
        self, label: str, stream: TextIO | None = None, *, width: int = 30, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self._clock = clock
        self._start = clock()
        self._tty = self.stream.isatty()
        self._shown = -1  # the last tenth (or, on a terminal, permille) drawn

    def __call__(self, done: int, total: int) -> None:
        fraction = min(done / total, 1.0) if total else 1.0
        step = int(fraction * (1000 if self._tty else 10))
        if step == self._shown:
            return
        self._shown = step
        filled = round(fraction * self.width)
        line = (
            f"{self.label} [{'#' * filled}{' ' * (self.width - filled)}] {fraction:4.0%} "
            f"{done:>10,}/{total:,} rows  {self._clock() - self._start:.1f} s"
        )
        if self._tty:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
