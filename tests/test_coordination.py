"""Coordinated names: a glued و taken off names the tokenizer did not know."""

from __future__ import annotations

from arner.coordination import glued_conjunction, joined_names, joined_pairs, split_coordinated
from arner.spans import Span
from support import make_doc


def texts(doc, spans):
    return [(doc.text[s.start:s.end], s.label) for s in spans]


def test_a_second_village_loses_its_conjunction() -> None:
    doc = make_doc("v", "تعرضت قريتا عين شيب وقورقنيا لغارات", [("عين شيب", "PLACE"), ("وقورقنيا", "PLACE")])
    assert texts(doc, split_coordinated(doc.text, doc.spans, set())) == [("عين شيب", "PLACE"), ("قورقنيا", "PLACE")]


def test_villages_run_together_are_taken_apart() -> None:
    doc = make_doc("r", "غارات على قرى احسم ومشون وبينين", [("احسم ومشون وبينين", "PLACE")])
    out = split_coordinated(doc.text, doc.spans, set())
    assert texts(doc, out) == [("احسم", "PLACE"), ("مشون", "PLACE"), ("بينين", "PLACE")]
    assert all(s.extra == doc.spans[0].extra for s in out)


def test_group_names_with_wa_inside_stay_whole() -> None:
    doc = make_doc("g", "هاجم جيش المهاجرين والأنصار مواقع", [("جيش المهاجرين والأنصار", "MILITIA")])
    assert split_coordinated(doc.text, doc.spans, set()) == list(doc.spans)


def test_but_a_second_group_after_a_group_loses_its_conjunction() -> None:
    doc = make_doc("m", "اشتبك حراس الدين وجشضان", [("حراس الدين", "MILITIA"), ("وجشضان", "MILITIA")])
    assert texts(doc, split_coordinated(doc.text, doc.spans, set()))[1] == ("جشضان", "MILITIA")


def test_names_that_begin_with_waw_stay_whole() -> None:
    # وادي is a lexicon word: the و is its own; a name after a number or alone keeps it too
    doc = make_doc("w", "قصف حمص ووادي النصارى ثم قصف ورشفانة", [("حمص", "PLACE"), ("ووادي النصارى", "PLACE"),
                                                              ("ورشفانة", "PLACE")])
    out = split_coordinated(doc.text, doc.spans, {"وادي"})
    assert texts(doc, out) == [("حمص", "PLACE"), ("وادي النصارى", "PLACE"), ("ورشفانة", "PLACE")]
    lexicon_doc = make_doc("x", "قصف حمص واسط", [("حمص", "PLACE"), ("واسط", "PLACE")])
    assert split_coordinated(lexicon_doc.text, lexicon_doc.spans, {"واسط"}) == list(lexicon_doc.spans)


def test_a_place_after_a_militia_and_other_labels_keep_their_spans() -> None:
    doc = make_doc("l", "قتل 3 من داعش وقورقنيا", [("3", "CASUALTY"), ("داعش", "MILITIA"), ("وقورقنيا", "PLACE")])
    assert split_coordinated(doc.text, doc.spans, set()) == list(doc.spans)


def test_glued_conjunction_needs_three_letters_after_it() -> None:
    assert not glued_conjunction("حمص وحم", 4, set())
    assert glued_conjunction("حمص وحماة", 4, set())
    assert glued_conjunction("حمص وحـمـاة،", 4, set())  # tatweel is no letter, punctuation ends the word
    assert not glued_conjunction("حمص وحماة", 4, {"وحماة"})
    assert not glued_conjunction("حمص-وحماة", 4, set())  # not at a word's start


def test_a_place_glued_with_bi_to_a_long_place_span_is_a_second_place() -> None:
    doc = make_doc("b", "مرورا بجزيرة بير عياد بصرمان وسقط قتيل في إمام ويس بديالى",
                   [("جزيرة بير عياد بصرمان", "PLACE"), ("إمام ويس بديالى", "PLACE")])
    assert texts(doc, split_coordinated(doc.text, doc.spans, set())) == [
        ("جزيرة بير عياد", "PLACE"), ("صرمان", "PLACE"), ("إمام ويس", "PLACE"), ("ديالى", "PLACE")]


def test_two_word_names_and_short_or_known_bi_words_keep_their_bi() -> None:
    # two-word names often end on a word that opens with ب; three letters after it, or a
    # lexicon word, or a MILITIA span, are left as they are
    doc = make_doc("k", "في الخرطوم بحري وقاعدة تل بيدر وحي باب بيروت وجيش أنصار بدر",
                   [("الخرطوم بحري", "PLACE"), ("قاعدة تل بيدر", "PLACE"), ("حي باب بيروت", "PLACE"),
                    ("جيش أنصار بدر", "MILITIA")])
    assert split_coordinated(doc.text, doc.spans, {"بيروت"}) == list(doc.spans)


def test_a_span_that_ends_inside_the_bi_word_is_not_cut() -> None:
    text = "قتل في إمام ويس بديالى"
    span = Span(7, text.index("ب") + 1, "PLACE")  # `إمام ويس ب`
    assert split_coordinated(text, [span], set()) == [span]


def test_two_adjectives_of_one_name_are_not_two_places() -> None:
    doc = make_doc("a", "غارات على طول الحدود العراقية والسورية وفي ريف حلب الشمالي والشرقي وقريتي المليحة الغربية والشرقية",
                   [("الحدود العراقية والسورية", "PLACE"), ("ريف حلب الشمالي والشرقي", "PLACE"),
                    ("المليحة الغربية والشرقية", "PLACE")])
    assert split_coordinated(doc.text, doc.spans, set()) == list(doc.spans)


def test_a_paired_adjective_with_harakat_is_read_whole() -> None:
    doc = make_doc("h", "على طول الحدود العراقية والسّوريّة", [("الحدود العراقية والسّوريّة", "PLACE")])
    assert split_coordinated(doc.text, doc.spans, set()) == list(doc.spans)


def test_a_type_word_alone_before_a_glued_waw_is_not_cut_off() -> None:
    doc = make_doc("t", "قصف جبل وينان ومفرق ولغا", [("جبل وينان", "PLACE"), ("مفرق ولغا", "PLACE")])
    assert split_coordinated(doc.text, doc.spans, set(), lone_words={"جبل", "مفرق"}) == list(doc.spans)
    # without the type words they are cut, as two unknown villages would be
    assert texts(doc, split_coordinated(doc.text, doc.spans, set()))[:2] == [("جبل", "PLACE"), ("ينان", "PLACE")]


def test_known_names_with_a_glued_waw_or_bi_inside_stay_whole() -> None:
    doc = make_doc("j", "في محافظة سيستان وبلوشستان وعند دوار السبع بحرات وفي قرى عين شيب وقورقنيا",
                   [("سيستان وبلوشستان", "PLACE"), ("دوار السبع بحرات", "PLACE"), ("عين شيب وقورقنيا", "PLACE")])
    names = joined_names(["سيستان وبلوشستان", "دوار السبع بحرات", "حمص"])
    assert names == ["دوار السبع بحرات", "سيستان وبلوشستان"]
    assert texts(doc, split_coordinated(doc.text, doc.spans, set(), joined=joined_pairs(names))) == [
        ("سيستان وبلوشستان", "PLACE"), ("دوار السبع بحرات", "PLACE"), ("عين شيب", "PLACE"), ("قورقنيا", "PLACE")]


def test_a_joined_pair_holds_inside_a_longer_span_and_under_harakat() -> None:
    doc = make_doc("h", "اشتباكات في مخيم المية ومية", [("مخيم المية ومية", "PLACE")])
    pairs = joined_pairs(["المية ومية"])
    assert split_coordinated(doc.text, doc.spans, set(), joined=pairs) == list(doc.spans)
    marked = make_doc("m", "قصف المية وميّة", [("المية وميّة", "PLACE")])
    assert split_coordinated(marked.text, marked.spans, set(), joined=pairs) == list(marked.spans)
