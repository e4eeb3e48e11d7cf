"""The duplicate finder: ranks past projects, ideas and challenges against a new text, and says why.

Pipeline for one query:
1. words -> language guess -> stems without function words (title words count double);
2. non-English stems are translated with the glossary, and stems the index has never seen are
   matched to close index terms with rapidfuzz (cognates and typos: "inteligencia" ~ "intellig");
3. BM25F over titles and descriptions picks candidates;
4. each candidate's strength is its BM25 score and how alike its spelling is (character 4-grams of the
   title and the description's opening), each relative to the best candidate's, and, with the optional
   meaning stage and an English query, how close the two texts' sentence vectors are;
5. each candidate gets a 0-100 score from its strength, how much of the query it covers and how
   alike the titles are, a verdict from configurable thresholds, and the words that matched as its reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from rapidfuzz import fuzz, process

from bot.matching.glossary import synonyms, translate
from bot.matching.index import Bm25Index, Hit
from bot.matching.language import as_written, content_words, fold, guess_language, stemmer, words
from bot.matching.meaning import Meanings
from bot.matching.spelling import similarities

DUPLICATE = "duplicate"
RELATED = "related"
CANDIDATES = 50
FUZZY_CUTOFF = 80.0
TRANSLATION_WEIGHT = 0.9
SYNONYM_WEIGHT = 0.6
OPENING = 200  # characters of a description that go into its spelling profile
MEANT = 0.5  # closeness (the English model's cosine scale) from which a match is said to be "similar meaning"
NEAREST = 10  # with the meaning stage, candidates found by their vector alone (they may share no word)


@dataclass(frozen=True)
class Thresholds:
    """Scores at or above `duplicate` are "very likely the same thing"; at or above `related`, "worth a look"."""

    duplicate: int = 64
    related: int = 55

    @classmethod
    def measured(cls, *, meaning: bool) -> Thresholds:
        """The defaults chosen on civic-dev (bench/RESULTS.md): scores run higher with the meaning stage."""
        return cls(duplicate=68 if meaning else 64, related=55)


@dataclass(frozen=True)
class Document:
    """Something to match against: a past project, an idea or a challenge."""

    key: str
    title: str
    description: str = ""
    language: str | None = None


@dataclass
class QueryTerms:
    """What a query looks up: term weights, the typed term each stands for, and the person's own words."""

    weights: dict[str, float] = field(default_factory=dict)
    base: dict[str, str] = field(default_factory=dict)
    surface: dict[str, str] = field(default_factory=dict)  # typed term -> the word as the person wrote it

    def add(self, term: str, weight: float, source: str) -> None:
        """Add `term` standing for `source`'s typed word, unless it is already weighed higher."""
        if self.weights.get(term, 0.0) >= weight:
            return
        self.weights[term] = weight
        if self.base.get(term) != term:  # a typed word stays its own base
            self.base[term] = self.base.get(source, source)

    def groups(self) -> dict[str, list[str]]:
        """Typed term -> every term that stands for it (itself first)."""
        grouped: dict[str, list[str]] = {}
        for term, base in self.base.items():
            grouped.setdefault(base, [])
            if term == base:
                grouped[base].insert(0, term)
            else:
                grouped[base].append(term)
        return grouped


@dataclass(frozen=True)
class Match:
    key: str
    score: int
    verdict: str | None
    reason: str
    rank_score: float  # what the ranking used; comparable only within one query


class Matcher:
    """An in-memory index of documents and the rules that score them against a query."""

    def __init__(self, thresholds: Thresholds | None = None, meanings: Meanings | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.meanings = meanings
        self.index = Bm25Index()
        self._texts: dict[str, str] = {}  # key -> folded "title\nopening" (one string: 100,000 of them)
        self._surface: dict[str, str] = {}
        self._buckets: dict[str, list[str]] | None = None

    # --- keeping the index ----------------------------------------------------------------------

    def build(self, documents: Iterable[Document]) -> None:
        """Replace everything with `documents` (one pass; the fast way to load a registry)."""
        self._texts.clear()
        self._buckets = None
        if self.meanings:
            self.meanings.clear()
        self.index.build(self._analysed(document) for document in documents)

    def upsert(self, document: Document) -> None:
        """Add a document, or replace the one with the same key."""
        key, title, body = self._analysed(document)
        self.index.add(key, title, body)
        self._buckets = None

    def remove(self, key: str) -> None:
        self.index.remove(key)
        self._texts.pop(key, None)
        if self.meanings:
            self.meanings.forget(key)

    def __len__(self) -> int:
        return len(self.index)

    def _analysed(self, document: Document) -> tuple[str, list[str], list[str]]:
        title_words, body_words = words(document.title), words(document.description)
        language = document.language or guess_language(title_words + body_words)
        self._texts[document.key] = f"{' '.join(title_words)}\n{' '.join(body_words)[:OPENING]}"
        if self.meanings:
            self.meanings.wait(document.key, _meant(document.title, document.description))
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
        title_words, body_words = words(title), words(description)
        language = language or guess_language(title_words + body_words)
        query = self.query_terms(title, description, language)
        vector, nearest = None, []
        if self.meanings and self.meanings.understands(language):
            vector = self.meanings.vector(_meant(title, description), language)
            nearest = self.meanings.nearest(vector, NEAREST)
        hits = self.index.search(query.weights, max(CANDIDATES, limit), query.groups(), also=nearest)
        meant = None
        if self.meanings and vector is not None:
            meant = self.meanings.between(vector, [self.index.keys[hit.position] for hit in hits])
        if meant is None:  # no meaning for this query: only what words found
            hits = [hit for hit in hits if hit.bm25 > 0]
        folded_title = " ".join(title_words)
        strengths = self._strengths(hits, folded_title, " ".join(body_words)[:OPENING])
        closeness: list[float | None] = [None] * len(hits)
        if meant is not None:
            strengths = _fused(np.array(strengths), _spread(meant))
            closeness = np.maximum(meant, 0.0).tolist()
        scored = sorted(
            (
                (match, hit.position)
                for hit, strength, close in zip(hits, strengths, closeness, strict=True)
                if (match := self._score(hit, strength, folded_title, close)).verdict or hit.bm25 > 0
            ),  # a candidate that shares no word at all is shown only if its meaning earns a verdict
            key=lambda pair: (pair[0].score, pair[0].rank_score),
            reverse=True,
        )[:limit]
        present = self.index.terms_present([position for _, position in scored], list(query.weights))
        close_by = dict(zip((hit.position for hit in hits), closeness, strict=True))
        return [
            replace(
                match,
                reason=self._reason(
                    present[position], query, meant=meant is not None, close=(close_by[position] or 0) >= MEANT
                ),
            )
            for match, position in scored
        ]

    def query_terms(self, title: str, description: str = "", language: str | None = None) -> QueryTerms:
        """The weighted terms to look up for a query: its own stems, then translations, synonyms and
        close index terms, each remembering which typed word it stands for."""
        title_words, body_words = words(title), words(description)
        language = language or guess_language(title_words + body_words)
        stem = stemmer(language)
        written = as_written(f"{title}\n{description}")
        query = QueryTerms()
        for tokens, weight in ((title_words, 1.0), (body_words, 0.5)):
            for word in content_words(tokens, language):
                term = stem(word)
                query.weights[term] = query.weights.get(term, 0.0) + weight
                query.base.setdefault(term, term)
                query.surface.setdefault(term, written.get(word, word))
        if language != "en":
            for term, weight in list(query.weights.items()):
                for english in translate(term, language):
                    query.add(english, weight * TRANSLATION_WEIGHT, term)
        for added, (trigger, share) in synonyms(set(query.weights)).items():
            weight = SYNONYM_WEIGHT * share * min(query.weights[stem] for stem in trigger)
            query.add(added, weight, trigger[0])
        for term, weight in list(query.weights.items()):
            if term in self.index.vocabulary or len(term) < 5:
                continue
            for similar, similarity, _ in self._similar_terms(term):
                query.add(similar, weight * (similarity / 100) ** 2, term)
        return query

    def _similar_terms(self, term: str) -> list[tuple[str, float, int]]:
        if self._buckets is None:
            buckets: dict[str, list[str]] = defaultdict(list)
            for known in self.index.vocabulary:
                buckets[known[:1]].append(known)
            self._buckets = dict(buckets)
        candidates = self._buckets.get(term[:1], [])
        return process.extract(term, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=2)

    def _title_and_opening(self, key: str) -> tuple[str, str]:
        title, _, opening = self._texts.get(key, "").partition("\n")
        return title, opening

    def _strengths(self, hits: list[Hit], title: str, opening: str) -> list[float]:
        """How close each candidate comes to the best one (0-1): its BM25 score and how alike its title
        and opening are spelled to the query's, each relative to the best candidate's, weighing the same."""
        if not hits:
            return []
        bm25 = np.array([hit.bm25 for hit in hits])
        keys = [self.index.keys[hit.position] for hit in hits]
        alike = similarities(_spelled(title, opening), [_spelled(*self._title_and_opening(key)) for key in keys])
        return _fused(bm25 / bm25.max() if bm25.max() > 0 else bm25, alike / alike.max() if alike.max() > 0 else alike)

    def _score(self, hit: Hit, strength: float, folded_title: str, closeness: float | None = None) -> Match:
        """0-100: how much the texts agree (how much of the query the candidate covers, how alike the
        titles are and, with the meaning stage, how close their sentence vectors are, for half), scaled by
        the candidate's strength next to the query's best candidate. Matches are ranked by this score."""
        key = self.index.keys[hit.position]
        title_similarity = fuzz.token_set_ratio(folded_title, self._title_and_opening(key)[0]) / 100
        agreement = 0.7 * hit.coverage + 0.3 * title_similarity
        if closeness is not None:
            agreement = (agreement + closeness) / 2
        raw = agreement * strength
        score = round(100 * min(raw, 1.0) ** 0.5)
        verdict = (
            DUPLICATE if score >= self.thresholds.duplicate else RELATED if score >= self.thresholds.related else None
        )
        return Match(
            key=key,
            score=score,
            verdict=verdict,
            reason="",
            rank_score=strength + 0.3 * title_similarity,
        )

    def _reason(self, shared: list[str], query: QueryTerms, *, meant: bool = False, close: bool = False) -> str:
        """The matched words, most telling first, as the person wrote them; a word matched through a translation,
        a synonym or a close spelling says what it matched: "both mention: licenças (≈ licences), parking".
        `meant`: the meaning stage ranked it (with no word shared: "similar meaning"); `close`: the texts are
        close in meaning, said first ("similar meaning; both mention: …")."""
        weights = query.weights
        shared = sorted(shared, key=lambda term: weights[term] * self.index.idf(term), reverse=True)
        matched: dict[str, str | None] = {}  # the person's word -> what it matched when not itself
        for term in shared:
            base = query.base.get(term, term)
            own = query.surface.get(base, base)
            other = self._surface.get(term, term)
            same = term == base or fold(other) == fold(own)
            if own not in matched or (same and matched[own] is not None):
                matched[own] = None if same else other
        shown = [own if other is None else f"{own} (≈ {other})" for own, other in list(matched.items())[:5]]
        words = "both mention: " + ", ".join(shown) if shown else ""
        if not words:
            return "similar meaning" if meant else "similar wording"
        return f"similar meaning; {words}" if close else words


def _spelled(title: str, opening: str) -> str:
    """The text whose spelling is compared; the title counts twice."""
    return f"{title} {title} {opening}"


def _meant(title: str, description: str) -> str:
    """The text a sentence vector is computed from."""
    return f"{title}. {description}" if description else title


def _fused(*signals: np.ndarray) -> list[float]:
    """Signals (each 0-1, best candidate 1) added with the same weight, then scaled so the best is 1."""
    total = np.sum(signals, axis=0)
    return (total / total.max()).tolist() if total.max() > 0 else total.tolist()


def _spread(similarity: np.ndarray) -> np.ndarray:
    """Cosine similarities rescaled to 0-1 among the candidates (they bunch together otherwise)."""
    low, high = similarity.min(), similarity.max()
    return (similarity - low) / (high - low) if high > low else np.ones_like(similarity)
