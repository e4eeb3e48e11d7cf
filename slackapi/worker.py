"""A background thread that runs one job every few seconds, or at once when kicked."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


SOONEST = 0.05  # seconds between two runs at least: a due-now answer never spins, a flurry of kicks makes one run


class Worker:
    """Runs `job` every `interval` seconds, or sooner when `next_in` says the next work falls due sooner
    (a paced message's booked moment); `kick()` runs it now. Errors are logged, never fatal."""

    def __init__(
        self,
        name: str,
        job: Callable[[], object],
        interval: float,
        next_in: Callable[[], float | None] | None = None,
    ) -> None:
        self.name = name
        self.job = job
        self.interval = interval
        self.next_in = next_in
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def kick(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.job()
            except Exception:  # the database is down, say: keep going and try again later
                log.warning("%s failed; will try again", self.name, exc_info=True)
            # kicks that come meanwhile (every lane's end, every submission, in a rush) make one run, not many
            if self._stop.wait(SOONEST):
                break
            self._wake.wait(max(self._sleep() - SOONEST, 0.0))

    def _sleep(self) -> float:
        if self.next_in is None:
            return self.interval
        try:
            soon = self.next_in()
        except Exception:  # the database is down: the usual interval
            return self.interval
        return self.interval if soon is None else min(self.interval, soon)
