"""Both meaning models at once: the English one where both texts are English, the multilingual one otherwise.

all-MiniLM-L6-v2 ranks English against English better than multilingual-e5-small (civic-dev recall@1 0.96
against 0.90), and e5 is the only one that understands the other languages. A document's vector carries
both models' vectors, laid out so that one dot product with a query's vector gives the right model's
cosine, already on the thresholds' scale:

    document = [E·m,  u, 1,  (1-E)·u, (1-E)]      E = 1 for an English document, else 0
    English query     = [m', 0, 0,  b·u', a - b·μ]   → E·cos_m + (1-E)·calibrated cos_u
    other-language query = [0, b·u', a - b·μ,  0, 0]    → calibrated cos_u

(m, m': MiniLM vectors; u, u': e5 vectors; a + b·(c - μ) is e5's calibration onto MiniLM's scale.) So the
stored vectors, `Meanings` and the database need nothing new. Switched on by setting both
`MATCH_MODEL_DIR` and `MATCH_MULTILINGUAL=true`.
"""

from __future__ import annotations

import numpy as np

from bot.matching.language import guess_language, words
from bot.matching.meaning import Encoder
from bot.matching.multilingual import MultilingualEncoder


class FusedEncoder:
    """A `SentenceEncoder` over an English `Encoder` and a `MultilingualEncoder` (every language)."""

    language: str | None = None

    def __init__(self, english: Encoder, multilingual: MultilingualEncoder) -> None:
        self.english, self.multilingual = english, multilingual
        self.width = english.dimensions
        self.dimensions = english.dimensions + 2 * (multilingual.dimensions + 1)
        self.name = f"fused:{english.name}+{multilingual.name}"
        self._others = False  # whether any document stored is not English (then English queries need e5 too)

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """Documents' vectors (the layout in the module's docstring)."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return self.combine(texts, self.english.encode(texts, batch), self.multilingual.encode(texts, batch))

    def combine(self, texts: list[str], minilm: np.ndarray, e5: np.ndarray) -> np.ndarray:
        """Documents' vectors from each model's vectors of the same `texts`."""
        english = np.array([[guess_language(words(text)) == "en"] for text in texts], dtype=np.float32)
        ones = np.ones((len(texts), 1), dtype=np.float32)
        return np.hstack([english * minilm, e5, ones, (1 - english) * e5, 1 - english]).astype(np.float32)

    def noted(self, vectors: np.ndarray) -> None:
        """`Meanings` shows every document vector it keeps (computed or read from the database)."""
        self._others = self._others or bool((vectors[:, -1] > 0.5).any())

    def encode_query(self, text: str, language: str) -> np.ndarray:
        """A query's vector: its dot product with a document's is their calibrated closeness. An English query
        skips e5 while every document is English (a third of its time: the English pairs need MiniLM only)."""
        nothing = np.zeros(self.multilingual.dimensions + 1, dtype=np.float32)
        if language != "en":
            return np.hstack([np.zeros(self.width, dtype=np.float32), self._calibrated(text), nothing])
        e5 = self._calibrated(text) if self._others else nothing
        return np.hstack([self.english.encode([text])[0], nothing, e5]).astype(np.float32)

    def _calibrated(self, text: str) -> np.ndarray:
        """e5's vector of `text`, scaled and followed by the offset that make its dot products calibrated."""
        calibration = self.multilingual.calibration
        scale = calibration.spread_to / calibration.spread_from
        offset = calibration.mean_to - scale * calibration.mean_from
        return np.hstack([scale * self.multilingual.encode([text])[0], [offset]]).astype(np.float32)
