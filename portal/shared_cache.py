"""Public answers nginx may keep for a few seconds and give to every visitor without a cookie (microcaching).

Most visitors of the public pages are not signed in, and one page drawn for them is the same for all of them
for a moment: the maps, a ward's page, a report's page, the figures, the Open311 lists. nginx
(deploy/nginx/kerbside-locations.conf) keeps an answer only when the app says so, with ``X-Accel-Expires``
(nginx's own header: it is never passed on to the browser). The app says so only when all of these hold:

- ``SHARED_CACHE_SECONDS`` is more than 0;
- a GET or HEAD of a view marked ``@shared`` or ``@db.public_read`` (or of a blueprint so marked): pages anyone
  may see, which write nothing;
- the request carries no cookie, no ``CREDENTIALS`` header and no ``api_key``: nobody is signed in and no
  browser has just written (``kerbside_wrote``), so the answer depends on the address alone. nginx passes any
  such request straight to the app (``proxy_cache_bypass``), so a signed-in resident, councillor or officer
  never sees a kept page;
- the answer is whole (nothing streamed), sets no cookie (no session was started: no CSRF token), is not
  ``private``, ``no-store``, ``no-cache`` or ``max-age=0`` by its own Cache-Control (nginx would not keep it
  either), and its status is one that depends on the address alone (``KEPT_STATUSES``).

How old a kept copy can be: fresh for ``SHARED_CACHE_SECONDS``; then, for at most as long again, the next
visitor starts the app drawing the page anew and every visitor meanwhile gets the old copy (so a busy page is
drawn once per period, not once per visitor) until the new answer, a "not found" too, replaces it. That second
period is the answer's own ``stale-while-revalidate`` (nginx honours it; it is not open-ended): should the new
answer be one nginx may not keep (a 429 for the visitor who asked, the setting turned off, gunicorn down),
the old copy is given out no longer than that, and every visitor after it gets the page as the app draws it.
So a report hidden by a moderator leaves every kept copy within 2 × ``SHARED_CACHE_SECONDS`` (plus one
drawing); drawn from a replica, add its lag (``REPLICA_MAX_LAG_SECONDS``, which the setting may not exceed).

Every other answer says ``X-Accel-Expires: 0``: nginx keeps nothing the app has not marked, whatever its
Cache-Control (a feed's ``public, max-age=300`` is for browsers).

A page's inline scripts are allowed by a nonce (portal/http.py), which must not be shared: a kept page's
Content-Security-Policy names each inline script the app gave this response's nonce by its SHA-256 hash
instead. Every visitor of a kept page gets the same bytes, and a script is still allowed only if the app itself
wrote it into that page.
"""
from __future__ import annotations

import base64
import hashlib
import re
from typing import TypeVar

from flask import Response, current_app, request, session

from . import db

MARK = "kerbside_shared"
#: Request headers that say who is asking (Open311 takes its key as X-Api-Key too): never kept for others.
CREDENTIALS = ("Authorization", "X-Api-Key")
#: Answers of a view that depend on the address alone. "Not found" and the error pages are kept too: a kept
#: copy is replaced by whatever the page says next (a report hidden since). Not 304 (it answers one browser's
#: If-None-Match) nor 429 (one visitor's limit). Routing's own answers (a 308 to the address with a slash, a 405)
#: come before any view, so are never marked.
KEPT_STATUSES = frozenset({200, 301, 302, 307, 400, 404, 410, 500, 503})
Marked = TypeVar("Marked")


def shared(target: Marked) -> Marked:
    """Mark a view (under its route) or a blueprint whose GET answer, for a visitor with no cookie, depends only
    on its address and shows only what anyone may see (a report's public page, the home page)."""
    setattr(target, MARK, True)
    return target


def keep_for(response: Response) -> int:
    """How many seconds nginx may keep this answer for every visitor without a cookie (0: not at all)."""
    app = current_app
    seconds = app.config.get("SHARED_CACHE_SECONDS", 0)
    if (not seconds or request.method not in db.READ_METHODS or response.status_code not in KEPT_STATUSES
            or response.is_streamed or "Set-Cookie" in response.headers
            or response.cache_control.private or response.cache_control.no_store
            or response.cache_control.no_cache or response.cache_control.max_age == 0):
        return 0
    if request.cookies or any(h in request.headers for h in CREDENTIALS) or "api_key" in request.args:
        return 0
    if session.modified or session:         # a session begun by this request (a CSRF token) is its own
        return 0
    return seconds if db.view_marked(app, MARK, db.PUBLIC_READ_MARK) else 0


def mark(response: Response) -> int:
    """Tell nginx whether it may keep ``response`` (keep_for), and for how long it may give out the old copy
    while the app draws the next: returns the seconds kept (0: not kept).

    The bound on a stale copy is the answer's ``stale-while-revalidate`` (nginx reads it from Cache-Control,
    and only when Cache-Control comes before X-Accel-Expires: nginx 1.22 reads no more of Cache-Control
    once it has X-Accel-Expires). ``must-revalidate`` keeps browsers from doing the same with their copy: a
    person who signs in meanwhile must not be shown the copy drawn for nobody."""
    keep = keep_for(response)
    if keep:
        response.cache_control.must_revalidate = True
        response.cache_control.stale_while_revalidate = keep
    response.headers.pop("X-Accel-Expires", None)
    response.headers["X-Accel-Expires"] = str(keep)         # appended: after any Cache-Control
    return keep


#: An inline script (no src attribute: a data-src is not one) and its text; its nonce is read from the
#: attributes.
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*(?<![\w-])src\s*=)([^>]*)>(.*?)</script>",
                            re.DOTALL | re.IGNORECASE)
_NONCE = re.compile(r'\bnonce="([^"]*)"')


def script_hashes(html: str, nonce: str) -> list[str]:
    """CSP hash sources of every inline script of ``html`` that carries ``nonce`` (in the order of the page,
    each once)."""
    found = dict.fromkeys(
        # The browser hashes the script as it parsed it: its line breaks made LF (HTML's input stream).
        "'sha256-" + base64.b64encode(hashlib.sha256(
            body.replace("\r\n", "\n").replace("\r", "\n").encode()).digest()).decode() + "'"
        for attrs, body in _INLINE_SCRIPT.findall(html)
        if (given := _NONCE.search(attrs)) and given.group(1) == nonce)
    return list(found)
