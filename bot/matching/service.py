"""The bot's duplicate finder: a `Matcher` loaded from the database and kept up to date with it.

The database stays the truth. The index is built at start and updated on every write this process
makes; `refresh()` also picks up rows that other processes changed (by `updated_at`), so several bot
processes on one PostgreSQL database all find an idea within one refresh interval.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.matching.matcher import Document, Match, Matcher, Thresholds
from bot.matching.meaning import Encoder, Meanings, SentenceEncoder
from storage import queries
from storage.db import Database
from storage.models import Challenge, Idea, PastProject

SharedWith = Callable[[Session, str], Mapping[str, str]]  # a workspace -> the others it sees, with their names

KINDS = ("project", "idea", "challenge")
KEY = re.compile(r"(project|idea|challenge):\d{1,12}")  # a document's key, as buttons and forms carry it
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    """A match with what a person needs to act on it."""

    kind: str  # project, idea or challenge
    id: int
    external_id: str
    title: str
    status: str | None
    organisation: str | None
    url: str | None
    contact: str | None
    lessons_learned: str | None
    score: int
    verdict: str | None
    reason: str
    new: bool = False  # on a post: found after the author submitted, not among what they were shown
    workspace: str | None = None  # the name of the other workspace it comes from (never its author)


def kept_matches(found: Sequence[Found]) -> str:
    """Matches as kept on a row (what the author was shown, what a post shows): key, score, verdict, reason
    and whether it is new, so that reviewers later see exactly the scores the author saw."""
    return json.dumps([[f"{item.kind}:{item.id}", item.score, item.verdict, item.reason, item.new] for item in found])


def read_kept(kept: str | None) -> list[tuple[Match, bool]]:
    """The matches kept by `kept_matches` (or the form's [key, score, verdict(, reason)] entries), not yet
    looked up, each with its `new` flag; unreadable entries are skipped."""
    try:
        entries = json.loads(kept or "[]")
    except ValueError:
        return []
    matches = []
    for entry in entries if isinstance(entries, list) else []:
        if not (isinstance(entry, list) and 3 <= len(entry) <= 5 and isinstance(entry[0], str)):
            continue
        if KEY.fullmatch(entry[0]) is None:
            continue
        key, score, verdict = entry[:3]
        reason = entry[3] if len(entry) > 3 and isinstance(entry[3], str) else ""
        new = bool(entry[4]) if len(entry) > 4 else False
        if isinstance(score, int) and verdict in (None, "duplicate", "related"):
            matches.append((Match(key=key, score=score, verdict=verdict, reason=reason, rank_score=0.0), new))
    return matches


def project_document(project: PastProject) -> Document:
    return Document(f"project:{project.id}", project.title, project.summary or "", project.language)


def idea_document(idea: Idea) -> Document:
    return Document(f"idea:{idea.id}", idea.title, f"{idea.problem}\n{idea.proposal}")


def challenge_document(challenge: Challenge) -> Document:
    return Document(f"challenge:{challenge.id}", challenge.title, f"{challenge.problem}\n{challenge.desired_outcome}")


def meaning_encoder(model_dir: str | None, multilingual: bool) -> SentenceEncoder | None:
    """The meaning stage's model: the English one of `model_dir`, the multilingual one, both, or none."""
    english = Encoder(model_dir) if model_dir else None
    if not multilingual:
        return english
    from bot.matching.fused import FusedEncoder  # the optional extra
    from bot.matching.multilingual import MultilingualEncoder

    return FusedEncoder(english, MultilingualEncoder()) if english else MultilingualEncoder()


class MatchService:
    """Finds past projects, ideas and challenges like a given text."""

    def __init__(
        self,
        db: Database,
        thresholds: Thresholds | None = None,
        model_dir: str | None = None,
        shared_with: SharedWith | None = None,
        *,
        multilingual: bool = False,
    ) -> None:
        """The meaning stage: the English model of `model_dir`, the multilingual one if asked, or both."""
        self.db = db
        self.shared_with = shared_with
        encoder = meaning_encoder(model_dir, multilingual)
        self.matcher = Matcher(thresholds, Meanings(encoder) if encoder is not None else None)
        self._lock = threading.RLock()
        self._seen: datetime | None = None

    def load(self) -> int:
        """Build the index from the database; returns how many documents it holds."""
        with self.db.session() as session:
            documents = [project_document(project) for project in queries.projects(session)]
            documents += [idea_document(idea) for idea in queries.all_ideas(session)]
            documents += [challenge_document(challenge) for challenge in queries.all_challenges(session)]
            self._seen = queries.latest_change(session)
        with self._lock:
            self.matcher.build(documents)
        return len(documents)

    def refresh(self) -> int:
        """Index what changed in the database since the last load or refresh; returns how many rows."""
        with self.db.session() as session:
            changed = [project_document(p) for p in queries.projects(session, changed_since=self._seen)]
            changed += [idea_document(i) for i in queries.all_ideas(session, changed_since=self._seen)]
            changed += [challenge_document(c) for c in queries.all_challenges(session, changed_since=self._seen)]
            self._seen = queries.latest_change(session) or self._seen
        self.upsert(*changed)
        return len(changed)

    def embed_waiting(self, limit: int | None = 256) -> int:
        """Give documents that wait for a sentence vector their vector (the optional meaning stage): the
        one kept in the database if their text is unchanged, else a new one, computed and kept. Stops
        after computing `limit` (None: all); returns how many documents got one. Encoding runs outside
        the lock, so queries are not held up by it."""
        meanings = self.matcher.meanings
        done = computed = 0
        while meanings is not None and (limit is None or computed < limit):
            with self._lock:
                batch = meanings.waiting(32)
            if not batch:
                break
            vectors, fresh = self._vectors_for(batch, meanings.encoder)
            with self._lock:
                meanings.store(batch, vectors)
            done, computed = done + len(batch), computed + fresh
        return done

    def _vectors_for(self, batch: list[tuple[str, str]], encoder: SentenceEncoder) -> tuple[np.ndarray, int]:
        """Vectors for (key, text) pairs, and how many had to be computed."""
        digests = [hashlib.sha256(text.encode()).hexdigest()[:32] for _, text in batch]
        with self.db.session() as session:
            kept = queries.stored_vectors(session, encoder.name, [key for key, _ in batch])
        vectors = np.zeros((len(batch), encoder.dimensions), dtype=np.float32)
        missing = []
        for i, ((key, _), digest) in enumerate(zip(batch, digests, strict=True)):
            row = kept.get(key)
            if row is not None and row.text_digest == digest:
                vectors[i] = np.frombuffer(row.vector, dtype="<f2")
            else:
                missing.append(i)
        if missing:
            vectors[missing] = encoder.encode([batch[i][1] for i in missing])
            rows = [(batch[i][0], digests[i], vectors[i].astype("<f2").tobytes()) for i in missing]
            try:
                with self.db.session() as session:
                    queries.save_vectors(session, encoder.name, rows)
            except IntegrityError:  # another process kept the same vectors first: theirs are as good
                log.debug("sentence vectors already kept by another process")
        return vectors, len(missing)

    def upsert(self, *documents: Document) -> None:
        with self._lock:
            for document in documents:
                self.matcher.upsert(document)

    def find(
        self,
        title: str,
        description: str = "",
        *,
        limit: int = 5,
        exclude: str | None = None,
        workspace_id: str | None = None,
    ) -> list[Found]:
        """The best matches with their details, best first.

        `exclude` leaves out one key (such as "idea:12"); `workspace_id` leaves out the ideas and
        challenges of workspaces it does not share with (past projects are shared).
        """
        with self._lock:
            matches = [m for m in self.matcher.query(title, description, limit=limit + 5) if m.key != exclude]
        return self.describe(matches, workspace_id)[:limit]

    def kept(self, kept: str | None, workspace_id: str | None = None) -> list[Found]:
        """Matches kept on a row (`kept_matches`), with each one's current title, status and link but the score,
        verdict and reason it had then; ones deleted since are left out."""
        matches = read_kept(kept)
        found = self.describe([match for match, _new in matches], workspace_id)
        new = {match.key for match, is_new in matches if is_new}
        return [replace(item, new=f"{item.kind}:{item.id}" in new) for item in found]

    def lookup(self, key: str, workspace_id: str | None = None) -> Found | None:
        """One project, idea or challenge by key, described as an unscored match."""
        found = self.describe([Match(key=key, score=0, verdict=None, reason="", rank_score=0.0)], workspace_id)
        return found[0] if found else None

    def describe(self, matches: list[Match], workspace_id: str | None = None) -> list[Found]:
        """Look up each match's details in the database (the index holds only words)."""
        ids: dict[str, list[int]] = {kind: [] for kind in KINDS}
        for match in matches:
            kind, _, number = match.key.partition(":")
            ids[kind].append(int(number))
        with self.db.session() as session:
            rows = {
                "project": queries.get_projects(session, ids["project"]),
                "idea": queries.get_ideas(session, ids["idea"]),
                "challenge": queries.get_challenges(session, ids["challenge"]),
            }
            others = self.shared_with(session, workspace_id) if workspace_id and self.shared_with else {}
        found = []
        for match in matches:
            kind, _, number = match.key.partition(":")
            row = rows[kind].get(int(number))
            home = getattr(row, "workspace_id", workspace_id)
            if row is None or (workspace_id and home != workspace_id and home not in others):
                continue
            found.append(_found(kind, row, match, others.get(home) if workspace_id and home != workspace_id else None))
        return found


def _found(kind: str, row: PastProject | Idea | Challenge, match: Match, workspace: str | None = None) -> Found:
    if isinstance(row, PastProject):
        return Found(
            kind=kind,
            id=row.id or 0,
            external_id=row.external_id,
            title=row.title,
            status=row.status,
            organisation=row.organisation,
            url=row.url,
            contact=row.contact,
            lessons_learned=row.lessons_learned,
            score=match.score,
            verdict=match.verdict,
            reason=match.reason,
        )
    return Found(
        kind=kind,
        id=row.id or 0,
        external_id=match.key,
        title=row.title,
        status=row.status,
        organisation=getattr(row, "department", None),
        url=row.permalink,
        contact=None,
        lessons_learned=None,
        score=match.score,
        verdict=match.verdict,
        reason=match.reason,
        workspace=workspace,
    )
