"""The operator portal: one static page and its assets, served from the package.

The portal is a client of the public JSON API, so this router serves files only. Assets are
an explicit allow-list rather than a directory mount: nothing else in the package (or outside
it) can be reached through a crafted path.
"""

from __future__ import annotations

from importlib import resources

from fastapi.responses import RedirectResponse, Response

from recruitiq.errors import NotFound
from recruitiq.kit.routing import api_router

router = api_router(include_in_schema=False)

ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "portal.css": "text/css; charset=utf-8",
}

# No inline script or style and nothing from another origin: rendered API data cannot
# execute even if an escaping mistake ever slipped through.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Always revalidate so an upgraded server never pairs with a stale script.
    "Cache-Control": "no-cache",
}


def _static_file(name: str) -> bytes:
    return (resources.files("recruitiq.portal") / "static" / name).read_bytes()


def _respond(name: str, media_type: str) -> Response:
    return Response(_static_file(name), media_type=media_type, headers=SECURITY_HEADERS)


@router.get("/portal")
def portal_page() -> Response:
    return _respond("index.html", "text/html; charset=utf-8")


@router.get("/portal/")
def portal_slash() -> RedirectResponse:
    return RedirectResponse("/portal", status_code=308)


@router.get("/portal/static/{name}")
def portal_asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound("Portal asset", name)
    return _respond(name, media_type)
