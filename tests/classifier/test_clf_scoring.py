"""Scoring behaviour of a (small, session-trained) classifier: what a moderator would notice."""
import math

import pytest

from moderation.classifier import LABELS, Score, load_classifier

PROMOTION = ("Our clinic in Cancun offers regenerative cellular therapy for MS. Packages start at $16,500 "
             "including hotel. WhatsApp our patient coordinator Maria on +52 998 123 4567 for a free evaluation!")
CLINIC_QUESTION = ("Has anyone been to the stem cell clinic in Cancun? They quoted me $18,500 and the coordinator "
                   "keeps messaging me on WhatsApp to pay a deposit. It feels off. Is this legit?")
MISINFO = ("Please stop taking your DMTs. They are poison and cause the progression they claim to prevent. "
           "MS is caused by mercury fillings and a detox cures it.")
DEBUNK = ("Someone in another group claimed that MS is caused by mercury fillings. That's a myth: there is no "
          "good evidence for it. Please talk to your neuro before changing anything.")


def test_score_returns_one_result_per_post_in_order(classifier):
    texts = [PROMOTION, "", CLINIC_QUESTION]
    results = classifier.score(texts)
    assert len(results) == 3
    assert all(isinstance(r, Score) for r in results)
    for r in results:
        assert set(r.scores) == set(LABELS)
        assert all(0.0 <= p <= 1.0 and not math.isnan(p) for p in r.scores.values())
        assert set(r.flagged) <= set(LABELS)
        assert isinstance(r.hold, bool)
        assert all(isinstance(x, str) for x in r.reasons)
        assert all(set(rule) >= {"rule", "match"} for rule in r.rules)
    assert results[0].scores["clinic_promotion"] > results[2].scores["clinic_promotion"]


def test_obvious_promotion_beats_a_clinic_question(classifier):
    promo, question = classifier.score([PROMOTION, CLINIC_QUESTION])
    assert "clinic_promotion" in promo.flagged
    assert promo.scores["clinic_promotion"] > question.scores["clinic_promotion"] + 0.3
    assert "clinic_promotion" not in question.flagged
    assert any(r.startswith("rule: price mentioned ($16,500)") for r in promo.reasons)
    assert any(r["rule"] == "phone" and r["match"] == "+52 998 123 4567" for r in promo.rules)


def test_misinformation_beats_its_debunk(classifier):
    mis, deb = classifier.score([MISINFO, DEBUNK])
    assert mis.scores["misinformation"] > deb.scores["misinformation"]
    assert "misinformation" in mis.flagged


def test_driving_sentences_are_returned_for_flagged_labels(classifier):
    (promo,) = classifier.score([PROMOTION])
    assert promo.sentences, "a flagged post should point at the sentences that drove it"
    top = promo.sentences[0]
    assert set(top) >= {"text", "scores", "labels", "start", "end"}
    assert "clinic_promotion" in top["labels"]
    assert PROMOTION[top["start"]:top["end"]].startswith(top["text"][:20])
    assert set(top["scores"]) == set(LABELS)
    assert any(r.startswith("sentence (clinic_promotion") for r in promo.reasons)
    assert any(r.startswith("model: clinic_promotion") for r in promo.reasons)


@pytest.mark.parametrize("text", ["", "   \n\t ", "😀😀🙏✨", "!!! ??? ...", None])
def test_empty_and_emoji_only_posts_score_zero(classifier, text):
    (r,) = classifier.score([text])
    assert r.scores == {label: 0.0 for label in LABELS}
    assert r.flagged == [] and r.hold is False and r.sentences == []


@pytest.mark.parametrize("text", [
    "Tengo esclerosis múltiple desde hace diez años y hoy me siento muy cansada, pero sigo adelante con mi familia.",
    "Ich habe seit zehn Jahren Multiple Sklerose und heute bin ich sehr müde, aber meine Familie hilft mir.",
    "我患有多发性硬化症十年了，今天很累，但是家人一直支持我。",
    "Я болею рассеянным склерозом десять лет, сегодня очень устала.",
])
def test_non_english_posts_score_near_zero(classifier, text):
    (r,) = classifier.score([text])
    assert max(r.scores.values()) <= 0.05
    assert r.flagged == []
    assert any("does not look like English" in x for x in r.reasons)


def test_non_english_promotion_still_caught_by_rules(classifier):
    text = ("Clínica en Cancún: terapia celular regenerativa para esclerosis múltiple, paquetes desde $15,000 USD. "
            "WhatsApp +52 998 555 0192, pregunta por María.")
    (r,) = classifier.score([text])
    assert {x["rule"] for x in r.rules} >= {"price", "phone", "messaging_contact"}
    assert r.scores["clinic_promotion"] > 0.05      # not capped, because rules fired


def test_200kb_post_is_scored_in_windows(classifier):
    para = ("I have been living with relapsing MS for twelve years. Some days are harder than others and the "
            "fatigue comes and goes, but my family is wonderful and my neurologist listens. ")
    big = (para * 2000)[:200_000]
    buried = big[:150_000] + " " + PROMOTION + " " + big[150_000:]
    plain, promo = classifier.score([big, buried])
    assert any("long post scored in 16 of" in x for x in plain.reasons)
    assert promo.scores["clinic_promotion"] > plain.scores["clinic_promotion"]
    assert "clinic_promotion" in promo.flagged      # the window with the contact details is always kept
    huge = "word " * 100_000 + PROMOTION           # 500 KB: past the character cap, still no crash
    (r,) = classifier.score([huge])
    assert any("not read by the model" in x for x in r.reasons)


def test_a_posts_score_does_not_depend_on_the_posts_scored_with_it(classifier):
    """`classify` on one post, the worker on a batch of 64 and a re-score after backfill must agree."""
    others = [DEBUNK, CLINIC_QUESTION, "Short one.", "Tecfidera hair loss? " * 30, MISINFO] * 8
    alone = [classifier.score([text])[0] for text in (PROMOTION, MISINFO)]
    crowd = classifier.score(others[:17] + [PROMOTION] + others[17:] + [MISINFO])
    assert crowd[17].scores == alone[0].scores and crowd[17].reasons == alone[0].reasons
    assert crowd[-1].scores == alone[1].scores and crowd[-1].reasons == alone[1].reasons


def test_single_string_is_rejected(classifier):
    with pytest.raises(TypeError):
        classifier.score(PROMOTION)


def test_threshold_overrides(trained_instance):
    default = load_classifier(trained_instance)
    assert set(default.thresholds) == set(LABELS)
    assert default.hold_threshold > default.thresholds["clinic_promotion"]
    strict = load_classifier(trained_instance, thresholds={"clinic_promotion": 1.0}, hold_threshold=1.0)
    assert strict.thresholds["clinic_promotion"] == 1.0
    assert strict.thresholds["misinformation"] == default.thresholds["misinformation"]
    (r,) = strict.score([CLINIC_QUESTION])
    assert "clinic_promotion" not in r.flagged and r.hold is False
    lax = load_classifier(trained_instance, thresholds={"misinformation": 0.0}, hold_threshold=0.0)
    (r,) = lax.score(["Had a lovely walk by the sea today."])
    assert "misinformation" in r.flagged and r.hold is True


def test_misinformation_above_its_hold_threshold_holds_the_post(trained_instance):
    text = "Please stop taking your DMTs. A clean diet reverses MS completely and the drugs are poison."
    (scored,) = load_classifier(trained_instance).score([text])
    p = scored.scores["misinformation"]
    never_for_promotion = {"clinic_promotion": 1.0}
    (held,) = load_classifier(trained_instance, hold_thresholds={**never_for_promotion, "misinformation": p}).score([text])
    assert held.hold is True and f"hold: misinformation {p:.2f} >= hold threshold {p:.2f}" in held.reasons
    above = min(1.0, p + 0.01)
    (free,) = load_classifier(trained_instance, hold_thresholds={**never_for_promotion, "misinformation": above}) \
        .score([text])
    assert free.hold is (p >= above)


def test_hold_thresholds_come_from_the_environment(monkeypatch):
    import config
    monkeypatch.setenv("CLASSIFIER_HOLD_THRESHOLD_MISINFORMATION", "0.9")
    assert config.load_config("testing").CLASSIFIER_HOLD_THRESHOLDS == {"misinformation": 0.9}


@pytest.mark.parametrize("kwargs", [{"thresholds": {"spam": 0.5}}, {"thresholds": {"misinformation": 1.5}},
                                    {"thresholds": {"misinformation": "high"}}, {"hold_threshold": -0.1},
                                    {"hold_thresholds": {"spam": 0.9}}, {"hold_thresholds": {"misinformation": 2}}])
def test_bad_threshold_overrides_are_rejected(trained_instance, kwargs):
    with pytest.raises(ValueError):
        load_classifier(trained_instance, **kwargs)
