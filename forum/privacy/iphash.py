"""Network addresses are never stored: only an HMAC of them, keyed with the app's SECRET_KEY.

The rate limiter keys on ``hashed_remote_address()``, so its storage (memory, or Redis when
REDIS_URL is set) holds hashes too; its counters expire with their window (a minute to a day:
the RATE_* settings). Login records (forum.privacy.models.IpRecord) keep the same hash for
IP_RETENTION_DAYS after the last login from it, then `forum purge` drops them.

Without the key the hash cannot be reversed by trying all 2^32 IPv4 addresses; rotating
SECRET_KEY makes every stored hash meaningless.

This module imports nothing from the forum: forum.extensions uses it before any model exists.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_limiter.util import get_remote_address

PREFIX = "ip:"


def hash_ip(address: str, key: str | None = None) -> str:
    """'203.0.113.7' -> 32 hex characters; the same address and key always give the same hash."""
    secret = (key if key is not None else current_app.config["SECRET_KEY"]).encode("utf-8")
    digest = hmac.new(secret, b"forum-ip-v1:" + address.strip().lower().encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


def hashed_remote_address() -> str:
    """The rate limiter's key: the caller's address, hashed."""
    return PREFIX + hash_ip(get_remote_address() or "unknown")


def account_key() -> str:
    """A rate limit's key per member (a member who changes networks stays counted); visitors by address."""
    from flask_login import current_user

    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return hashed_remote_address()


def current_ip_hash() -> str | None:
    """The hash of this request's address (None outside a request)."""
    try:
        address = request.remote_addr
    except RuntimeError:
        return None
    return hash_ip(address or "unknown")
