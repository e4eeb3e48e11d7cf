"""How alike texts are spelled: cosine similarity of their character 4-gram profiles.

Words are padded with a space and cut into every run of four characters ("print" -> " pri", "prin",
"rint", "int "), so texts that share word parts score even where whole words differ: compounds
written as one word ("fileproperties"), inflections the stemmer misses, cognates ("inteligencia",
"intelligence"). Counts are dampened (1 + log n) and each profile has length 1. Grams are hashed to
40 bits, computed for a whole batch of texts at once with numpy.
"""

from __future__ import annotations

import numpy as np

_SPACE = 32
_BITS = 40
_MASK = np.uint64((1 << _BITS) - 1)
_MIX = [np.uint64(m) for m in (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F)]


def similarities(query: str, texts: list[str]) -> np.ndarray:
    """Cosine similarity (0-1) of `query`'s profile with each text's, in the order of `texts`."""
    query_grams, _, query_weights = _profiles([query])
    grams, owner, weights = _profiles(texts)
    if not len(query_grams) or not len(grams):
        return np.zeros(len(texts))
    slot = np.minimum(np.searchsorted(query_grams, grams), len(query_grams) - 1)
    shared = query_grams[slot] == grams
    return np.bincount(owner[shared], weights[shared] * query_weights[slot[shared]], minlength=len(texts))


def _profiles(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every text's distinct grams (sorted within a text), the text each belongs to, and its weight."""
    grams, owner = _grams(texts)
    keys, counts = np.unique(owner.astype(np.uint64) << np.uint64(_BITS) | grams, return_counts=True)
    owner = (keys >> np.uint64(_BITS)).astype(np.int64)
    weights = 1 + np.log(counts)
    length = np.sqrt(np.bincount(owner, weights * weights, minlength=len(texts)))
    return keys & _MASK, owner, weights / np.maximum(length[owner], 1e-12)


def _grams(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hashed 4-grams of the space-padded words of every text, and the text each came from."""
    joined = " " + "  ".join(texts) + " "
    chars = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(chars) < 4:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    hashed = chars[:-3] * _MIX[0] ^ chars[1:-2] * _MIX[1] ^ chars[2:-1] * _MIX[2] ^ chars[3:] * _MIX[3]
    within_word = (chars[1:-2] != _SPACE) & (chars[2:-1] != _SPACE)
    starts = np.cumsum([0] + [len(text) + 2 for text in texts[:-1]])
    owner = np.searchsorted(starts, np.arange(len(hashed)), side="right") - 1
    return hashed[within_word] & _MASK, owner[within_word]
