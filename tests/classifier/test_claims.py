"""The claim bank and provider list, with a bag-of-words `embed` so no model is needed."""
from __future__ import annotations

import pytest

from moderation.classifier.claims import (
    ClaimBank,
    ClaimEntry,
    ProviderEntry,
    ProviderList,
    split_sentences,
    stance,
)
from tests.fake_embed import bow_embed

CLAIMS = [
    ClaimEntry(1, "Mercury amalgam fillings cause MS.", ("Removing amalgam fillings cures MS.",),
               "https://example.org/mercury", "Mercury"),
    ClaimEntry(2, "The JC virus test is a scam and PML is a myth.", ("PML is not real.",),
               "https://example.org/pml", "PML"),
    ClaimEntry(3, "Vitamin D megadoses stop MS progression, no need for DMTs.", (),
               "https://example.org/vitd", "Vitamin D"),
]


@pytest.fixture()
def bank():
    return ClaimBank(CLAIMS, bow_embed, threshold=0.6)


def test_a_sentence_saying_a_claim_matches_it_and_counts(bank):
    [m] = bank.match(["Mercury amalgam fillings cause MS, trust me."])
    assert m.claim_id == 1 and m.stance == "asserts" and m.is_signal and m.similarity >= 0.6
    assert m.reason.startswith("known claim: says mercury amalgam fillings cause MS, a known false claim: "
                               "see https://example.org/mercury")


def test_related_but_different_sentences_do_not_match(bank):
    assert bank.match(["I had an old filling replaced at the dentist last week.",
                       "My vitamin D level was low so my neurologist checked it again.",
                       "Does anyone else get tired after infusions?"]) == []


@pytest.mark.parametrize("sentence, expected", [
    ("Is it true that mercury amalgam fillings cause MS?", "asks"),
    ("My aunt keeps telling me amalgam fillings cause MS.", "asks"),
    ("Someone said removing amalgam fillings cures MS.", "asks"),
    ("Mercury amalgam fillings don't cause MS.", "refutes"),
    ("There is no evidence mercury amalgam fillings cause MS.", "refutes"),
    ("That mercury amalgam fillings cause MS is a myth.", "refutes"),
    ("Mercury amalgam fillings cause MS.", "asserts"),
])
def test_stance_from_cues(bank, sentence, expected):
    [m] = bank.match([sentence])
    assert m.claim_id == 1 and m.stance == expected
    assert m.is_signal == (expected == "asserts")
    if expected != "asserts":
        assert m.reason.startswith("note:") and "not counted" in m.reason


def test_cue_words_inside_the_claim_itself_do_not_turn_it_into_a_refutation(bank):
    # the claim says "scam" and "myth" itself, and its wording "PML is not real" has its own negation
    [m] = bank.match(["The JC virus test is a scam and PML is a myth."])
    assert m.claim_id == 2 and m.stance == "asserts"
    [m] = bank.match(["Honestly PML is not real."])
    assert m.claim_id == 2 and m.stance == "asserts"
    assert stance("Vitamin D megadoses stop MS progression, no need for DMTs.",
                  [CLAIMS[2].claim], CLAIMS[2].claim) == ("asserts", "")


def test_paraphrases_are_matched_and_every_wording_is_embedded_once():
    calls = []

    def counting(texts):
        calls.append(list(texts))
        return bow_embed(texts)

    bank = ClaimBank(CLAIMS, counting, threshold=0.6)
    assert len(calls) == 1 and len(calls[0]) == 5      # 3 claims + 2 paraphrases
    [m] = bank.match(["Removing amalgam fillings cures MS"])
    assert m.claim_id == 1 and m.similarity == pytest.approx(1.0)
    assert len(calls) == 2                               # the sentences, once


def test_empty_bank_and_empty_input():
    assert ClaimBank([], bow_embed).match(["Mercury amalgam fillings cause MS."]) == []
    assert ClaimBank(CLAIMS, bow_embed).match([]) == []


def test_split_sentences_skips_short_ones():
    assert split_sentences("MS sucks. Mercury amalgam fillings cause MS. Yes!") == [
        "Mercury amalgam fillings cause MS."]


PROVIDERS = ProviderList([
    ProviderEntry(7, "VidaRegen Clinic", "clinic", ("vidaregen-clinic.mx",), ("+52 998",)),
    ProviderEntry(8, "CellHope Travel", "broker", ("https://www.cellhope-travel.com/",), ()),
])


@pytest.mark.parametrize("text, found", [
    ("Book at vidaregen-clinic.mx today", "vidaregen-clinic.mx"),
    ("See https://book.VidaRegen-Clinic.mx/packages?x=1", "vidaregen-clinic.mx"),
    ("Write to info@vidaregen-clinic.mx for prices", "vidaregen-clinic.mx"),
    ("WhatsApp +52 998 123 4567 for a quote", "phone +52 998 123 4567"),
    ("call 0052-998-1234567", "phone 0052-998-1234567"),
])
def test_provider_found_by_domain_subdomain_email_and_phone(text, found):
    [m] = PROVIDERS.match(text)
    assert m.provider_id == 7 and m.found == found
    assert m.reason == f"names a listed provider: VidaRegen Clinic ({found})"


@pytest.mark.parametrize("text", [
    "notvidaregen-clinic.mx is someone else",
    "vidaregen-clinic.mx.evil.com",
    "My number is +52 55 1234 5678",
    "In 2019-2023 I took 998 pills",
    "vidaregen clinic in Mexico",
])
def test_lookalikes_are_not_providers(text):
    assert PROVIDERS.match(text) == []


def test_each_provider_once_in_order_of_mention():
    matches = PROVIDERS.match("cellhope-travel.com sent me to vidaregen-clinic.mx, +52 998 555 0000, "
                              "and cellhope-travel.com again")
    assert [m.provider_id for m in matches] == [8, 7]
    assert matches[0].reason == "names a listed provider: CellHope Travel (cellhope-travel.com)"


def test_provider_matching_on_pathological_input():
    # a 200 KB run of labels or digits: only the last few labels are looked up (this took 45 s when every
    # suffix of the run was joined); the time itself is for bench/, not asserted here
    assert PROVIDERS.match("a." * 100_000 + "1-" * 50_000) == []
    assert [m.provider_id for m in PROVIDERS.match("x." * 50_000 + "vidaregen-clinic.mx")] == [7]


def test_matcher_and_known_lists_never_import_the_model_runtimes():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys\nimport moderation.classifier.claims, moderation.known, moderation.routes\n"
            "heavy = [m for m in ('torch', 'transformers', 'onnxruntime', 'flask_sqlalchemy') if m in sys.modules]\n"
            "import moderation.classifier.claims as c\n"
            "assert not any(m in sys.modules for m in ('torch', 'transformers', 'onnxruntime')), heavy\n"
            "print('ok')\n")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    src = (root / "moderation" / "classifier" / "claims.py").read_text()
    assert "import flask" not in src.lower() and "sqlalchemy" not in src and "forum" not in src
