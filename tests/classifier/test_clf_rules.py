"""The rules layer: every rule with texts that should and should not fire it."""
import pytest

from moderation.classifier.rules import (FEATURE_NAMES, apply_rules, features_for, load_clinic_domains,
                                         rule_features)


def fired(text, domains=None):
    return {h.rule for h in apply_rules(text, domains)}


def matches(text, rule, domains=None):
    return [h.match for h in apply_rules(text, domains) if h.rule == rule]


@pytest.mark.parametrize("text, number", [
    ("WhatsApp +52 998 123 4567 for info", "+52 998 123 4567"),
    ("Call or text (602) 555-0187 today", "(602) 555-0187"),
    ("Call 1-800-555-0192.", "1-800-555-0192"),
    ("ring 020 7946 0321 after 6", "020 7946 0321"),
    ("text +44 7700 900123", "+44 7700 900123"),
])
def test_phone_numbers_are_found(text, number):
    assert matches(text, "phone") == [number]


@pytest.mark.parametrize("text", [
    "I was diagnosed in 2019-2021 and my EDSS is 3.5",
    "My JCV index went from 0.62 to 1.4 after 24 months",
    "I take 4000 IU of vitamin D and walk 10,000 steps",
    "The trial NCT04123456 is recruiting",
    "Appointment on 12.03.2023 at 10:30",
    "It cost $14,900 in total",
])
def test_numbers_that_are_not_phone_numbers(text):
    assert "phone" not in fired(text)


def test_email():
    assert matches("Email info@cellvitalis-clinic.com for the brochure", "email") == ["info@cellvitalis-clinic.com"]
    assert "email" not in fired("I emailed my MS nurse @ the clinic yesterday")


@pytest.mark.parametrize("text", [
    "WhatsApp +52 998 555 0192", "Telegram: @mshopeadvocate", "Find us on Telegram @peptidepro_ms",
    "WhatsApp only.", "Viber +380 67 555 0191", "Get in touch on WeChat: regen_coordinator",
    "message me on wa.me/5219981234567", "WhatsApp me for the price list",
])
def test_messaging_contacts(text):
    assert "messaging_contact" in fired(text)


@pytest.mark.parametrize("text", [
    "Our local MS group has a WhatsApp chat for lift shares.",
    "The coordinator keeps messaging me on WhatsApp and I think it's a scam.",
    "I use Signal to talk to my sister.",
])
def test_mentioning_a_messaging_app_is_not_a_contact(text):
    assert "messaging_contact" not in fired(text)


@pytest.mark.parametrize("text, price", [
    ("Packages start at $16,500.", "$16,500"),
    ("only €8,900 all in", "€8,900"),
    ("£11,000 including flights", "£11,000"),
    ("USD 16,000 per protocol", "USD 16,000"),
    ("It costs around 18k for everything", "18k"),
    ("paid 4,200 EUR", "4,200 EUR"),
])
def test_prices(text, price):
    assert matches(text, "price") == [price]
    assert rule_features(apply_rules(text))[FEATURE_NAMES.index("price_large")] == 1.0


def test_price_reason_is_readable():
    reasons = [h.reason for h in apply_rules("The full protocol is $18,500 including hotel.")]
    assert "rule: price mentioned ($18,500)" in reasons


def test_small_prices_and_non_prices():
    f = rule_features(apply_rules("My copay is $5 a month"))
    assert f[FEATURE_NAMES.index("price")] == 1.0 and f[FEATURE_NAMES.index("price_large")] == 0.0
    for text in ["I ran a 5k race for the MS Society", "My lesion count is 12 and my EDSS is 4.5",
                 "We walked 10k steps"]:
        assert "price" not in fired(text), text


@pytest.mark.parametrize("text", ["20% discount this month", "Ask about our winter package",
                                  "Financing available, payment plans", "Book now, spots are filling",
                                  "free consultation for forum members", "all-inclusive stay"])
def test_sales_language(text):
    assert "offer_language" in fired(text)


def test_no_sales_language_in_ordinary_posts():
    assert "offer_language" not in fired("My neurologist booked me in for an MRI next month.")


@pytest.mark.parametrize("text", ["DM me for details", "PM me!", "send me a private message",
                                  "Inbox me for the number", "comment \"INFO\" below", "link in bio",
                                  "drop me a message"])
def test_dm_language(text):
    assert "dm_language" in fired(text)


def test_dm_language_negative():
    assert "dm_language" not in fired("I messaged my MS nurse and she called back")


@pytest.mark.parametrize("text", ["our patient coordinator Maria", "I'm the UK agent for the clinic",
                                  "I'm now an ambassador for a clinic", "independent distributor",
                                  "our medical tourism team organizes everything"])
def test_coordinator_agent(text):
    assert "coordinator_agent" in fired(text)


def test_coordinator_agent_negative():
    assert "coordinator_agent" not in fired("The trial nurse explained the visits and the risks.")


@pytest.mark.parametrize("text", ["Use my code RENEW10 at checkout", "book at clinic.example/?ref=karen22",
                                  "use my referral link", "promo code inside"])
def test_referral(text):
    assert "referral" in fired(text)


def test_referral_negative():
    assert "referral" not in fired("My GP wrote a referral to neurology")


def test_clinic_domains_from_default_file():
    assert "clinic_domain" in fired("Book your free evaluation at regeneraclinic.mx")
    assert "clinic_domain" in fired("see https://www.novacellmed.com/ms-protocol")
    assert "clinic_domain" in fired("mail coordinator@novacellmed.com")
    assert "clinic_domain" not in fired("see https://clinicaltrials.gov/study/NCT04123456")


def test_clinic_domain_file_format(tmp_path):
    f = tmp_path / "domains.txt"
    f.write_text("# comment line\nexample-clinic.com   # trailing comment\n\nhttps://www.Other-Clinic.org/\n")
    domains = load_clinic_domains(f, tmp_path / "missing.txt")
    assert domains == frozenset({"example-clinic.com", "other-clinic.org"})
    assert "clinic_domain" in fired("visit book.example-clinic.com/ms", domains)   # subdomains match
    assert "clinic_domain" not in fired("visit notexample-clinic.com", domains)


def test_external_links_skip_trusted_sites():
    assert "external_link" in fired("more at https://miracle-ms-cure.net/offer")
    assert "external_link" not in fired("see https://www.nationalmssociety.org/ and nhs.uk")


@pytest.mark.parametrize("rule, text", [
    ("stop_treatment", "Please stop taking your DMTs, they are poison."),
    ("stop_treatment", "Throw your injections in the bin."),
    ("no_need_for_treatment", "You won't need any drugs after this."),
    ("absolute_claim", "It works 100% of the time."),
    ("cure_claim", "This protocol reverses MS."),
    ("conspiracy", "Big pharma doesn't want you to know."),
    ("question", "Is it true that the shingles vaccine causes relapses?"),
    ("refutation", "That's a myth, there is no evidence for it."),
    ("reported_speech", "A commenter insisted that biotin cures MS."),
    ("reported_speech", 'Someone wrote "the MRI magnet disrupts myelin".'),
    ("hedged_experience", "Could be placebo, and I'm still on Kesimpta."),
])
def test_stance_rules(rule, text):
    assert rule in fired(text)


@pytest.mark.parametrize("text", ["Don't stop your treatment because of a meme.",
                                  "Please don't stop taking your meds without talking to your neuro.",
                                  "Never skip your infusions."])
def test_negated_stop_treatment_does_not_fire(text):
    assert "stop_treatment" not in fired(text)


def test_feature_vector_shape_and_values():
    f = features_for("Packages from $14,900. WhatsApp +52 998 123 4567. DM me.")
    assert len(f) == len(FEATURE_NAMES)
    assert set(f) <= {0.0, 1.0}
    assert features_for("") == [0.0] * len(FEATURE_NAMES)


def test_odd_inputs_do_not_crash():
    assert apply_rules("") == []
    assert apply_rules("😀🙏✨") == []
    long = ("1 2 3 4 5 6 7 8 9 0 " * 5000) + ("$" * 5000) + ("@a " * 5000) + ('"' * 5000) + "+" * 5000
    hits = apply_rules(long)
    assert all(len(h.match) < 5000 for h in hits)
    assert sum(1 for h in hits if h.rule == "phone") <= 5   # capped per rule


@pytest.mark.parametrize("prefix", ["", "İstanbul trip. "])   # İ lower-cases to two characters
def test_case_insensitive_rules_report_matches_as_written(prefix):
    """Rules match lower-cased text for speed; moderators still see the words and offsets as posted,
    and a text whose lower-casing changes its length is matched as it is."""
    text = prefix + "Message our Patient Coordinator on WhatsApp: +52 998 123 4567. Book NOW, Use Code HOPE2024."
    hits = {h.rule: h for h in apply_rules(text)}
    assert hits["coordinator_agent"].match == "Patient Coordinator"
    assert hits["offer_language"].match == "Book NOW"
    assert hits["referral"].match == "Use Code HOPE2024"
    assert hits["messaging_contact"].match == "WhatsApp: +52 998 123 4567"
    assert all(text[h.start:h.end] == h.match for h in hits.values())
