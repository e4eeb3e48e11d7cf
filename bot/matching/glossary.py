"""Vocabulary knowledge: a foreign public-service word -> English stems, and English synonym groups."""

from __future__ import annotations

from functools import lru_cache

from bot.matching.language import DATA, stemmer, stop_words, words


@lru_cache(maxsize=1)
def glossary() -> dict[str, dict[str, frozenset[str]]]:
    """Per language, foreign stem -> English stems, from data/glossary.tsv."""
    rows = [
        line.split("\t")
        for line in (DATA / "glossary.tsv").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    header, *entries = rows
    english_stem = stemmer("en")
    english_stops = stop_words()["en"]
    table: dict[str, dict[str, set[str]]] = {code: {} for code in header[1:]}
    for cells in entries:
        english = frozenset(english_stem(word) for word in words(cells[0]) if word not in english_stops)
        for code, cell in zip(header[1:], cells[1:], strict=False):
            stem = stemmer(code)
            stops = stop_words().get(code, frozenset())
            for alternative in cell.split("/"):
                for word in words(alternative):
                    if len(word) > 1 and word not in stops:
                        table[code].setdefault(stem(word), set()).update(english)
    return {code: {key: frozenset(value) for key, value in mapping.items()} for code, mapping in table.items()}


def translate(stem: str, language: str) -> frozenset[str]:
    """English stems for a stem of `language`; empty when the glossary does not know it."""
    return glossary().get(language, {}).get(stem, frozenset())


Phrase = tuple[str, ...]


@lru_cache(maxsize=1)
def synonym_groups() -> list[list[Phrase]]:
    """English synonym groups from data/synonyms.txt, each member a phrase of stems."""
    english_stem = stemmer("en")
    english_stops = stop_words()["en"]
    groups = []
    for line in (DATA / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        members = []
        for phrase in line.split(","):
            stems = tuple(english_stem(word) for word in words(phrase) if word not in english_stops)
            if stems:
                members.append(stems)
        groups.append(members)
    return groups


def synonyms(present: set[str]) -> dict[str, tuple[Phrase, float]]:
    """Stems to add for a query whose stems are `present`: stem -> (the phrase that brought it in, share).

    A word of a several-word synonym counts for its share of the phrase ("car park": half each).
    """
    added: dict[str, tuple[Phrase, float]] = {}
    for group in synonym_groups():
        triggers = [phrase for phrase in group if set(phrase) <= present]
        if not triggers:
            continue
        for phrase in group:
            for stem in phrase:
                share = 1 / len(phrase)
                if stem not in present and share > added.get(stem, ((), 0.0))[1]:
                    added[stem] = (triggers[0], share)
    return added
