"""Public corpora as training data: label maps, partial labels, sampling, absent paths."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from arner.align import IGNORE, AlignStats, Preprocessor, bio_labels, encode_documents
from arner.config import CorpusConfig, load_config
from arner.corpora import CORPUS_LABEL_MAPS, CorpusError, corpus_path, load_corpus, load_label_map, sample_training
from arner.dataset import build_dataset
from arner.encoders.tiny import train_tiny_tokenizer

from support import CORPORA, DATA, ROOT

CONLL = "قتل O\n5 O\nمن O\nحزب B-ORG\nالله I-ORG\nفي O\nحلب B-LOC\nوزار O\nعلي B-PERS\n\nوصل O\n3 O\nإلى O\nدمشق B-LOC\n"
TRANSFER_MAP = {"LOC": "PLACE", "ORG": "UNKNOWN", "PERS": "O", "MISC": "O"}


def small_corpus(tmp_path: Path, **changes) -> CorpusConfig:
    path = tmp_path / "small.txt"
    path.write_text(CONLL, encoding="utf-8")
    return CorpusConfig(name="small", path=str(path), label_map=TRANSFER_MAP, **changes)


def test_join_reads_consecutive_sentences_together_in_file_order(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path, join=2)
    corpus.label_map = {}
    (doc,) = load_corpus(corpus, ["PERS", "LOC", "ORG", "MISC"])
    assert doc.text == "قتل 5 من حزب الله في حلب وزار علي\nوصل 3 إلى دمشق"
    assert [(doc.span_text(s), s.label) for s in doc.spans] == [
        ("حزب الله", "ORG"), ("حلب", "LOC"), ("علي", "PERS"), ("دمشق", "LOC")]
    assert doc.extra["source_id"] == doc.id  # dev/train leakage is checked per joined document


def test_split_proclitics_moves_span_starts_past_glued_proclitics_only(tmp_path: Path) -> None:
    path = tmp_path / "glued.txt"
    path.write_text("زار O\nوبريطانيا B-LOC\nولبنان B-LOC\nبالولايات B-LOC\nالمتحدة I-LOC\nوبغداد B-LOC\n\n"
                    "في O\nبريطانيا B-LOC\nو O\nبغداد B-LOC\nو O\nلبنان B-LOC\n", encoding="utf-8")
    corpus = CorpusConfig(name="glued", path=str(path), label_map=TRANSFER_MAP)
    glued, split = load_corpus(corpus, ["PLACE"]), load_corpus(replace(corpus, split_proclitics=True), ["PLACE"])
    assert [glued[0].span_text(s) for s in glued[0].spans] == ["وبريطانيا", "ولبنان", "بالولايات المتحدة", "وبغداد"]
    assert [split[0].span_text(s) for s in split[0].spans] == ["بريطانيا", "لبنان", "الولايات المتحدة", "بغداد"]
    # a name that starts with a proclitic letter keeps it: no lexicon word ``غداد`` or ``بنان``
    assert [split[1].span_text(s) for s in split[1].spans] == ["بريطانيا", "بغداد", "لبنان"]


def test_label_map_partial_labels_and_unknown_numbers(tmp_path: Path) -> None:
    docs = load_corpus(small_corpus(tmp_path, numbers_unknown=True), ["MILITIA", "PLACE", "CASUALTY"])
    first = docs[0]
    assert [(first.span_text(s), s.label) for s in first.spans] == [
        ("5", "UNKNOWN"), ("حزب الله", "UNKNOWN"), ("حلب", "PLACE")]
    assert docs[1].extra["corpus"] == "small"


def test_documents_with_listed_labels_are_skipped_and_counted(tmp_path: Path, capsys) -> None:
    corpus = small_corpus(tmp_path, skip_documents_with=["UNKNOWN"])
    docs = load_corpus(corpus, ["MILITIA", "PLACE", "CASUALTY"])
    assert [d.text for d in docs] == ["قتل 5 من حزب الله في حلب وزار علي", "وصل 3 إلى دمشق"][1:]
    assert "corpus small: 1 of 2 document(s) with UNKNOWN spans skipped" in capsys.readouterr().err
    with_numbers = small_corpus(tmp_path, numbers_unknown=True, skip_documents_with=["UNKNOWN"])
    assert load_corpus(with_numbers, ["MILITIA", "PLACE", "CASUALTY"]) == []


def test_skip_documents_with_an_unknown_label_is_a_config_error(tmp_path: Path) -> None:
    problems = CorpusConfig(name="c", path="p", skip_documents_with=["ORG"]).problems("data.corpora[0]", ["PLACE"])
    assert problems == ["data.corpora[0].skip_documents_with: 'ORG' is not one of ['PLACE', 'UNKNOWN']"]


def test_unknown_spans_are_left_out_of_the_loss(tmp_path: Path) -> None:
    docs = load_corpus(small_corpus(tmp_path, numbers_unknown=True), ["MILITIA", "PLACE", "CASUALTY"])
    labels = bio_labels()
    tokenizer = train_tiny_tokenizer([d.text for d in docs])
    stats = AlignStats()
    [window, _] = encode_documents(docs, tokenizer, {l: i for i, l in enumerate(labels)}, Preprocessor(False),
                                   max_length=64, stride=8, stats=stats)
    by_char = {r: label for r, label in zip(window.char_ranges, window.labels) if r[0] >= 0}
    text = docs[0].text
    assert by_char[(text.index("5"), text.index("5") + 1)] == IGNORE
    assert all(by_char[r] == IGNORE for r in by_char if text.index("حزب") <= r[0] < text.index("في"))
    assert by_char[(text.index("علي"), text.index("علي") + 3)] == labels.index("O")  # PERS taught as O
    assert stats.spans == 2  # only the PLACE spans count as gold


def test_a_label_missing_from_the_map_is_an_error(tmp_path: Path) -> None:
    corpus = small_corpus(tmp_path)
    corpus.label_map = {"LOC": "PLACE"}
    with pytest.raises(ValueError, match="label 'ORG' is not in the label map"):
        load_corpus(corpus, ["MILITIA", "PLACE", "CASUALTY"])


def test_absent_corpus_is_skipped_with_a_message(tmp_path: Path, capsys) -> None:
    corpus = CorpusConfig(name="gone", path=str(tmp_path / "missing.txt"), label_map=TRANSFER_MAP)
    assert load_corpus(corpus, ["PLACE"]) is None
    assert "corpus gone:" in capsys.readouterr().err


def test_seed_mixed_with_a_weighted_corpus(tmp_path: Path) -> None:
    config = load_config(ROOT / "configs" / "tiny.yaml").data
    config.seed_gold = str(DATA / "seed" / "article.spans.jsonl")
    config.gazetteers = str(DATA / "gazetteers")
    config.corpora = [small_corpus(tmp_path, weight=3.0, dev_documents=1)]
    splits = build_dataset(config).splits
    from_corpus = [d for d in splits["train"] if d.extra.get("corpus") == "small"]
    assert len(from_corpus) == 3  # 1 training document x weight 3
    assert sum(d.extra.get("corpus") == "small" for d in splits["dev"]) == 1


def test_sampling_weight_and_cap_are_deterministic() -> None:
    from arner.spans import Document

    docs = [Document(str(i), "x") for i in range(20)]
    a = sample_training(docs, CorpusConfig(weight=0.3), 5)
    assert [d.id for d in a] == [d.id for d in sample_training(docs, CorpusConfig(weight=0.3), 5)]
    assert len(a) == 6


@pytest.mark.skipif(not (CORPORA / "anercorp_camellab").exists(), reason="../shared/corpora/anercorp_camellab is absent")
def test_anercorp_config_reads_the_real_corpus() -> None:
    config = load_config(ROOT / "configs" / "anercorp.yaml")
    docs = load_corpus(config.data.corpora[0], config.data.labels)
    assert config.data.corpora[0].join == 4  # consecutive sentences joined, a line apart
    assert len(docs) == 997 and sum(d.text.count("\n") + 1 for d in docs) == 3988
    assert {s.label for d in docs for s in d.spans} == {"PERS", "LOC", "ORG", "MISC"}


def test_scored_labels_follow_the_test_corpus_map() -> None:
    from arner.dataset import scored_labels

    from arner.spans import Document, Span

    places_only = [Document("a", "في حلب", (Span(3, 6, "PLACE"),))]
    quickstart = load_config(ROOT / "configs" / "quickstart.yaml").data
    assert scored_labels(quickstart, "anercorp_test", places_only) == ["PLACE"]
    assert scored_labels(quickstart, "eval", places_only) == ["MILITIA", "PLACE", "CASUALTY"]
    own_types = [Document("a", "علي في حلب", (Span(0, 3, "PERS"), Span(7, 10, "LOC")))]
    anercorp = load_config(ROOT / "configs" / "anercorp.yaml").data
    assert scored_labels(anercorp, "anercorp_test", own_types) == ["PERS", "LOC"]


def written_corpus(tmp_path: Path) -> CorpusConfig:
    """Three writers' files; the third is the held-out dev writer."""
    lines = {
        "train-w1": ["قتل [[CASUALTY|5]] من [[MILITIA|داعش]] في [[PLACE|حلب]]", "قصف على [[PLACE|دير الزور]]"],
        "train-w2": ["وصل [[MILITIA|الحوثيون]] إلى [[PLACE|مأرب]]"],
        "dev-w3": ["أصيب [[CASUALTY|عنصران]] من [[MILITIA|قسد]] في [[PLACE|الحسكة]]"],
    }
    from arner.data import main as data_main

    for name, rows in lines.items():
        (tmp_path / f"{name}.inline.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
        assert data_main(["convert", str(tmp_path / f"{name}.inline.txt"),
                          str(tmp_path / f"{name}.spans.jsonl")]) == 0
    return CorpusConfig(name="written", path=str(tmp_path / "*.spans.jsonl"), format="jsonl",
                        dev_path=str(tmp_path / "dev-*.spans.jsonl"), variants=3)


def test_written_corpus_holds_out_whole_writers_and_substitutes_names(tmp_path: Path) -> None:
    corpus = written_corpus(tmp_path)
    config = load_config(None, ["data.eval_set=null", "data.test_corpora=[]", "data.quote_mentions=0",
                                "data.tatweel_mentions=0"]).data
    config.seed_gold, config.corpora = None, [corpus]
    splits = build_dataset(config).splits
    assert [d.id for d in splits["dev"]] == ["dev-w3-0001"]
    sources = {d.extra["source_id"] for d in splits["train"]}
    assert sources == {"train-w1-0001", "train-w1-0002", "train-w2-0001"}
    assert len(splits["train"]) > len(sources)  # originals plus substituted variants
    assert any(d.text != "قتل 5 من داعش في حلب" and d.extra["source_id"] == "train-w1-0001"
               for d in splits["train"])


def test_a_corpus_glob_matching_nothing_is_skipped(tmp_path: Path, capsys) -> None:
    corpus = CorpusConfig(name="none", path=str(tmp_path / "*.spans.jsonl"), format="jsonl")
    assert load_corpus(corpus, ["PLACE"]) is None
    assert "is absent, skipped" in capsys.readouterr().err


SOURCES = {"قتل 5 من داعش في حلب", "قصف على دير الزور", "وصل الحوثيون إلى مأرب"}
SURFACES = {"5", "داعش", "حلب", "دير الزور", "الحوثيون", "مأرب"}


def test_packed_training_documents_read_as_articles_with_their_spans(tmp_path: Path) -> None:
    corpus = written_corpus(tmp_path)
    corpus.variants, corpus.pack = 0, 2
    config = load_config(None, ["data.eval_set=null", "data.test_corpora=[]", "data.quote_mentions=0",
                                "data.tatweel_mentions=0"]).data
    config.seed_gold, config.corpora = None, [corpus]
    splits = build_dataset(config).splits
    assert [d.id for d in splits["dev"]] == ["dev-w3-0001"]  # dev stays one document a line
    assert sorted(len(d.id.split("+")) for d in splits["train"]) == [1, 2]
    (article,) = [d for d in splits["train"] if "+" in d.id]
    lines = article.text.split("\n")
    assert len(lines) == 2 and all(line in SOURCES for line in lines)
    for span in article.spans:  # every span still covers its own surface in the joined text
        assert article.span_text(span) in SURFACES


# ---------------------------------------------------------------- public benchmarks (evaluate.py --corpus)


def test_corpus_label_maps_keep_only_places() -> None:
    assert {k: v for k, v in CORPUS_LABEL_MAPS["anercorp"].items() if v} == {"LOC": "PLACE"}
    assert {k: v for k, v in CORPUS_LABEL_MAPS["aqmar"].items() if v} == {"LOC": "PLACE"}


def test_corpus_path_prefers_the_official_file(tmp_path: Path) -> None:
    rebuilt = tmp_path / "ANERCorp_CamelLab_test_RECONSTRUCTED.txt"
    rebuilt.write_text("دمشق B-LOC\n", encoding="utf-8")
    assert corpus_path("anercorp", tmp_path) == rebuilt
    official = tmp_path / "ANERCorp_CamelLab_test.txt"
    official.write_text("دمشق B-LOC\n", encoding="utf-8")
    assert corpus_path("anercorp", tmp_path) == official
    with pytest.raises(CorpusError, match="no aqmar dev file"):
        corpus_path("aqmar", tmp_path, "dev")


def test_label_map_file_is_checked(tmp_path: Path) -> None:
    good = tmp_path / "map.yaml"
    good.write_text("LOC: PLACE\nORG: MILITIA\nPERS: null\n", encoding="utf-8")
    assert load_label_map(good) == {"LOC": "PLACE", "ORG": "MILITIA", "PERS": None}
    configs_dialect = tmp_path / "o.yaml"  # a config's label_map drops with O: read the same
    configs_dialect.write_text("LOC: PLACE\nORG: MILITIA\nPERS: O\n", encoding="utf-8")
    assert load_label_map(configs_dialect) == load_label_map(good)
    bad = tmp_path / "bad.yaml"
    bad.write_text("LOC: CITY\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bad\.yaml: entry 'LOC': 'CITY' is not one of"):
        load_label_map(bad)


def test_invented_names_replace_a_share_of_a_corpus_in_place(tmp_path: Path) -> None:
    corpus = written_corpus(tmp_path)
    corpus.variants, corpus.invent_names = 0, 1.0
    config = load_config(None, ["data.eval_set=null", "data.test_corpora=[]"]).data
    config.seed_gold, config.corpora = None, [corpus]
    splits = build_dataset(config).splits
    assert len(splits["train"]) == 3  # renamed in place: no documents added
    assert [d.text for d in splits["dev"]] == ["أصيب عنصران من قسد في الحسكة"]  # dev is never renamed
    names = {d.span_text(s) for d in splits["train"] for s in d.spans if s.label != "CASUALTY"}
    assert names and not names & SURFACES  # every name invented, none from the corpus
    assert {d.span_text(s) for d in splits["train"] for s in d.spans if s.label == "CASUALTY"} == {"5"}
    assert any(d.text.startswith("قتل 5 من ") for d in splits["train"])


def test_invent_names_and_respell_must_be_shares() -> None:
    problems = CorpusConfig(name="c", path="p", invent_names=1.5, respell=-0.1).problems("data.corpora[0]",
                                                                                        ["PLACE"])
    assert problems == ["data.corpora[0].invent_names: a share in [0, 1], got 1.5",
                        "data.corpora[0].respell: a share in [0, 1], got -0.1"]


def test_respelled_training_documents_replace_their_originals_and_dev_stays_as_written(tmp_path: Path) -> None:
    corpus = written_corpus(tmp_path)
    corpus.variants, corpus.respell = 0, 1.0
    (tmp_path / "train-w2.spans.jsonl").unlink()
    config = load_config(None, ["data.eval_set=null", "data.test_corpora=[]"]).data
    config.seed_gold, config.corpora = None, [corpus]
    for seed in range(6):
        config.seed = seed
        splits = build_dataset(config).splits
        assert [d.text for d in splits["dev"]] == ["أصيب عنصران من قسد في الحسكة"]
        assert len(splits["train"]) == 2 and all(d.extra["respelled"] for d in splits["train"])
        for doc in splits["train"]:
            assert [(d.span_text(s), s.label) for d in [doc] for s in d.spans] in (
                [("5", "CASUALTY"), ("داعش", "MILITIA"), ("حلب", "PLACE")], [("دير الزور", "PLACE")])
            assert doc.text in ("قتل 5 من داعش فى حلب", "قصف علي دير الزور", "قتل 5 من داعش في حلب",
                                "قصف على دير الزور")
