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
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents: "Inteligência" -> "inteligencia", "ß" -> "ss"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The folded words of `text`; apostrophes join ("camera's" -> "cameras"), other punctuation splits."""
    return _WORD.findall(fold(text).replace("'", "").replace("’", ""))


@lru_cache(maxsize=1)
def stop_words() -> dict[str, frozenset[str]]:
    """Function words per language, from data/stopwords.txt."""
    lists: dict[str, frozenset[str]] = {}
    for line in (DATA / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, _, listed = line.partition(":")
            lists[code.strip()] = frozenset(words(listed))
    return lists


def guess_language(tokens: list[str], default: str = "en") -> str:
    """The language whose function words are most frequent in `tokens` (English on a tie or none)."""
    if not tokens:
        return default
    lists = stop_words()
    counts = {code: sum(token in lists[code] for token in tokens) for code in LANGUAGES}
    best = max(LANGUAGES, key=lambda code: (counts[code], code == default))
    return best if counts[best] > counts.get(default, 0) else default


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


def terms(text: str, language: str) -> list[str]:
    """Content-bearing stems of `text` in `language`: no function words, no single characters."""
    stops = stop_words().get(language, frozenset()) | stop_words()["en"]
    stem = stemmer(language)
    return [stem(word) for word in words(text) if len(word) > 1 and word not in stops]
