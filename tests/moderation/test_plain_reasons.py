"""Stored flag reasons told in plain words: every kind the classifier, the rules and the known lists write."""
from __future__ import annotations

import pytest

from moderation.classifier.claims import ClaimBank, ClaimEntry, ProviderEntry, ProviderList
from moderation.classifier.rules import REASON_TEXT, apply_rules
from moderation.plain_reasons import RULE_SENTENCES, explain, tell_flag

PROMOTION_POST = ("Packages from $14,900 including hotel. WhatsApp our coordinator Maria on +52 998 555 0142 "
                  "or email info@sunrise-clinic.mx. DM me for a discount code.")
CLAIM = ClaimEntry(7, "Mercury fillings cause MS.", (), "https://example.org/mercury", "Evidence")


def _rule_reasons(text: str) -> dict[str, str]:
    return {hit.rule: hit.reason for hit in apply_rules(text)}


def test_every_rule_the_classifier_knows_has_a_plain_sentence():
    assert set(RULE_SENTENCES) == set(REASON_TEXT)


@pytest.mark.parametrize("rule,expected", [
    ("price", "gives a price for treatment: $14,900"),
    ("phone", "gives a phone number to call: +52 998 555 0142"),
    ("messaging_contact", "asks readers to get in touch by WhatsApp"),
    ("email", "gives an email address to write to: info@sunrise-clinic.mx"),
    ("dm_language", "asks readers to message privately"),
    ("coordinator_agent", "mentions a coordinator or agent who arranges treatment"),
])
def test_promotion_rules_read_as_what_the_post_asks_readers_to_do(rule, expected):
    reason = _rule_reasons(PROMOTION_POST)[rule]
    plain = explain(reason)
    assert plain.kind == "rule" and plain.label == "clinic_promotion" and not plain.against
    assert plain.text.startswith(expected) and "rule:" not in plain.text


@pytest.mark.parametrize("rule,match,expected", [
    ("cure_claim", "reverse", "says a treatment cures or reverses MS: “reverse”"),
    ("stop_treatment", "stop your DMT", "tells readers to stop or refuse their treatment"),
    ("no_need_for_treatment", "no need for drugs", "says treatment is not needed"),
    ("absolute_claim", "100% guaranteed", "makes a sweeping, absolute claim"),
    ("conspiracy", "big pharma", "says doctors or drug makers hide the truth"),
    ("offer_language", "packages from", "uses sales language"),
    ("referral", "ref=abc", "includes a referral link or code"),
    ("clinic_domain", "sunrise-clinic.mx", "links to a known clinic website: sunrise-clinic.mx"),
    ("external_link", "example.com", "links to an outside website: example.com"),
])
def test_each_rule_reason_becomes_a_plain_sentence(rule, match, expected):
    plain = explain(f"rule: {REASON_TEXT[rule]} ({match})")
    assert plain.kind == "rule" and plain.rule == rule and plain.text.startswith(expected)


@pytest.mark.parametrize("rule", ["question", "refutation", "reported_speech", "hedged_experience"])
def test_cues_that_lean_away_from_misinformation_are_marked_as_against(rule):
    plain = explain(f"rule: {REASON_TEXT[rule]} (is it true)")
    assert plain.against and plain.label == "misinformation" and "is it true" in plain.text


def test_a_known_claim_names_the_claim_quotes_the_sentence_and_links_the_evidence():
    reason = ClaimBank._reason(CLAIM, "My fillings gave me MS, get them out.", 0.87, "asserts", "")
    plain = explain(reason)
    assert plain.kind == "claim" and plain.label == "misinformation" and not plain.against
    assert plain.text == "matches a known false claim: mercury fillings cause MS"
    assert plain.quote == "My fillings gave me MS, get them out." and plain.link == "https://example.org/mercury"


def test_only_a_web_address_becomes_an_evidence_link():
    plain = explain('known claim: says x, a known false claim: see javascript:alert(1); "x" (similarity 0.9)')
    assert plain.kind == "claim" and plain.link == ""


def test_a_known_claim_without_evidence_has_no_link():
    reason = ClaimBank._reason(ClaimEntry(8, "Vaccines cause MS."), "Vaccines gave me MS.", 0.9, "asserts", "")
    plain = explain(reason)
    assert plain.text == "matches a known false claim: vaccines cause MS" and plain.link == ""


@pytest.mark.parametrize("how,cue,start", [("asks", "?", "asks whether mercury fillings cause MS"),
                                          ("refutes", "myth", "argues against the known false claim that")])
def test_asking_about_or_arguing_against_a_claim_is_not_counted(how, cue, start):
    plain = explain(ClaimBank._reason(CLAIM, "Do fillings cause MS?", 0.8, how, cue))
    assert plain.kind == "claim_note" and plain.against and plain.text.startswith(start)
    assert plain.text.endswith("not counted") and plain.quote == "Do fillings cause MS?"


def test_a_listed_provider_found_by_domain_or_by_phone():
    providers = ProviderList([ProviderEntry(3, "Sunrise Clinic", "clinic", ("sunrise-clinic.mx",), ("+52 998",))])
    [by_domain] = [explain(m.reason) for m in providers.match("Write to info@sunrise-clinic.mx today.")]
    [by_phone] = [explain(m.reason) for m in providers.match("Call +52 998 555 0142 today.")]
    assert by_domain.kind == by_phone.kind == "provider"
    assert "known clinic or broker, Sunrise Clinic" in by_phone.text and by_phone.text.startswith("gives the phone")
    assert by_domain.text == "links to a known clinic or broker, Sunrise Clinic: sunrise-clinic.mx"


def test_model_hold_and_sentence_reasons_carry_their_numbers_for_the_details():
    model = explain("model: misinformation 1.00 (threshold 0.35)")
    hold = explain("hold: clinic_promotion 0.99 >= hold threshold 0.92")
    sentence = explain('sentence (clinic_promotion 0.93): "WhatsApp our coordinator Maria."')
    assert (model.kind, model.score, model.threshold) == ("model", 1.0, 0.35)
    assert model.text == "reads like medical misinformation as a whole"
    assert (hold.kind, hold.threshold) == ("hold", 0.92) and "held before anyone saw it" in hold.text
    assert sentence.quote == "WhatsApp our coordinator Maria." and sentence.label == "clinic_promotion"


def test_the_not_english_note_is_a_caveat():
    plain = explain("note: post does not look like English; the model reads English only, so its scores are "
                    "capped at 0.3")
    assert plain.kind == "language" and plain.against and "English" in plain.text


@pytest.mark.parametrize("reason", ["mentions a named clinic", "rule: a rule from a newer model (x)", "model: x", ""])
def test_an_unknown_reason_is_shown_as_written(reason):
    plain = explain(reason)
    assert plain.kind == "other" and plain.text == reason and not plain.against


def test_a_flag_is_told_with_certainty_what_it_seems_to_do_and_the_sentences_behind_it():
    reasons = ["model: clinic_promotion 0.99 (threshold 0.50)", "hold: clinic_promotion 0.99 >= hold threshold 0.92",
               'sentence (clinic_promotion 0.97): "WhatsApp our coordinator."', *_rule_reasons(PROMOTION_POST).values(),
               "rule: cure / reversal wording (cures)"]
    sentences = [{"text": "Packages from $14,900 including hotel.", "scores": {"clinic_promotion": 0.8},
                  "labels": ["clinic_promotion"]},
                 {"text": "WhatsApp our coordinator.", "scores": {"clinic_promotion": 0.97}, "labels": ["clinic_promotion"]},
                 {"text": "It cures MS.", "scores": {"clinic_promotion": 0.2, "misinformation": 0.9},
                  "labels": ["misinformation"]}]
    story = tell_flag("clinic_promotion", 0.99, reasons, sentences)
    assert story.headline == "Very likely clinic or product promotion"
    assert story.quotes == ["WhatsApp our coordinator.", "Packages from $14,900 including hotel."]
    texts = [r.text for r in story.seems_to]
    assert any(t.startswith("gives a price for treatment") for t in texts)
    assert not any("cures" in t for t in texts)                  # a misinformation cue is not promotion's
    assert (story.threshold, story.hold_threshold) == (0.5, 0.92) and len(story.raw) == len(reasons)


def test_two_hits_of_one_rule_read_as_one_line():
    story = tell_flag("clinic_promotion", 0.7, ["rule: price mentioned ($14,900)", "rule: price mentioned ($2,000)"])
    assert [r.text for r in story.seems_to] == ["gives a price for treatment: $14,900, $2,000"]


def test_a_flag_from_a_known_claim_under_the_models_line_is_likely_and_quotes_the_sentence():
    reason = ClaimBank._reason(CLAIM, "My fillings gave me MS.", 0.87, "asserts", "")
    story = tell_flag("misinformation", 0.2, [reason, "rule: asks a question (really?)"])
    assert story.certainty.word == "likely" and story.quotes == ["My fillings gave me MS."]
    assert [r.kind for r in story.against] == ["rule"]


def test_a_flag_with_only_unknown_reasons_still_reads_as_something():
    story = tell_flag("misinformation", 0.6, [])
    assert story.headline == "Possible medical misinformation"
    assert [r.text for r in story.seems_to] == ["reads like medical misinformation as a whole"]
    assert tell_flag("clinic_promotion", 0.6, ["mentions a named clinic"]).seems_to[0].text == "mentions a named clinic"
