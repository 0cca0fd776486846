"""Where to go after signing in: a ``next`` address is followed only when it is a path on this site."""
from urllib.parse import urljoin, urlsplit

from flask import request, url_for


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect (no scheme, no host, no '//' or backslash tricks)."""
    fallback = url_for("reports.mine")
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    host = urlsplit(request.host_url)
    joined = urlsplit(urljoin(request.host_url, target))
    return target if (joined.scheme, joined.netloc) == (host.scheme, host.netloc) else fallback
