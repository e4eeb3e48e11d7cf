"""Turning text into matchable terms: accents, punctuation, stop words, stemming, a guess at the language."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

import snowballstemmer

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("en", "pt", "fr", "nl", "es", "de", "it", "sl")
# Slovenian has no Snowball stemmer; Serbian's (also South Slavic, Latin script) is the closest.
_STEMMERS = {
    "en": "english",
    "pt": "portuguese",
    "fr": "french",
    "nl": "dutch",
    "es": "spanish",
    "de": "german",
    "it": "italian",
    "sl": "serbian",
}
_TOKEN = re.compile(r"[^\W_]+")
_APOSTROPHES = str.maketrans("", "", "'’")


def fold(text: str) -> str:
    """Lower case without accents: "Inteligência" -> "inteligencia", "ß" -> "ss"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=200_000)
def _fold_word(token: str) -> str:
    return fold(token)


def words(text: str) -> list[str]:
    """The folded words of `text`; apostrophes join ("camera's" -> "cameras"), other punctuation splits."""
    tokens = _TOKEN.findall(text.casefold().translate(_APOSTROPHES))
    return [token if token.isascii() else _fold_word(token) for token in tokens]


def as_written(text: str) -> dict[str, str]:
    """Each word of `text` as `words` folds it -> as the person wrote it (lower case, accents kept), so that
    reasons show "licenças", not "licencas"."""
    return {_fold_word(token): token for token in _TOKEN.findall(text.casefold().translate(_APOSTROPHES))}


@lru_cache(maxsize=1)
def stop_words() -> dict[str, frozenset[str]]:
    """Function words per language, from data/stopwords.txt."""
    lists: dict[str, frozenset[str]] = {}
    for line in (DATA / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, _, listed = line.partition(":")
            lists[code.strip()] = frozenset(words(listed))
    return lists


@lru_cache(maxsize=1)
def _languages_of_word() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for code, listed in stop_words().items():
        for word in listed:
            found.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in found.items()}


def guess_language(tokens: list[str], default: str = "en") -> str:
    """The language whose function words are most frequent in `tokens` (English on a tie or none)."""
    counts = dict.fromkeys(LANGUAGES, 0)
    languages_of = _languages_of_word()
    for token in tokens:
        for code in languages_of.get(token, ()):
            counts[code] += 1
    best = max(LANGUAGES, key=lambda code: (counts[code], code == default))
    return best if counts[best] > counts[default] else default


class Stemmer:
    """Stems words of one language, remembering what it has done (vocabularies repeat a lot)."""

    def __init__(self, language: str) -> None:
        self._stemmer = snowballstemmer.stemmer(_STEMMERS.get(language, "english"))
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            stem = self._stemmer.stemWord(word)
            if len(self._cache) < 500_000:
                self._cache[word] = stem
        return stem


@cache
def stemmer(language: str) -> Stemmer:
    return Stemmer(language)


@cache
def _stops(language: str) -> frozenset[str]:
    return stop_words().get(language, frozenset()) | stop_words()["en"]


def content_words(tokens: list[str], language: str) -> list[str]:
    """`tokens` without function words (of `language` and English) and single characters."""
    stops = _stops(language)
    return [word for word in tokens if len(word) > 1 and word not in stops]


def terms(text: str, language: str) -> list[str]:
    """Content-bearing stems of `text` in `language`."""
    stem = stemmer(language)
    return [stem(word) for word in content_words(words(text), language)]
