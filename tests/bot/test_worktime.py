"""Working time: weekends, nights, holidays and time zones are skipped when durations are counted."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.worktime import WorkingTime, parse_days, parse_duration, parse_hours, zone

BRUSSELS = zone("Europe/Brussels")
LISBON = zone("Europe/Lisbon")
OFFICE = WorkingTime()  # mon-fri 09:00-17:00


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_three_working_days_from_friday_afternoon_end_on_wednesday_afternoon():
    friday_3pm_brussels = utc(2026, 11, 27, 14)  # 15:00 in Brussels
    due = OFFICE.add(friday_3pm_brussels, OFFICE.duration(3, "d"), BRUSSELS)
    assert due.astimezone(BRUSSELS) == datetime(2026, 12, 2, 15, 0, tzinfo=BRUSSELS)


def test_something_due_at_night_goes_out_at_the_start_of_the_next_working_period():
    saturday_night = utc(2026, 11, 28, 23)
    assert OFFICE.next_open(saturday_night, BRUSSELS).astimezone(BRUSSELS) == datetime(
        2026, 11, 30, 9, 0, tzinfo=BRUSSELS
    )


def test_each_person_counts_in_their_own_time_zone():
    moment = utc(2026, 11, 30, 16, 30)  # 17:30 in Brussels (closed), 16:30 in Lisbon (open)
    assert not OFFICE.is_working(moment, BRUSSELS)
    assert OFFICE.is_working(moment, LISBON)


def test_holidays_are_skipped():
    office = WorkingTime(holidays=frozenset({date(2026, 12, 25)}))
    thursday_4pm = utc(2026, 12, 24, 15)  # 16:00 Brussels
    due = office.add(thursday_4pm, timedelta(hours=2), BRUSSELS)
    assert due.astimezone(BRUSSELS) == datetime(2026, 12, 28, 10, 0, tzinfo=BRUSSELS)  # Monday 10:00


def test_round_the_clock_is_plain_time():
    always = WorkingTime(days=parse_days("mon-sun"), start=time(0), end=None)
    start = utc(2026, 11, 28, 23, 59)
    assert always.add(start, always.duration(30, "s"), BRUSSELS) == start + timedelta(seconds=30)
    assert always.duration(1, "d") == timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"), [("mon-fri", {0, 1, 2, 3, 4}), ("mon,wed", {0, 2}), ("fri-mon", {4, 5, 6, 0})]
)
def test_working_days_are_parsed(text, expected):
    assert parse_days(text) == expected


def test_bad_settings_are_refused_with_their_name():
    with pytest.raises(ValueError, match="NUDGE_AFTER must be a duration"):
        parse_duration("three days", "NUDGE_AFTER")
    with pytest.raises(ValueError, match="WORKING_HOURS"):
        parse_hours("17:00-09:00")
    with pytest.raises(ValueError, match="WORKING_DAYS"):
        parse_days("weekdays")
    assert parse_hours("00:00-24:00") == (time(0), None)
    assert parse_duration("4h", "X") == (4, "h")


def test_the_second_check_in_comes_three_working_days_before_the_end_weekends_and_holidays_skipped():
    from bot.experiments import checkin_days
    from storage.models import Experiment

    monday = date(2027, 2, 1)
    plan = Experiment(
        idea_id=1,
        hypothesis="h",
        measure="m",
        target="t",
        starts_on=date(2027, 1, 4),
        ends_on=monday,
        planned_by="U0PLANNER1",
        created_at=datetime(2027, 1, 4),
    )
    assert checkin_days(plan)[1] == (2, date(2027, 1, 27))  # Wednesday: Friday, Thursday, Wednesday
    holiday = WorkingTime(holidays=frozenset({date(2027, 1, 28)}))
    assert checkin_days(plan, holiday)[1] == (2, date(2027, 1, 26))
