"""Working time: counting durations only on working days and hours, in a person's own time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^(\d+)([smhd])$")


def parse_duration(text: str, name: str) -> tuple[int, str]:
    """`30s`, `10m`, `4h`, `3d` -> (amount, unit); raises ValueError naming the setting."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"{name} must be a duration like 30s, 10m, 4h or 3d")
    return int(match.group(1)), match.group(2)


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon-sun`, `mon,wed,fri` -> weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError("WORKING_DAYS must look like mon-fri or mon,tue,thu")
        start, end = DAYS.index(first), DAYS.index(last or first)
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
    return frozenset(days)


def parse_hours(text: str) -> tuple[time, time | None]:
    """`09:00-17:00` -> (09:00, 17:00); `00:00-24:00` -> (00:00, None): the whole day."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", text.strip())
    if match is None:
        raise ValueError("WORKING_HOURS must look like 09:00-17:00")
    h1, m1, h2, m2 = map(int, match.groups())
    if (h2, m2) == (24, 0):
        return time(h1, m1), None
    if not (h1 < 24 and m1 < 60 and h2 < 24 and m2 < 60) or (h2, m2) <= (h1, m1):
        raise ValueError("WORKING_HOURS must be a start before an end, like 09:00-17:00")
    return time(h1, m1), time(h2, m2)


def zone(name: str | None, default: str = "UTC") -> ZoneInfo:
    """A time zone by name, falling back to `default` for unknown or missing names."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


@dataclass(frozen=True)
class WorkingTime:
    """When people work: which weekdays, which hours, minus public holidays."""

    days: frozenset[int] = frozenset(range(5))
    start: time = time(9)
    end: time | None = time(17)  # None: until midnight
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def day_length(self) -> timedelta:
        """One working day ("1d" in durations)."""
        end = timedelta(hours=24) if self.end is None else timedelta(hours=self.end.hour, minutes=self.end.minute)
        return end - timedelta(hours=self.start.hour, minutes=self.start.minute)

    def duration(self, amount: int, unit: str) -> timedelta:
        """A duration setting as working time: `3d` is three working days."""
        if unit == "d":
            return self.day_length * amount
        key = {"s": "seconds", "m": "minutes", "h": "hours"}[unit]
        return timedelta(**{key: amount})

    def add(self, moment: datetime, amount: timedelta, tz: ZoneInfo) -> datetime:
        """The moment `amount` of working time after `moment`, counted in `tz` (returned in UTC)."""
        local = moment.astimezone(tz)
        remaining = amount
        for _ in range(3700):  # ten years of days: a bound, never reached with sane settings
            window = self._window(local.date(), tz)
            if window is not None:
                opens, closes = window
                begin = max(local, opens)
                if begin < closes:
                    # ending exactly at closing time would fall due when nothing may be sent: the next
                    # working period's start it is, as a reminder actually goes out
                    if begin + remaining < closes:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= closes - begin
            local = datetime.combine(local.date() + timedelta(days=1), time(0), tz)
        raise ValueError("no working time in the next ten years: check WORKING_DAYS and HOLIDAYS_FILE")

    def next_open(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """`moment` if it is working time, else the start of the next working period (UTC)."""
        return self.add(moment, timedelta(0), tz)

    def working_days_before(self, day: date, count: int) -> date:
        """The working day `count` working days before `day` (weekends and holidays skipped)."""
        for _ in range(3700):  # a bound, as in `add`
            if count <= 0:
                return day
            day -= timedelta(days=1)
            if day.weekday() in self.days and day not in self.holidays:
                count -= 1
        raise ValueError("no working day in the last ten years: check WORKING_DAYS and HOLIDAYS_FILE")

    def is_working(self, moment: datetime, tz: ZoneInfo) -> bool:
        window = self._window(moment.astimezone(tz).date(), tz)
        return window is not None and window[0] <= moment < window[1]

    def _window(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.days or day in self.holidays:
            return None
        opens = datetime.combine(day, self.start, tz)
        closes = (
            datetime.combine(day + timedelta(days=1), time(0), tz)
            if self.end is None
            else (datetime.combine(day, self.end, tz))
        )
        return opens, closes
