"""Security headers on every answer (OWASP ASVS 5.0 V3.4).

Every response gets ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy``; answers
over https get ``Strict-Transport-Security``. HTML pages (the back office, the consent page)
also get a ``Content-Security-Policy`` that allows scripts only from Comptoir's own origin
(the back office's scripts are vendored files, never inline), no plug-ins, no ``<base>``
rewriting and no framing. The API reference at ``/docs`` is Swagger UI, which starts from an
inline script: it gets a policy of its own that allows that one page's inline code.

A header the application already set on a response is left as it is.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'"
)
API_DOCS_POLICY: Final = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
HSTS: Final = "max-age=31536000; includeSubDomains"
API_DOCS_PATH: Final = "/docs"


def _is_https(scope: Scope) -> bool:
    return scope.get("scheme") == "https"


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding the security headers described in the module's docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = _is_https(scope)
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                content_type = headers.get("content-type", "")
                if content_type.startswith("text/html"):
                    policy = API_DOCS_POLICY if path == API_DOCS_PATH else PAGE_POLICY
                    headers.setdefault("Content-Security-Policy", policy)
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
