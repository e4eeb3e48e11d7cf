"""An in-memory BM25F index over titles and descriptions, built for 100,000 documents.

Postings are numpy arrays (document positions and term frequencies), so a query is a few vectorised
gathers and adds per query term. Documents added after the bulk build go to small pending postings
until `compact()`; removed documents are masked, not rewritten.
"""

from __future__ import annotations

from array import array
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
        term_ids: array[int] = array("i")
        doc_ids: array[int] = array("i")
        frequencies: array[float] = array("f")
        lengths: list[float] = []
        vocabulary = self.vocabulary
        for key, title, body in documents:
            position = self._new_position(key)
            counts = _weighted_counts(title, body)
            lengths.append(len(title) * TITLE_WEIGHT + len(body))
            for term in counts:
                if term not in vocabulary:
                    vocabulary[term] = len(vocabulary)
            term_ids.extend(vocabulary[term] for term in counts)
            frequencies.extend(counts.values())
            doc_ids.extend([position] * len(counts))
        self._split_postings(
            np.frombuffer(term_ids, dtype=np.int32),
            np.frombuffer(doc_ids, dtype=np.int32),
            np.frombuffer(frequencies, dtype=np.float32),
        )
        self._length = np.array(lengths, dtype=np.float32)
        self._alive = np.ones(len(lengths), dtype=bool)
        self._live = len(lengths)
        self._total_length = float(self._length.sum())

    def _split_postings(self, term_ids: np.ndarray, doc_ids: np.ndarray, frequencies: np.ndarray) -> None:
        """Group flat (term, document, frequency) triples into one sorted posting list per term."""
        order = np.argsort(term_ids, kind="stable")  # stable: documents stay in order within a term
        counts = np.bincount(term_ids, minlength=len(self.vocabulary))
        bounds = np.concatenate([[0], np.cumsum(counts)])
        sorted_docs, sorted_tfs = doc_ids[order].copy(), frequencies[order].copy()
        self._df = counts.tolist()
        self._ids = [sorted_docs[bounds[t] : bounds[t + 1]] for t in range(len(counts))]
        self._tfs = [sorted_tfs[bounds[t] : bounds[t + 1]] for t in range(len(counts))]

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

    def search(
        self,
        query: dict[str, float],
        limit: int,
        groups: dict[str, list[str]] | None = None,
        also: Iterable[str] = (),
    ) -> list[Hit]:
        """The `limit` best documents for weighted query terms, best first, then the documents keyed in
        `also` that are not among them (found another way; they may share no term at all).

        `groups` says which terms stand for the same typed word (a word, its translations, synonyms,
        close spellings): coverage counts each typed word once, credited by its best-matching member.
        """
        count = len(self.keys)
        if not count or not (query or also):
            return []
        scores = np.zeros(count, dtype=np.float32)
        average = self._total_length / max(self._live, 1)
        postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, weight in query.items():
            term_id = self.vocabulary.get(term)
            if term_id is None:
                continue
            ids, tfs = postings[term] = self._postings(term_id)
            norm = K1 * (1 - B + B * self._length[ids] / average)
            scores[ids] += self.idf(term) * weight * tfs * (K1 + 1) / (tfs + norm)
        covered = np.zeros(count, dtype=np.float32)
        total = 0.0
        for base, members in (groups or {term: [term] for term in query}).items():
            known = [self.idf(term) for term in members if term in postings]
            importance = (max(known) if known else self.idf(base)) * query[base]
            total += importance
            credit = np.zeros(count, dtype=np.float32)
            for term in members:
                if term in postings:
                    ids = postings[term][0]
                    credit[ids] = np.maximum(credit[ids], min(query[term] / query[base], 1.0))
            covered += importance * credit
        scores[~self._alive] = 0
        candidates = np.flatnonzero(scores)
        if candidates.size > limit:
            candidates = candidates[np.argpartition(-scores[candidates], limit)[:limit]]
        ranked = candidates[np.argsort(-scores[candidates], kind="stable")].tolist()
        chosen = set(ranked)
        ranked += [p for key in also if (p := self._position.get(key)) is not None and p not in chosen]
        return [Hit(int(p), float(scores[p]), float(covered[p]) / total if total else 0.0) for p in ranked]

    def terms_present(self, positions: list[int], terms: list[str]) -> dict[int, list[str]]:
        """For each document position, which of `terms` it contains (in the order of `terms`)."""
        present: dict[int, list[str]] = {position: [] for position in positions}
        wanted = np.array(positions, dtype=np.int32)
        for term in terms:
            term_id = self.vocabulary.get(term)
            if term_id is None or not positions:
                continue
            ids = self._postings(term_id)[0]
            # a handful of positions against one posting list: a broadcast compare beats np.isin's sort
            found = (ids[:, None] == wanted).any(axis=0) if len(wanted) <= 16 else np.isin(wanted, ids)
            for position in wanted[found]:
                present[int(position)].append(term)
        return present

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
