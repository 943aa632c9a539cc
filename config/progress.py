"""Progress of a management command's long steps, on its stderr.

On a terminal: a tqdm bar (one tick per finished step, the running step as its description). Elsewhere
(logs, CI, ``call_command(stderr=StringIO())``): a bar's carriage-return redraws pile up into one endless
line that only appears at the end, so each step prints one plain line instead when it ends
(``demo_data: step 2/3 catalog done in 0.4 s``).
"""

from __future__ import annotations

import time

from tqdm import tqdm


def _raw(stream):
    """The file under Django's OutputWrapper (which would append a newline to every tqdm redraw)."""
    while hasattr(stream, "_out"):
        stream = stream._out
    return stream


def _isatty(stream) -> bool:
    try:
        return bool(_raw(stream).isatty())
    except (AttributeError, ValueError):  # closed or file-like without isatty
        return False


def _write_line(stream, text: str) -> None:
    stream.write(text + "\n")
    flush = getattr(stream, "flush", None)
    if flush:
        flush()


class StepProgress:
    """``step(name)`` starts a step (and finishes the previous one); ``close()`` finishes the last one.

    Use as a context manager; a step interrupted by an exception is reported as failed, not done.
    """

    def __init__(self, stream, total: int, *, label: str = "", enabled: bool = True):
        self.stream, self.total, self.enabled = stream, total, enabled
        self.prefix = f"{label}: " if label else ""
        self.terminal = enabled and _isatty(stream)
        self.bar = tqdm(total=total, file=_raw(stream), unit="step", disable=not self.terminal)
        self.current: str | None = None
        self.started = 0.0
        self.count = 0

    def step(self, name: str) -> None:
        self._finish()
        self.count += 1
        self.current, self.started = name, time.perf_counter()
        if self.terminal:
            self.bar.set_description(self.prefix + name)

    def _finish(self, outcome: str = "done") -> None:
        if self.current is None:
            return
        seconds = time.perf_counter() - self.started
        if self.terminal:
            self.bar.update(1)
        elif self.enabled:
            self._line(f"{self.prefix}step {self.count}/{self.total} {self.current} {outcome} in {seconds:.1f} s")
        self.current = None

    def _line(self, text: str) -> None:
        _write_line(self.stream, text)

    def close(self, outcome: str = "done") -> None:
        self._finish(outcome)
        self.bar.close()

    def __enter__(self) -> StepProgress:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close("failed" if exc_type else "done")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


class FileProgress:
    """Progress of a command that handles files one by one (``fetch_data``).

    ``begin(name, size, initial)`` starts a file, ``advance(n)`` counts bytes received, ``end(outcome)``
    finishes it. On a terminal: a byte bar per transferred file. Elsewhere: one line per file when it ends
    (``fetch_data: file 3/132 cog/communes.json downloaded 8.6 MB in 1.2 s``).
    """

    def __init__(self, stream, total: int, *, label: str = "", enabled: bool = True):
        self.stream, self.total, self.enabled = stream, total, enabled
        self.prefix = f"{label}: " if label else ""
        self.terminal = enabled and _isatty(stream)
        self.count, self.received, self.started = 0, 0, 0.0
        self.name, self.bar = "", None

    def begin(self, name: str, size: int, initial: int = 0) -> None:
        self.count += 1
        self.name, self.received, self.started = name, 0, time.perf_counter()
        self.size, self.initial = size, initial

    def advance(self, n: int, restart: bool = False) -> None:
        if self.terminal and self.bar is None:
            self.bar = tqdm(total=self.size, initial=self.initial, file=_raw(self.stream), unit="B",
                            unit_scale=True, leave=False, desc=f"{self.prefix}{self.count}/{self.total} {self.name}")
        if restart:  # the server could not resume: the bytes counted so far were thrown away
            self.initial, self.received = 0, 0
            if self.bar is not None:
                self.bar.reset(total=self.size)
        self.received += n
        if self.bar is not None:
            self.bar.update(n)

    def end(self, outcome: str) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        seconds = time.perf_counter() - self.started
        if not self.enabled or (self.terminal and outcome == "present"):
            return  # a terminal shows transfers and problems only; the command sums up the rest
        detail = f" {_size(self.received)} in {seconds:.1f} s" if self.received else ""
        if self.initial and self.received:
            detail += f" (resumed at {_size(self.initial)})"
        line = f"{self.prefix}file {self.count}/{self.total} {self.name} {outcome}{detail}"
        if self.terminal:
            tqdm.write(line, file=_raw(self.stream))
        else:
            _write_line(self.stream, line)
