"""The duplicate finder: ranks past projects, ideas and challenges against a new text, and says why.

Pipeline for one query:
1. words -> language guess -> stems without function words (title words count double);
2. non-English stems are translated with the glossary, and stems the index has never seen are
   matched to close index terms with rapidfuzz (cognates and typos: "inteligencia" ~ "intellig");
3. BM25F over titles and descriptions picks candidates;
4. each candidate gets a 0-100 score from how much of the query it covers and how alike the
   titles are, a verdict from configurable thresholds, and the words that matched as its reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.matching.glossary import synonyms, translate
from bot.matching.index import Bm25Index, Hit
from bot.matching.language import content_words, guess_language, stemmer, terms, words

DUPLICATE = "duplicate"
RELATED = "related"
CANDIDATES = 50
FUZZY_CUTOFF = 80.0
TRANSLATION_WEIGHT = 0.9
SYNONYM_WEIGHT = 0.6


@dataclass(frozen=True)
class Thresholds:
    """Scores at or above `duplicate` are "very likely the same thing"; at or above `related`, "worth a look"."""

    duplicate: int = 60
    related: int = 50


@dataclass(frozen=True)
class Document:
    """Something to match against: a past project, an idea or a challenge."""

    key: str
    title: str
    description: str = ""
    language: str | None = None


@dataclass(frozen=True)
class Match:
    key: str
    score: int
    verdict: str | None
    reason: str
    rank_score: float  # what the ranking used; comparable only within one query


class Matcher:
    """An in-memory index of documents and the rules that score them against a query."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.index = Bm25Index()
        self._titles: dict[str, str] = {}
        self._surface: dict[str, str] = {}
        self._buckets: dict[str, list[str]] | None = None

    # --- keeping the index ----------------------------------------------------------------------

    def build(self, documents: Iterable[Document]) -> None:
        """Replace everything with `documents` (one pass; the fast way to load a registry)."""
        self._titles.clear()
        self._buckets = None
        self.index.build(self._analysed(document) for document in documents)

    def upsert(self, document: Document) -> None:
        """Add a document, or replace the one with the same key."""
        key, title, body = self._analysed(document)
        self.index.add(key, title, body)
        self._buckets = None

    def remove(self, key: str) -> None:
        self.index.remove(key)
        self._titles.pop(key, None)

    def __len__(self) -> int:
        return len(self.index)

    def _analysed(self, document: Document) -> tuple[str, list[str], list[str]]:
        title_words, body_words = words(document.title), words(document.description)
        language = document.language or guess_language(title_words + body_words)
        self._titles[document.key] = " ".join(title_words)
        return document.key, self._stems(title_words, language), self._stems(body_words, language)

    def _stems(self, tokens: list[str], language: str) -> list[str]:
        """Stems of the content words, remembering one readable word per stem for reasons."""
        stem = stemmer(language)
        stems = []
        surface = self._surface
        for word in content_words(tokens, language):
            stemmed = stem(word)
            stems.append(stemmed)
            if stemmed not in surface and len(surface) < 300_000:
                surface[stemmed] = word
        return stems

    # --- querying -------------------------------------------------------------------------------

    def query(self, title: str, description: str = "", *, limit: int = 5, language: str | None = None) -> list[Match]:
        """The best `limit` matches, best first."""
        weights, notes = self.query_terms(title, description, language)
        hits = self.index.search(weights, max(CANDIDATES, limit))
        folded_title = " ".join(words(title))
        best = hits[0].bm25 if hits else 1.0
        scored = [self._score(hit, best, weights, folded_title, notes) for hit in hits]
        scored.sort(key=lambda match: (match.score, match.rank_score), reverse=True)
        return scored[:limit]

    def query_terms(
        self, title: str, description: str = "", language: str | None = None
    ) -> tuple[dict[str, float], dict[str, str]]:
        """Weighted index terms for a query, and notes on where added terms came from (term -> note)."""
        language = language or guess_language(words(f"{title} {description}"))
        weights: dict[str, float] = defaultdict(float)
        for term in terms(title, language):
            weights[term] += 1.0
        for term in terms(description, language):
            weights[term] += 0.5
        notes: dict[str, str] = {}
        if language != "en":
            for term, weight in list(weights.items()):
                for english in translate(term, language):
                    if weights.get(english, 0) < weight * TRANSLATION_WEIGHT:
                        weights[english] = weight * TRANSLATION_WEIGHT
                        notes[english] = f"“{self._surface.get(term, term)}”"
        for added, trigger in synonyms(set(weights)).items():
            boost = SYNONYM_WEIGHT * min(weights[stem] for stem in trigger)
            if weights.get(added, 0) < boost:
                weights[added] = boost
                notes[added] = "≈ " + " ".join(self._surface.get(stem, stem) for stem in trigger)
        for term, weight in list(weights.items()):
            if term in self.index.vocabulary or len(term) < 5:
                continue
            for similar, similarity, _ in self._similar_terms(term):
                boost = weight * (similarity / 100) ** 2
                if weights.get(similar, 0) < boost:
                    weights[similar] = boost
                    if similar[:4] != term[:4]:
                        notes[similar] = f"≈ {term}"
        return dict(weights), notes

    def _similar_terms(self, term: str) -> list[tuple[str, float, int]]:
        if self._buckets is None:
            buckets: dict[str, list[str]] = defaultdict(list)
            for known in self.index.vocabulary:
                buckets[known[:1]].append(known)
            self._buckets = dict(buckets)
        candidates = self._buckets.get(term[:1], [])
        return process.extract(term, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=2)

    def _score(
        self, hit: Hit, best: float, weights: dict[str, float], folded_title: str, notes: dict[str, str]
    ) -> Match:
        """0-100: how much of the query the candidate covers and how alike the titles are, scaled by how
        close the candidate comes to the query's best BM25 candidate. Matches are ranked by this score."""
        key = self.index.keys[hit.position]
        title_similarity = fuzz.token_set_ratio(folded_title, self._titles.get(key, "")) / 100
        relative = hit.bm25 / best if best else 0.0
        raw = (0.7 * hit.coverage + 0.3 * title_similarity) * relative
        score = round(100 * min(raw, 1.0) ** 0.5)
        verdict = (
            DUPLICATE if score >= self.thresholds.duplicate else RELATED if score >= self.thresholds.related else None
        )
        return Match(
            key=key,
            score=score,
            verdict=verdict,
            reason=self._reason(hit.position, weights, notes),
            rank_score=relative + 0.3 * title_similarity,
        )

    def _reason(self, position: int, weights: dict[str, float], notes: dict[str, str]) -> str:
        """The matched words, most telling first: "both mention: pedestrian, crossing"."""
        shared = [term for term in weights if self.index.contains_term(position, term)]
        shared.sort(key=lambda term: weights[term] * self.index.idf(term), reverse=True)
        shown = []
        for term in shared[:5]:
            word = self._surface.get(term, term)
            shown.append(f"{word} ({notes[term]})" if term in notes else word)
        return "both mention: " + ", ".join(shown) if shown else "similar wording"
