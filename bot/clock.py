"""One source of the current time, so tests and the console can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or SystemClock().now()

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class RunningClock:
    """Real time, from a chosen start, that can also jump ahead (the console: records made between two
    commands get their own times, and `wait` moves the clock on)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = (start - SystemClock().now()) if start is not None else timedelta(0)

    def now(self) -> datetime:
        return SystemClock().now() + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta
