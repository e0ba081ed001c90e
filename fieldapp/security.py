"""Security headers on every response: what a browser may load, frame, sniff, refer and keep.

One ``after_request`` hook, so no view can forget them (error pages, 404s and
the API's JSON errors included):

- **Content-Security-Policy**: scripts, styles, fonts, the manifest and the
  service worker only from this origin; no inline script, no inline style
  attribute, no ``eval`` (the pages and the officer app have none; the field
  rules in ``/app`` are a ``<script type="application/json">`` data block,
  which a browser never runs, so the policy does not touch it). Images also
  from ``blob:`` (the officer app shows each photo it keeps in IndexedDB
  through an object URL) and ``data:`` (nothing uses it today; it costs no
  script or style). No plugins, no ``<base>``, forms post only here, and no
  other site may frame a page (``frame-ancestors 'none'``, with
  ``X-Frame-Options: DENY`` for browsers that predate it).
- **X-Content-Type-Options: nosniff**: a photo or a CSV is never read as HTML
  or script whatever its bytes.
- **Referrer-Policy: same-origin**: no address of ours (entry ids, search
  text in a queue's query string) leaves for another site, while our own
  requests keep their Referer: Flask-WTF checks it on every form sent over
  HTTPS (``WTF_CSRF_SSL_STRICT``), so ``no-referrer`` would refuse them all.
- **Strict-Transport-Security**: only on a request that came over HTTPS
  (a browser ignores it over plain HTTP, and a development server on
  http://localhost must not be pinned to HTTPS).
- **Cache-Control: no-store** on every response that did not choose its own
  policy: every signed-in page, every API answer, the sign-in page (it holds a
  CSRF token), errors. A response that set Cache-Control on purpose keeps it:
  the officer app's shell, ``/app`` and ``/sw.js`` revalidate (``no-cache``:
  the service worker keeps the offline copy and must see updates), the
  reference document revalidates by its ETag, photos and exports already say
  ``no-store``, and the site's stylesheet is sent as a static file.
"""

from __future__ import annotations

from flask import Flask, Response, request

#: Each directive, with what in the app needs it.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",  # ES modules and review-keys.js from here; no inline script, no eval
    "style-src 'self'",  # site.css, review-entry.css, app.css; no style="" attribute anywhere
    "img-src 'self' data: blob:",  # photos served here; the officer app's thumbnails are object URLs
    "connect-src 'self'",  # the API, and the service worker's fetches of the shell
    "font-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",  # /sw.js
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HSTS = "max-age=31536000; includeSubDomains"

#: Sent on every response, whatever it is.
ALWAYS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def secure_headers(response: Response) -> Response:
    """Add the headers above to ``response`` (its own Cache-Control, if it has one, is kept)."""
    for name, value in ALWAYS.items():
        response.headers[name] = value
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Send the headers on every response of ``app``."""
    app.after_request(secure_headers)
