"""Loading the labelled sets in ../shared/data and growing the registry for speed runs."""

from __future__ import annotations

import csv
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

from bot.matching.matcher import Document

DATA = Path(os.environ.get("BENCH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
REGISTRY = Path(os.environ.get("BENCH_REGISTRY", DATA / "registry" / "ips-explorer-cases.csv"))


def need(path: Path) -> Path:
    """`path`, or a clear stop when the data sets beside the checkout are not there."""
    if not path.exists():
        raise SystemExit(
            f"{path} is missing. The benchmarks read the labelled sets and the 853-case registry in "
            "../shared/data beside the checkout, which a fresh clone does not have: set BENCH_DATA to a "
            "folder holding them (or BENCH_REGISTRY to a registry CSV). The tests need none of it."
        )
    return path


@dataclass(frozen=True)
class Query:
    id: str
    title: str
    description: str
    duplicate_of: tuple[str, ...]
    language: str = "en"


@dataclass(frozen=True)
class LabelledSet:
    name: str
    corpus: list[Document]
    queries: list[Query]


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def openoffice() -> LabelledSet:
    folder = need(DATA / "dedup" / "openoffice")
    corpus = [
        Document(str(r["id"]), r["title"], r.get("description", ""), "en") for r in _jsonl(folder / "corpus.jsonl")
    ]
    queries = [
        Query(str(r["id"]), r["title"], r.get("description", ""), tuple(map(str, r["duplicate_of"])))
        for r in _jsonl(folder / "queries.jsonl")
    ]
    return LabelledSet("openoffice", corpus, queries)


def registry_documents() -> list[Document]:
    with need(REGISTRY).open(newline="", encoding="utf-8") as handle:
        return [Document(row["id"], row["name"], row["description"]) for row in csv.DictReader(handle)]


def civic_dev() -> LabelledSet:
    queries = [
        Query(r["id"], r["title"], r.get("description", ""), tuple(map(str, r["duplicate_of"])), r["language"])
        for r in _jsonl(need(DATA / "dedup" / "civic-dev.jsonl"))
    ]
    return LabelledSet("civic-dev", registry_documents(), queries)


def grown_registry(size: int, seed: int = 7) -> list[Document]:
    """The real registry, then shuffled and perturbed copies of it (dropped words, typos) up to `size`."""
    base = registry_documents()
    rng = random.Random(seed)
    documents = list(base[:size])
    copy = 0
    while len(documents) < size:
        copy += 1
        for original in rng.sample(base, len(base)):
            if len(documents) >= size:
                break
            documents.append(
                Document(
                    f"{original.key}-copy{copy}",
                    _perturb(original.title, rng),
                    _perturb(original.description, rng),
                )
            )
    return documents


def _perturb(text: str, rng: random.Random) -> str:
    words = text.split()
    out = []
    for word in words:
        roll = rng.random()
        if roll < 0.08:
            continue  # dropped
        if roll < 0.13 and len(word) > 4:
            i = rng.randrange(len(word) - 1)
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # a typo
        out.append(word)
    if len(out) > 8:
        cut = rng.randrange(len(out))
        out = out[cut:] + out[:cut]  # sentences in another order
    return " ".join(out)
