"""Known claims and providers pages: only staff, add / retire / restore with an audit entry, bad input
gets a clear error and writes nothing; the seed step."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from moderation import known
from moderation.models import AuditEntry, KnownClaim, KnownProvider

GOOD_CLAIM = {
    "claim": "Mercury from amalgam fillings causes MS.",
    "paraphrases": "My fillings gave me MS.\nRemove your amalgams and MS goes away.",
    "evidence_url": "https://mstrust.org.uk/a-z/aspartame",
    "evidence_title": "MS Trust",
}
GOOD_PROVIDER = {"name": "VidaRegen Clinic", "kind": "clinic", "domains": "vidaregen-clinic.mx",
                 "phone_prefixes": "+52 998", "note": "Sells stem cells for MS"}


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id))) or 0


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize("kind", ["claims", "providers"])
def test_members_and_visitors_cannot_see_or_change_the_lists(client, people, kind):
    assert client.get(f"/moderation/{kind}").status_code == 302          # anonymous: to log in
    client.login(people["member"])
    assert client.get(f"/moderation/{kind}").status_code == 403
    data = GOOD_CLAIM if kind == "claims" else GOOD_PROVIDER
    assert client.post_form(f"/moderation/{kind}", data).status_code == 403
    assert count(KnownClaim) == 0 and count(KnownProvider) == 0


def test_moderator_adds_retires_and_restores_a_claim_with_audit_entries(client, people):
    client.login(people["moderator"])
    page = client.get("/moderation/claims").get_data(as_text=True)
    assert '<label for="claim">' in page and '<label for="evidence_url">' in page
    assert "Known claims" in client.get("/moderation/queue").get_data(as_text=True)   # in the navigation
    response = client.post_form("/moderation/claims", GOOD_CLAIM)
    assert response.status_code == 302
    row = db.session.scalar(select(KnownClaim))
    assert row.active and row.paraphrase_list == ["My fillings gave me MS.", "Remove your amalgams and MS goes away."]
    assert row.created_by == people["moderator"].id
    page = client.get("/moderation/claims").get_data(as_text=True)
    assert "Mercury from amalgam fillings causes MS." in page and "Active claims (1)" in page

    assert client.post_form(f"/moderation/claims/{row.id}/retire", {"note": "duplicate"}).status_code == 302
    db.session.expire_all()
    row = db.session.get(KnownClaim, row.id)
    assert not row.active and row.retired_by == people["moderator"].id and row.retired_at is not None
    assert "Retired claims (1)" in client.get("/moderation/claims").get_data(as_text=True)

    assert client.post_form(f"/moderation/claims/{row.id}/restore", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(KnownClaim, row.id).active
    assert audit_actions() == ["claim_add", "claim_retire", "claim_restore"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "claim_retire"))
    assert entry.actor_id == people["moderator"].id and entry.note == "duplicate"
    assert entry.before["active"] is True and entry.after["active"] is False
    assert "Retired known claim" in client.get("/moderation/audit").get_data(as_text=True)


def test_admin_adds_and_retires_a_provider(client, people):
    client.login(people["admin"])
    assert client.post_form("/moderation/providers", GOOD_PROVIDER).status_code == 302
    row = db.session.scalar(select(KnownProvider))
    assert row.domain_list == ["vidaregen-clinic.mx"] and row.prefix_list == ["+52 998"]
    assert "VidaRegen Clinic" in client.get("/moderation/providers").get_data(as_text=True)
    assert client.post_form(f"/moderation/providers/{row.id}/retire", {}).status_code == 302
    assert audit_actions() == ["provider_add", "provider_retire"]
    # retiring twice is a clear 400, not a second entry
    response = client.post_form(f"/moderation/providers/{row.id}/retire", {})
    assert response.status_code == 400 and "already retired" in response.get_data(as_text=True)
    assert audit_actions() == ["provider_add", "provider_retire"]


@pytest.mark.parametrize("change, field, message", [
    ({"evidence_url": "javascript:alert(1)"}, "evidence_url", "must be a web address starting with http"),
    ({"evidence_url": "ftp://example.org/x"}, "evidence_url", "must be a web address starting with http"),
    ({"evidence_url": ""}, "evidence_url", "Give the link"),
    ({"claim": "MS bad"}, "claim", "at least 15 characters"),
    ({"claim": "Fillings cause MS. " * 30}, "claim", "keep it under 400"),
    ({"paraphrases": "short"}, "paraphrases", "Wording 1 is 5 characters long"),
])
def test_bad_claim_gets_a_clear_error_and_writes_nothing(client, people, change, field, message):
    client.login(people["moderator"])
    response = client.post_form("/moderation/claims", {**GOOD_CLAIM, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert count(KnownClaim) == 0 and count(AuditEntry) == 0


@pytest.mark.parametrize("change, message", [
    ({"domains": "not a domain", "phone_prefixes": ""}, "is not a domain name"),
    ({"domains": "", "phone_prefixes": ""}, "at least one domain or phone prefix"),
    ({"phone_prefixes": "+52"}, "is not a phone prefix"),
    ({"kind": "pharmacy"}, "Not a valid choice"),
])
def test_bad_provider_gets_a_clear_error_and_writes_nothing(client, people, change, message):
    client.login(people["moderator"])
    response = client.post_form("/moderation/providers", {**GOOD_PROVIDER, **change})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(KnownProvider) == 0 and count(AuditEntry) == 0


def test_retire_without_csrf_token_changes_nothing(client, people):
    row = known.add_claim(people["moderator"], **GOOD_CLAIM)
    client.login(people["moderator"])
    assert client.post(f"/moderation/claims/{row.id}/retire", data={}).status_code == 400
    db.session.expire_all()
    assert db.session.get(KnownClaim, row.id).active
    assert client.post_form("/moderation/claims/999/retire", {}).status_code == 404


def test_seed_loads_the_shipped_lists_once_and_keeps_retired_ones_retired(client, people):
    first = known.seed()
    assert first.claims >= 14 and first.providers >= 20
    rows = list(db.session.scalars(select(KnownClaim)))
    assert all(r.evidence_url.startswith("https://") for r in rows)
    assert all(r.created_by is None for r in rows)
    broker = db.session.scalar(select(KnownProvider).where(KnownProvider.name == "asiamedtravel.net"))
    assert broker.kind == "broker"
    client.login(people["moderator"])
    page = client.get("/moderation/claims").get_data(as_text=True)
    assert f"Active claims ({first.claims})" in page and "The hepatitis B vaccine causes MS." in page
    assert "asiamedtravel.net" in client.get("/moderation/providers").get_data(as_text=True)
    known.retire_claim(people["moderator"], rows[0])
    again = known.seed()
    assert (again.claims, again.providers) == (0, 0)
    db.session.expire_all()
    assert not db.session.get(KnownClaim, rows[0].id).active


def test_signature_changes_when_an_entry_is_added_or_retired(ctx, people):
    empty = known.signature()
    row = known.add_claim(people["moderator"], **GOOD_CLAIM)
    added = known.signature()
    assert added != empty
    known.retire_claim(people["moderator"], row)
    assert known.signature() != added
    claims, providers = known.matcher_entries()
    assert claims == [] and providers == []
