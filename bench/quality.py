"""Quality: recall@1, recall@5 and MRR of the matcher and two baselines; verdict precision on civic-dev.

python -m bench.quality            # prints a Markdown report
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from rapidfuzz import fuzz, process, utils

from bench.data import LabelledSet, Query, civic_dev, openoffice
from bot.matching.matcher import DUPLICATE, Matcher, Thresholds
from bot.matching.meaning import Encoder, Meanings, embed_all

OURS = "matcher (this project)"
MEANING = "matcher + optional meaning stage (all-MiniLM-L6-v2, numpy)"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
Ranker = Callable[[Query], list[tuple[str, int | None, str | None]]]  # (key, score, verdict), best first


@dataclass
class Ranking:
    recall1: float
    recall5: float
    mrr: float
    count: int


def rank_quality(queries: Sequence[Query], results: dict[str, list[str]]) -> Ranking:
    positives = [query for query in queries if query.duplicate_of]
    r1 = r5 = reciprocal = 0.0
    for query in positives:
        ranked = results[query.id][:10]
        hits = [position for position, key in enumerate(ranked) if key in query.duplicate_of]
        if hits:
            first = hits[0]
            r1 += first == 0
            r5 += first < 5
            reciprocal += 1 / (first + 1)
    n = max(len(positives), 1)
    return Ranking(r1 / n, r5 / n, reciprocal / n, len(positives))


def matcher_ranker(
    labelled: LabelledSet, thresholds: Thresholds, meanings: Meanings | None = None
) -> tuple[Ranker, float]:
    """The matcher over the set's corpus, and how long building it took (with the meaning stage: and
    computing every document's vector)."""
    matcher = Matcher(thresholds, meanings)
    started = time.perf_counter()
    matcher.build(labelled.corpus)
    if meanings:
        embed_all(meanings)
    built = time.perf_counter() - started

    def rank(query: Query) -> list[tuple[str, int | None, str | None]]:
        return [(m.key, m.score, m.verdict) for m in matcher.query(query.title, query.description, limit=10)]

    return rank, built


def token_set_ranker(labelled: LabelledSet) -> Ranker:
    titles = {document.key: utils.default_process(document.title) for document in labelled.corpus}

    def rank(query: Query) -> list[tuple[str, int | None, str | None]]:
        found = process.extract(
            utils.default_process(query.title), titles, scorer=fuzz.token_set_ratio, limit=10, processor=None
        )
        return [(key, None, None) for _, _, key in found]

    return rank


class TrigramRanker:
    """Decidim's way: PostgreSQL pg_trgm similarity() between titles, best first."""

    def __init__(self, labelled: LabelledSet, table: str = "bench_titles") -> None:
        self.connection = psycopg.connect(POSTGRES_URL, autocommit=True)
        self.table = table
        self.connection.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        self.connection.execute(f"DROP TABLE IF EXISTS {table}")
        self.connection.execute(f"CREATE TABLE {table} (key text PRIMARY KEY, title text NOT NULL)")
        with self.connection.cursor().copy(f"COPY {table} (key, title) FROM STDIN") as copy:
            for document in labelled.corpus:
                copy.write_row((document.key, document.title))
        self.connection.execute(f"CREATE INDEX ON {table} USING gin (title gin_trgm_ops)")
        self.connection.execute(f"ANALYZE {table}")

    def __call__(self, query: Query) -> list[tuple[str, int | None, str | None]]:
        rows = self.connection.execute(
            f"SELECT key FROM {self.table} ORDER BY similarity(title, %s) DESC, key LIMIT 10", (query.title,)
        ).fetchall()
        return [(row[0], None, None) for row in rows]

    def close(self) -> None:
        self.connection.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.connection.close()


def verdict_quality(queries: Sequence[Query], results: dict[str, list[tuple[str, int | None, str | None]]]) -> dict:
    """At the default thresholds: precision and recall of `duplicate`, false alarms on the negatives."""
    true_dup = false_dup = 0
    for query in queries:
        flagged = [key for key, _, verdict in results[query.id] if verdict == DUPLICATE]
        true_dup += sum(key in query.duplicate_of for key in flagged)
        false_dup += sum(key not in query.duplicate_of for key in flagged)
    positives = [query for query in queries if query.duplicate_of]
    found = sum(
        any(verdict == DUPLICATE and key in query.duplicate_of for key, _, verdict in results[query.id])
        for query in positives
    )
    negatives = [query for query in queries if not query.duplicate_of]
    alarms = sum(any(verdict == DUPLICATE for _, _, verdict in results[query.id]) for query in negatives)
    return {
        "precision": true_dup / max(true_dup + false_dup, 1),
        "recall": found / max(len(positives), 1),
        "false_alarm": alarms / max(len(negatives), 1),
        "flagged": true_dup + false_dup,
        "negatives": len(negatives),
    }


def model_dir() -> Path | None:
    """The meaning stage's model, if it and the `meaning` extra are here (MATCH_MODEL_DIR or models/)."""
    folder = Path(os.environ.get("MATCH_MODEL_DIR") or Path(__file__).resolve().parents[1] / "models/all-MiniLM-L6-v2")
    extras = all(importlib.util.find_spec(name) for name in ("tokenizers", "safetensors"))
    return folder if extras and (folder / "model.safetensors").is_file() else None


def run(thresholds: Thresholds | None = None) -> str:
    thresholds = thresholds or Thresholds.measured(meaning=False)
    with_meaning = Thresholds.measured(meaning=True)
    model = model_dir()
    encoder = Encoder(model) if model else None
    lines = ["## Quality", ""]
    if encoder is None:
        lines += ["(The optional meaning stage was not measured: no model; see README.)", ""]
    for labelled in (openoffice(), civic_dev()):
        ours, built = matcher_ranker(labelled, thresholds)
        trigram = TrigramRanker(labelled)
        rankers: dict[str, Ranker] = {OURS: ours}
        if encoder is not None:
            rankers[MEANING], embedded = matcher_ranker(labelled, with_meaning, Meanings(encoder))
        rankers |= {
            "rapidfuzz token_set_ratio, titles": token_set_ranker(labelled),
            "PostgreSQL pg_trgm similarity(), titles": trigram,
        }
        subsets = {"all": labelled.queries}
        if labelled.name == "civic-dev":
            subsets["English"] = [q for q in labelled.queries if q.language == "en"]
            subsets["other languages"] = [q for q in labelled.queries if q.language != "en"]
        lines += [
            f"### {labelled.name}: {len(labelled.corpus):,} documents, {len(labelled.queries):,} queries "
            f"(matcher index built in {built:.2f} s"
            + (f"; the meaning stage's vectors computed in {embedded:.0f} s" if encoder else "")
            + ")",
            "",
            "| method | queries | positives | recall@1 | recall@5 | MRR |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        all_results = {}
        for name, ranker in rankers.items():
            results = {query.id: ranker(query) for query in labelled.queries}
            all_results[name] = results
            keys = {query_id: [key for key, _, _ in found] for query_id, found in results.items()}
            for subset, queries in subsets.items():
                quality = rank_quality(queries, keys)
                lines.append(
                    f"| {name} | {subset} | {quality.count} | {quality.recall1:.3f} | {quality.recall5:.3f} "
                    f"| {quality.mrr:.3f} |"
                )
        trigram.close()
        if labelled.name == "civic-dev":
            lines.append("")
            for name, used in ((OURS, thresholds), (MEANING, with_meaning)):
                if name not in all_results:
                    continue
                verdicts = verdict_quality(labelled.queries, all_results[name])
                lines.append(
                    f"- {name}, verdicts at its default thresholds (duplicate ≥ {used.duplicate}, "
                    f"related ≥ {used.related}): `duplicate` precision **{verdicts['precision']:.3f}** "
                    f"({verdicts['flagged']} flagged in the top 10s), recall {verdicts['recall']:.3f} of the "
                    f"positive queries, false alarms on **{verdicts['false_alarm']:.1%}** of the "
                    f"{verdicts['negatives']} negative queries."
                )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
