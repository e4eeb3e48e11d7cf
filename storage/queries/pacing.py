"""Booking moments on a paced destination, atomically, so that several processes keep one pace together."""

from __future__ import annotations

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Pace


def book(session: Session, key: str, now: float, interval: float, burst: int = 1) -> float:
    """Book the next free moment of `key` (epoch seconds): at most `burst` at once after a quiet spell, then
    one every `interval` seconds (the generic cell rate algorithm). Returns the moment booked, which may be
    before `now` (then go at once). One UPDATE … RETURNING, so two processes never book the same moment."""
    floor = now - interval * (burst - 1)
    statement = (
        update(Pace)
        .where(col(Pace.key) == key)
        .values(next_free=case((col(Pace.next_free) > floor, col(Pace.next_free)), else_=floor) + interval)
        .returning(col(Pace.next_free))
    )
    booked = session.execute(statement).scalar_one_or_none()
    if booked is None:  # the first use of this key
        try:
            with session.begin_nested():
                session.add(Pace(key=key, next_free=floor + interval))
            return floor
        except IntegrityError:  # another process added it at the same moment: book after theirs
            booked = session.execute(statement).scalar_one()
    return float(booked) - interval


def hold(session: Session, key: str, until: float) -> None:
    """Nothing goes to `key` before `until` (Slack answered 429 with Retry-After)."""
    statement = (
        update(Pace)
        .where(col(Pace.key) == key)
        .values(next_free=case((col(Pace.next_free) > until, col(Pace.next_free)), else_=until))
    )
    if session.execute(statement).rowcount == 0:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.add(Pace(key=key, next_free=until))
        except IntegrityError:
            session.execute(statement)


def paced_until(session: Session) -> dict[str, float]:
    """Every paced destination and its next free moment (for administrators)."""
    return {row.key: row.next_free for row in session.exec(select(Pace)).all()}
