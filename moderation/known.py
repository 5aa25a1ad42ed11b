"""Known false claims and known providers: the lists moderators keep, editable without retraining.

Moderators add, retire and restore entries at /moderation/claims and /moderation/providers; every change is
one transaction with its audit entry. The worker reads the active entries (``matcher_entries``) and rebuilds
its matchers (moderation/classifier/claims.py) only when ``signature()`` changes, so an edit counts from the
next batch. The web process never builds a matcher.

Bad input raises KnownListError(message, field) before anything is added to the session.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User, utcnow
from moderation import audit
from moderation.actions import ActionError, ActionForbidden
from moderation.classifier.claims import normalise_domain, prefix_digits
from moderation.models import PROVIDER_KINDS, KnownClaim, KnownProvider

SEED_CLAIMS_FILE = Path(__file__).resolve().parent / "known_data" / "claims.json"
SEED_PROVIDERS_FILE = Path(__file__).resolve().parent / "data" / "clinic_domains.txt"  # read only: rules use it too
URL_MAX_LENGTH = 500
TITLE_MAX_LENGTH = 200
NAME_MAX_LENGTH = 120
MAX_DOMAINS = 20
MAX_PREFIXES = 10
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
_PREFIX = re.compile(r"^\+?[0-9 ()\-.]+$")


class KnownListError(ActionError):
    """Bad input for a known claim or provider; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _lines(text: str | None) -> list[str]:
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


def _check_staff(actor: User | None) -> None:
    if actor is not None and not actor.is_moderator:
        raise ActionForbidden("Only moderators and admins can change the known lists.")


# ---------------------------------------------------------------- checks

def check_claim(claim: str, paraphrases: str, evidence_url: str, evidence_title: str) -> tuple[str, list[str], str, str]:
    """The cleaned values, or KnownListError naming the field."""
    cfg = current_app.config
    low, high = cfg["KNOWN_CLAIM_MIN_LENGTH"], cfg["KNOWN_CLAIM_MAX_LENGTH"]
    claim = " ".join((claim or "").split())
    if len(claim) < low:
        raise KnownListError(f"Write the claim in a sentence or two (at least {low} characters).", "claim")
    if len(claim) > high:
        raise KnownListError(f"The claim is {len(claim)} characters long; keep it under {high} "
                             "(a sentence or two).", "claim")
    wordings = _lines(paraphrases)
    if len(wordings) > cfg["KNOWN_PARAPHRASES_MAX"]:
        raise KnownListError(f"{len(wordings)} other wordings; at most {cfg['KNOWN_PARAPHRASES_MAX']}, one a line.",
                             "paraphrases")
    for n, line in enumerate(wordings, start=1):
        if not low <= len(line) <= high:
            raise KnownListError(f"Wording {n} is {len(line)} characters long; each must be {low} to {high}.",
                                 "paraphrases")
    evidence_url = (evidence_url or "").strip()
    parts = urlsplit(evidence_url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in evidence_url:
        raise KnownListError("The evidence link must be a web address starting with http:// or https://.",
                             "evidence_url")
    if len(evidence_url) > URL_MAX_LENGTH:
        raise KnownListError(f"The evidence link is longer than {URL_MAX_LENGTH} characters.", "evidence_url")
    evidence_title = " ".join((evidence_title or "").split())
    if len(evidence_title) > TITLE_MAX_LENGTH:
        raise KnownListError(f"The evidence title is longer than {TITLE_MAX_LENGTH} characters.", "evidence_title")
    return claim, wordings, evidence_url, evidence_title


def check_provider(name: str, kind: str, domains: str, phone_prefixes: str, note: str) -> tuple:
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= NAME_MAX_LENGTH:
        raise KnownListError(f"Give the provider's name (2 to {NAME_MAX_LENGTH} characters).", "name")
    if kind not in PROVIDER_KINDS:
        raise KnownListError("Choose clinic, broker or practitioner.", "kind")
    clean_domains = []
    for line in _lines(domains):
        d = normalise_domain(line)
        if not _HOST.match(d):
            raise KnownListError(f"“{line}” is not a domain name like clinic-example.com.", "domains")
        if d not in clean_domains:
            clean_domains.append(d)
    if len(clean_domains) > MAX_DOMAINS:
        raise KnownListError(f"At most {MAX_DOMAINS} domains, one a line.", "domains")
    clean_prefixes = []
    for line in _lines(phone_prefixes):
        digits = prefix_digits(line)
        if not _PREFIX.match(line) or not 5 <= len(digits) <= 15:
            raise KnownListError(f"“{line}” is not a phone prefix: write the country code and at least the area "
                                 "code, like +52 998 (5 to 15 digits).", "phone_prefixes")
        clean_prefixes.append(line)
    if len(clean_prefixes) > MAX_PREFIXES:
        raise KnownListError(f"At most {MAX_PREFIXES} phone prefixes, one a line.", "phone_prefixes")
    if not clean_domains and not clean_prefixes:
        raise KnownListError("Give at least one domain or phone prefix: that is how posts are matched.", "domains")
    note = (note or "").strip()
    limit = current_app.config["MODERATION_NOTE_MAX_LENGTH"]
    if len(note) > limit:
        raise KnownListError(f"The note is {len(note)} characters long; the limit is {limit}.", "note")
    return name, kind, clean_domains, clean_prefixes, note


# ---------------------------------------------------------------- reading

def claims() -> tuple[list[KnownClaim], list[KnownClaim]]:
    """(active, retired), newest first."""
    rows = list(db.session.scalars(select(KnownClaim).order_by(KnownClaim.created_at.desc(), KnownClaim.id.desc())))
    return [r for r in rows if r.active], [r for r in rows if not r.active]


def providers() -> tuple[list[KnownProvider], list[KnownProvider]]:
    rows = list(db.session.scalars(select(KnownProvider).order_by(KnownProvider.name, KnownProvider.id)))
    return [r for r in rows if r.active], [r for r in rows if not r.active]


def signature() -> tuple:
    """Cheap change marker for the worker: row counts and the latest change of both tables."""
    c = db.session.execute(select(func.count(KnownClaim.id), func.max(KnownClaim.updated_at))).one()
    p = db.session.execute(select(func.count(KnownProvider.id), func.max(KnownProvider.updated_at))).one()
    return (c[0], c[1], p[0], p[1])


def matcher_entries():
    """The active entries as the matchers' plain records (worker only)."""
    from moderation.classifier.claims import ClaimEntry, ProviderEntry

    claim_rows = db.session.scalars(select(KnownClaim).where(KnownClaim.active.is_(True)).order_by(KnownClaim.id))
    provider_rows = db.session.scalars(
        select(KnownProvider).where(KnownProvider.active.is_(True)).order_by(KnownProvider.id))
    return ([ClaimEntry(c.id, c.claim, tuple(c.paraphrase_list), c.evidence_url, c.evidence_title) for c in claim_rows],
            [ProviderEntry(p.id, p.name, p.kind, tuple(p.domain_list), tuple(p.prefix_list)) for p in provider_rows])


# ---------------------------------------------------------------- changing

def _claim_state(c: KnownClaim) -> dict:
    return {"claim_id": c.id, "claim": c.claim, "active": c.active}


def _provider_state(p: KnownProvider) -> dict:
    return {"provider_id": p.id, "provider": p.name, "active": p.active}


def add_claim(actor: User | None, claim: str, paraphrases: str, evidence_url: str, evidence_title: str = "",
              commit: bool = True) -> KnownClaim:
    _check_staff(actor)
    claim, wordings, evidence_url, evidence_title = check_claim(claim, paraphrases, evidence_url, evidence_title)
    now = utcnow()
    row = KnownClaim(claim=claim, paraphrases="\n".join(wordings), evidence_url=evidence_url,
                     evidence_title=evidence_title, active=True, created_by=actor.id if actor else None,
                     created_at=now, updated_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "claim_add", note=f"Known claim {row.id}: {claim}", after=_claim_state(row))
    if commit:
        db.session.commit()
    return row


def add_provider(actor: User | None, name: str, kind: str, domains: str, phone_prefixes: str = "", note: str = "",
                 commit: bool = True) -> KnownProvider:
    _check_staff(actor)
    name, kind, clean_domains, clean_prefixes, note = check_provider(name, kind, domains, phone_prefixes, note)
    now = utcnow()
    row = KnownProvider(name=name, kind=kind, domains="\n".join(clean_domains), phone_prefixes="\n".join(clean_prefixes),
                        note=note, active=True, created_by=actor.id if actor else None, created_at=now, updated_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "provider_add", note=f"Known provider {row.id}: {name} ({', '.join(clean_domains + clean_prefixes)})",
                 after=_provider_state(row))
    if commit:
        db.session.commit()
    return row


def _set_active(actor: User, row, active: bool, action: str, state, label: str, note: str = ""):
    _check_staff(actor)
    if row.active == active:
        raise ActionError(f"This {label} is already {'active' if active else 'retired'}.")
    before = state(row)
    now = utcnow()
    row.active, row.updated_at = active, now
    row.retired_by, row.retired_at = (None, None) if active else (actor.id, now)
    audit.record(actor, action, note=note, before=before, after=state(row))
    db.session.commit()
    return row


def retire_claim(actor: User, row: KnownClaim, note: str = "") -> KnownClaim:
    return _set_active(actor, row, False, "claim_retire", _claim_state, "claim", note)


def restore_claim(actor: User, row: KnownClaim, note: str = "") -> KnownClaim:
    return _set_active(actor, row, True, "claim_restore", _claim_state, "claim", note)


def retire_provider(actor: User, row: KnownProvider, note: str = "") -> KnownProvider:
    return _set_active(actor, row, False, "provider_retire", _provider_state, "provider", note)


def restore_provider(actor: User, row: KnownProvider, note: str = "") -> KnownProvider:
    return _set_active(actor, row, True, "provider_restore", _provider_state, "provider", note)


# ---------------------------------------------------------------- seeding

@dataclass
class SeedResult:
    claims: int = 0
    providers: int = 0

    def line(self) -> str:
        return f"Known lists: {self.claims} claims and {self.providers} providers added."


def seed_providers_from_domains_file(path: Path = SEED_PROVIDERS_FILE) -> list[dict]:
    """clinic_domains.txt as provider records: one provider per domain; its group comment is the note, and a
    group about agents, brokers or medical tourism makes the kind 'broker'."""
    records, group = [], ""
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            text = line.lstrip("# ").strip()
            if text and len(text) < 80 and not text.endswith("."):   # a group heading, not the file's prose
                group = text
            continue
        domain = normalise_domain(line.split("#", 1)[0])
        if not domain:
            continue
        kind = "broker" if re.search(r"agent|broker|tourism|foundation", group, re.I) else "clinic"
        records.append({"name": domain, "kind": kind, "domains": domain,
                        "note": f"From clinic_domains.txt ({group})" if group else "From clinic_domains.txt"})
    return records


def seed(claims_file: Path = SEED_CLAIMS_FILE, domains_file: Path = SEED_PROVIDERS_FILE) -> SeedResult:
    """Add the shipped claims and providers that are not there yet (a retired one stays retired), in one
    transaction, each with its audit entry by the system. Safe to run again: it only adds what is missing."""
    result = SeedResult()
    known_claims = set(db.session.scalars(select(KnownClaim.claim)))
    for entry in json.loads(Path(claims_file).read_text(encoding="utf-8"))["claims"]:
        if " ".join(entry["claim"].split()) in known_claims:
            continue
        add_claim(None, entry["claim"], "\n".join(entry.get("paraphrases", [])), entry["evidence_url"],
                  entry.get("evidence_title", ""), commit=False)
        result.claims += 1
    known_domains = {d for p in db.session.scalars(select(KnownProvider)) for d in p.domain_list}
    for record in seed_providers_from_domains_file(domains_file):
        if record["domains"] in known_domains:
            continue
        add_provider(None, record["name"], record["kind"], record["domains"], "", record["note"], commit=False)
        known_domains.add(record["domains"])
        result.providers += 1
    db.session.commit()
    return result
