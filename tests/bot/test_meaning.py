"""The optional meaning stage: a numpy MiniLM that gives sentence-transformers' vectors, and what it
changes in the ranking. Needs the model (`python main.py fetch-model`; CI fetches it) and the
`meaning` extra; without them these tests are skipped with the reason."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from bot.config import ConfigError, match_settings
from bot.matching.matcher import Document, Matcher, Thresholds

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("MATCH_MODEL_DIR") or ROOT / "models" / "all-MiniLM-L6-v2")
REFERENCE = json.loads((ROOT / "tests" / "data" / "meaning-reference.json").read_text(encoding="utf-8"))

pytest.importorskip("tokenizers", reason='the meaning extra is not installed: pip install -e ".[meaning]"')
pytest.importorskip("safetensors", reason='the meaning extra is not installed: pip install -e ".[meaning]"')
if not (MODEL / "model.safetensors").is_file():
    pytest.skip(f"no model in {MODEL}: run python main.py fetch-model", allow_module_level=True)

from bot.matching.meaning import Encoder, Meanings, embed_all  # noqa: E402

REGISTRY = [
    Document(
        "parking-bot", "Parking chatbot", "A virtual assistant answers residents' questions about parking permits."
    ),
    Document("waste", "Sensors in waste containers", "Fill-level sensors tell the city when to empty containers."),
    Document("bins", "Bins that report when they are full", "Rubbish bins in the park send a message to the cleaners."),
    Document("crossing", "Smart pedestrian crossing", "Traffic lights stay green longer for elderly pedestrians."),
]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder(MODEL)


def with_meaning(encoder: Encoder) -> Matcher:
    matcher = Matcher(meanings=Meanings(encoder))
    matcher.build(REGISTRY)
    embed_all(matcher.meanings)
    return matcher


def test_vectors_are_the_ones_sentence_transformers_computes(encoder: Encoder):
    """Reference from sentence-transformers on PyTorch (tests/data/meaning-reference.json): the same
    numbers to 5 decimals, short, long (cut at 128 tokens) and non-English texts alike."""
    vectors = encoder.encode(REFERENCE["texts"])
    assert vectors.shape == (len(REFERENCE["texts"]), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[:, :8], REFERENCE["first_dimensions"], atol=1e-5)
    assert np.allclose(vectors @ vectors.T, REFERENCE["similarities"], atol=1e-4)


def test_a_batch_gives_each_text_the_vector_it_gets_alone(encoder: Encoder):
    texts = ["Parking chatbot", "A much longer text about sensors in waste containers and trucks", "x"]
    together = encoder.encode(texts, batch=3)
    alone = np.stack([encoder.encode([text])[0] for text in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_a_paraphrase_without_the_same_words_ranks_by_meaning(encoder: Encoder):
    lexical = Matcher()
    lexical.build(REGISTRY)
    query = "Garbage cans that tell us when to collect them"
    assert lexical.query(query)[0].key == "waste"  # "garbage" is a synonym of "waste" in the glossary
    assert with_meaning(encoder).query(query)[0].key == "bins"


def test_a_text_that_shares_no_word_is_found_by_meaning_only_if_it_earns_a_verdict(encoder: Encoder):
    query = "Online helper that explains where I can leave my car"  # no word (or synonym) in common
    lexical = Matcher()
    lexical.build(REGISTRY)
    assert lexical.query(query) == []
    assert with_meaning(encoder).query(query) == []  # the closest scores under "related" (55): not shown
    lenient = Matcher(Thresholds(duplicate=68, related=40), Meanings(encoder))
    lenient.build(REGISTRY)
    embed_all(lenient.meanings)
    found = lenient.query(query)
    assert (found[0].key, found[0].verdict, found[0].reason) == ("parking-bot", "related", "similar meaning")
    assert all(match.verdict for match in found)


def test_other_languages_are_ranked_without_meaning(encoder: Encoder):
    """The model is English; a Portuguese query gets exactly the lexical ranking and scores."""
    lexical = Matcher()
    lexical.build(REGISTRY)
    query = "Sensores nos contentores do lixo"
    assert with_meaning(encoder).query(query) == lexical.query(query)


def test_meaning_is_used_only_once_every_candidate_has_a_vector(encoder: Encoder):
    meanings = Meanings(encoder)
    matcher = Matcher(meanings=meanings)
    matcher.build(REGISTRY)
    assert meanings.pending == 4 and meanings.between(meanings.vector("bins"), ["bins"]) is None
    embed_all(meanings)
    assert meanings.pending == 0 and meanings.between(meanings.vector("bins"), ["bins"]) is not None
    matcher.upsert(Document("bins", "Bins that report when they are full", "Now with a new text."))
    assert meanings.pending == 1 and meanings.between(meanings.vector("bins"), ["bins", "waste"]) is None
    matcher.remove("waste")
    assert meanings.between(meanings.vector("bins"), ["waste"]) is None


def test_a_vector_computed_for_an_old_text_is_thrown_away(encoder: Encoder):
    meanings = Meanings(encoder)
    meanings.wait("idea:1", "Parking chatbot")
    batch = meanings.waiting(10)
    meanings.wait("idea:1", "Sensors in waste containers")  # edited while the batch was encoded
    meanings.store(batch, encoder.encode([text for _, text in batch]))
    assert meanings.pending == 1
    embed_all(meanings)
    closeness = meanings.between(meanings.vector("Sensors in waste containers"), ["idea:1"])
    assert closeness is not None and closeness[0] == pytest.approx(1.0, abs=1e-3)


def test_the_model_folder_is_checked_at_start(tmp_path):
    with_model = match_settings({"MATCH_MODEL_DIR": str(MODEL)})
    assert with_model["match_model_dir"] == str(MODEL)
    assert with_model["match_duplicate_score"] == Thresholds.measured(meaning=True).duplicate == 68
    assert match_settings({})["match_duplicate_score"] == Thresholds.measured(meaning=False).duplicate == 64
    with pytest.raises(ConfigError, match=r"MATCH_MODEL_DIR .* has no config\.json"):
        match_settings({"MATCH_MODEL_DIR": str(tmp_path)})


def test_the_bot_computes_vectors_in_the_background_and_searches_with_them(fake_slack, database_url, tmp_path):
    """A bot started with MATCH_MODEL_DIR: registry loaded, vectors filled by its background worker
    (database on SQLite and PostgreSQL); `/ideas search` then ranks the paraphrase by meaning."""
    from datetime import UTC, datetime

    from bot.registry import import_projects
    from tests.conftest import start_bot

    bot = start_bot(fake_slack, database_url, match_model_dir=str(MODEL))
    try:
        path = tmp_path / "registry.csv"
        path.write_text("id,title,description\n" + "".join(f'{d.key},{d.title},"{d.description}"\n' for d in REGISTRY))
        with bot.runtime.db.session() as session:
            import_projects(session, path, now=datetime.now(UTC))
        bot.runtime.matches.load()
        meanings = bot.runtime.matches.matcher.meanings
        fake_slack.wait_for(lambda: meanings.pending == 0, timeout=30)
        bot.send.command("/ideas", "search Garbage cans that tell us when to collect them")
        text = str(fake_slack.wait_for(fake_slack.responses)[0]["blocks"])
        assert text.index("Bins that report when they are full") < text.index("Sensors in waste containers")
    finally:
        bot.stop()


def test_vectors_are_kept_in_the_database_for_restarts_and_other_processes(db, tmp_path, monkeypatch):
    """On SQLite and PostgreSQL: a second service (a restart, another process) takes the kept vectors
    and computes only the one whose text changed."""
    from datetime import UTC, datetime

    from bot.matching.service import MatchService, project_document
    from bot.registry import import_projects
    from storage import queries

    path = tmp_path / "registry.csv"
    path.write_text("id,title,description\n" + "".join(f'{d.key},{d.title},"{d.description}"\n' for d in REGISTRY))
    with db.session() as session:
        import_projects(session, path, now=datetime.now(UTC))
    first = MatchService(db, model_dir=str(MODEL))
    assert first.load() == 4
    assert first.embed_waiting(limit=None) == 4

    second = MatchService(db, model_dir=str(MODEL))
    encoded: list[str] = []
    encode = second.matcher.meanings.encoder.encode
    monkeypatch.setattr(second.matcher.meanings.encoder, "encode", lambda texts: encoded.extend(texts) or encode(texts))
    second.load()
    with db.session() as session:
        [bins] = [p for p in queries.projects(session) if p.external_id == "bins"]
        bins.summary = "Bins in the park tell the cleaning team when they are full."
        session.add(bins)
    second.upsert(project_document(bins))
    assert second.embed_waiting(limit=None) == 4
    assert encoded == [
        "Bins that report when they are full. Bins in the park tell the cleaning team when they are full."
    ]
    assert second.find("Garbage cans that tell us when to collect them")[0].external_id == "bins"
