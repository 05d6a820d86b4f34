"""Who may talk to the server: loopback by default, a token otherwise, and no cross-site writes.

- `check_bind`: a non-loopback address is refused unless an access token is set.
- `Guard` (ASGI middleware):
  * with a token, every /api call must carry it (`Authorization: Bearer T`, or the cookie that
    `GET /?token=T` sets, for the page's EventSource, <video> and download links);
  * without a token the server is loopback-only, and requests whose Host header is not a loopback
    name are refused: a DNS-rebinding page cannot reach the API through a name it controls;
  * a state-changing request (POST, PUT, PATCH, DELETE) from another site is refused with 403,
    judged by `Sec-Fetch-Site` and `Origin`: a page elsewhere cannot submit or cancel jobs.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from ..errors import InputError

TOKEN_COOKIE = "aigc_video_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PAGE_HEADERS = [  # for the studio page and its static files (blob: images: the preview of a picture to upload)
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data: blob:; media-src 'self'; "
                                 b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-frame-options", b"DENY"),
]
COMMON_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other name may resolve to anything: treat it as public


def check_bind(host: str, token: str | None) -> None:
    if not is_loopback(host) and not token:
        raise InputError(f"host {host!r} is not a loopback address: set an access token "
                         f"(--token or AIGC_VIDEO_TOKEN) to listen on it, or use --host 127.0.0.1")
    if token is not None and len(token) < 16:
        raise InputError(f"the access token has {len(token)} characters, under the limit of 16")


def token_matches(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def host_name(host_header: str) -> str:
    """'127.0.0.1:8000' -> '127.0.0.1', '[::1]:8000' -> '::1'."""
    return (urlsplit(f"//{host_header}").hostname or "").lower()


class Guard:
    def __init__(self, app, token: str | None):
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path, method = scope["path"], scope["method"]
        refusal = self.refusal(method, path, headers)
        if refusal is not None:
            status, message, extra = refusal
            return await respond(send, status, message, extra)

        page = not path.startswith("/api/") and path not in ("/docs", "/redoc", "/openapi.json")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + COMMON_HEADERS + (PAGE_HEADERS if page else [])
            await send(message)

        return await self.app(scope, receive, send_with_headers)

    def refusal(self, method: str, path: str, headers: dict) -> tuple[int, str, list] | None:
        host = headers.get("host", "")
        if not self.token and not is_loopback(host_name(host)):
            return 400, f"host {host!r} is not a loopback name; this server answers only on loopback", []
        if method in UNSAFE_METHODS:
            site = headers.get("sec-fetch-site")
            if site is not None and site not in ("same-origin", "none"):
                return 403, f"cross-site request refused (Sec-Fetch-Site: {site})", []
            origin = headers.get("origin")
            if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != host.lower()):
                return 403, f"cross-site request refused (Origin {origin!r} is not this server)", []
        if self.token and path.startswith("/api/") and not self.authorized(headers):
            return 401, "this server needs its access token: Authorization: Bearer <token>", \
                [(b"www-authenticate", b"Bearer")]
        return None

    def authorized(self, headers: dict) -> bool:
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer " and token_matches(auth[7:].strip(), self.token):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie header is just no token
            return False
        morsel = cookie.get(TOKEN_COOKIE)
        return morsel is not None and token_matches(morsel.value, self.token)


async def respond(send, status: int, message: str, extra_headers: list) -> None:
    body = json.dumps({"detail": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())] + extra_headers + COMMON_HEADERS})
    await send({"type": "http.response.body", "body": body})
