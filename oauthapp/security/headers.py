"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Request
from werkzeug.middleware.proxy_fix import ProxyFix

_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
CONTENT_SECURITY_POLICY = "; ".join(_POLICY)
# For a page that shows an email's HTML in a sandboxed frame: email HTML is styled inline.
INLINE_STYLES_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask, proxy_count: int) -> None:
    if proxy_count:
        # Client address, scheme and host as the trusted proxies saw them; never more hops.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxy_count, x_proto=proxy_count, x_host=proxy_count,
            x_port=proxy_count, x_prefix=proxy_count,
        )  # fmt: skip
    app.session_interface = HttpsAwareSessions()
    app.after_request(add_security_headers)


class HttpsAwareSessions(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the page was served over HTTPS."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # No cookie (every API and token request): a new session, without building the signing
        # serializer first as Flask does.
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # Untouched and empty (every API and token request): nothing to set, delete or vary.
        if not session and not session.modified and not session.accessed:
            return
        super().save_session(app, session, response)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))


def add_security_headers(response: Response) -> Response:
    """No inline scripts, no framing, no sniffing, no referrer leaks; HTTPS only once used."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
