"""The one check on redirect targets taken from a request (?next=, a form's next field).

Only a path on this site passes. Browsers drop tabs and newlines inside URLs and read a backslash
as a slash, so "/\\t/evil.example" and "/\\\\evil.example" would leave the site: any control
character, whitespace or backslash refuses the target, and so does anything with a scheme or a host.
"""
from __future__ import annotations

from urllib.parse import urlsplit

MAX_TARGET = 2000


def safe_target(target: object, default: str, prefix: str = "/") -> str:
    """``target`` when it is a same-site path starting with ``prefix``, else ``default``."""
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET:
        return default
    if not target.isprintable() or " " in target or "\\" in target:
        return default
    if not target.startswith(prefix) or target.startswith("//"):
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target
