"""An in-memory BM25F index over titles and descriptions, built for 100,000 documents.

Postings are numpy arrays (document positions and term frequencies), so a query is a few vectorised
gathers and adds per query term. Documents added after the bulk build go to small pending postings
until `compact()`; removed documents are masked, not rewritten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 2.5


@dataclass(frozen=True)
class Hit:
    """One document's relevance to a query."""

    position: int
    bm25: float
    coverage: float  # share of the query's weight (idf x term weight) that this document contains


class Bm25Index:
    """Documents are lists of title terms and body terms; keys are the caller's ids."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._position: dict[str, int] = {}
        self._length = np.zeros(0, dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self.vocabulary: dict[str, int] = {}
        self._df: list[int] = []
        self._ids: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self._pending: dict[int, list[tuple[int, float]]] = {}
        self._live = 0
        self._total_length = 0.0

    # --- writing --------------------------------------------------------------------------------

    def build(self, documents: Iterable[tuple[str, list[str], list[str]]]) -> None:
        """Replace the index with `(key, title_terms, body_terms)` documents, in one pass."""
        self.__init__()
        columns: dict[int, tuple[list[int], list[float]]] = {}
        lengths: list[float] = []
        for key, title, body in documents:
            position = self._new_position(key)
            counts = _weighted_counts(title, body)
            lengths.append(len(title) * TITLE_WEIGHT + len(body))
            for term, tf in counts.items():
                term_id = self._term_id(term)
                ids, tfs = columns.setdefault(term_id, ([], []))
                ids.append(position)
                tfs.append(tf)
                self._df[term_id] += 1
        self._ids = [np.array(columns.get(t, ([], []))[0], dtype=np.int32) for t in range(len(self._df))]
        self._tfs = [np.array(columns.get(t, ([], []))[1], dtype=np.float32) for t in range(len(self._df))]
        self._length = np.array(lengths, dtype=np.float32)
        self._alive = np.ones(len(lengths), dtype=bool)
        self._live = len(lengths)
        self._total_length = float(self._length.sum())

    def add(self, key: str, title: list[str], body: list[str]) -> None:
        """Add or replace one document (visible to the next query)."""
        self.remove(key)
        position = self._new_position(key)
        length = len(title) * TITLE_WEIGHT + len(body)
        self._length = np.append(self._length, np.float32(length))
        self._alive = np.append(self._alive, True)
        self._live += 1
        self._total_length += length
        for term, tf in _weighted_counts(title, body).items():
            term_id = self._term_id(term)
            self._df[term_id] += 1
            self._pending.setdefault(term_id, []).append((position, tf))
        if sum(len(entries) for entries in self._pending.values()) > 50_000:
            self.compact()

    def remove(self, key: str) -> None:
        position = self._position.pop(key, None)
        if position is None or not self._alive[position]:
            return
        self._alive[position] = False
        self._live -= 1
        self._total_length -= float(self._length[position])

    def compact(self) -> None:
        """Fold pending postings into the arrays."""
        for term_id, entries in self._pending.items():
            ids = np.array([position for position, _ in entries], dtype=np.int32)
            tfs = np.array([tf for _, tf in entries], dtype=np.float32)
            self._ids[term_id] = np.concatenate([self._ids[term_id], ids])
            self._tfs[term_id] = np.concatenate([self._tfs[term_id], tfs])
        self._pending.clear()

    # --- reading --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._live

    def __contains__(self, key: str) -> bool:
        return key in self._position

    def idf(self, term: str) -> float:
        """BM25's idf; a term no document has gets the highest idf."""
        term_id = self.vocabulary.get(term)
        df = self._df[term_id] if term_id is not None else 0
        return float(np.log(1 + (max(self._live - df, 0) + 0.5) / (df + 0.5)))

    def search(self, query: dict[str, float], limit: int) -> list[Hit]:
        """The `limit` best documents for weighted query terms, best first."""
        count = len(self.keys)
        if not count or not query:
            return []
        scores = np.zeros(count, dtype=np.float32)
        covered = np.zeros(count, dtype=np.float32)
        average = self._total_length / max(self._live, 1)
        total = 0.0
        for term, weight in query.items():
            idf = self.idf(term) * weight
            total += idf
            term_id = self.vocabulary.get(term)
            if term_id is None:
                continue
            ids, tfs = self._postings(term_id)
            norm = K1 * (1 - B + B * self._length[ids] / average)
            scores[ids] += idf * tfs * (K1 + 1) / (tfs + norm)
            covered[ids] += idf
        scores[~self._alive] = 0
        candidates = np.flatnonzero(scores)
        if candidates.size > limit:
            candidates = candidates[np.argpartition(-scores[candidates], limit)[:limit]]
        ranked = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [Hit(int(p), float(scores[p]), float(covered[p]) / total if total else 0.0) for p in ranked]

    def contains_term(self, position: int, term: str) -> bool:
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return False
        ids, _ = self._postings(term_id)
        return bool(np.any(ids == position))

    # --- internals ------------------------------------------------------------------------------

    def _postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        pending = self._pending.get(term_id)
        if not pending:
            return self._ids[term_id], self._tfs[term_id]
        ids = np.concatenate([self._ids[term_id], np.array([p for p, _ in pending], dtype=np.int32)])
        tfs = np.concatenate([self._tfs[term_id], np.array([tf for _, tf in pending], dtype=np.float32)])
        return ids, tfs

    def _new_position(self, key: str) -> int:
        position = len(self.keys)
        self.keys.append(key)
        self._position[key] = position
        return position

    def _term_id(self, term: str) -> int:
        term_id = self.vocabulary.get(term)
        if term_id is None:
            term_id = self.vocabulary[term] = len(self._df)
            self._df.append(0)
            self._ids.append(np.zeros(0, dtype=np.int32))
            self._tfs.append(np.zeros(0, dtype=np.float32))
        return term_id


def _weighted_counts(title: list[str], body: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for term in title:
        counts[term] += TITLE_WEIGHT
    for term in body:
        counts[term] += 1
    return counts
