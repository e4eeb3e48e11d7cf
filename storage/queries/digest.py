"""The weekly digest's runs: one per channel and week."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import (
    DigestRun,
)


def add_digest_run(
    session: Session, channel_id: str, start: datetime, end: datetime, now: datetime, workspace_id: str = ""
) -> int:
    run = DigestRun(
        workspace_id=workspace_id, channel_id=channel_id, period_start=start, period_end=end, created_at=now
    )
    session.add(run)
    session.flush()
    assert run.id is not None
    return run.id


def get_digest_run(session: Session, run_id: int) -> DigestRun | None:
    return session.get(DigestRun, run_id)
