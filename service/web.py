"""The coordinators' web explorer at ``/``: the built page and its assets.

The explorer's sources are in ``web/`` (JavaScript, Cytoscape.js from npm,
bundled by esbuild); ``scripts/web-build`` builds them into ``service/web-dist``,
which is git-ignored. When it has not been built, ``/`` answers with a page
saying how to build it, and the GraphQL API works as ever. The explorer talks
to nothing but ``/graphql``, so its pages carry a content security policy that
allows only this origin.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

__all__ = ["WEB_DIST", "graphiql_page", "web_routes"]

#: Where ``scripts/web-build`` puts the explorer.
WEB_DIST = Path(__file__).resolve().parent / "web-dist"

#: The explorer loads its script and styles from here and talks only to /graphql here. Cytoscape
#: sets style attributes on its canvas, so inline styles (never scripts) are allowed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

NOT_BUILT = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>kimnet – Explorer nicht gebaut</title></head>
<body style="font-family: sans-serif; max-width: 44rem; margin: 3rem auto; line-height: 1.5">
<h1>Der Netzwerk-Explorer ist noch nicht gebaut</h1>
<p>Diese Installation enthält die Oberfläche für Koordinatorinnen und Koordinatoren nicht.
Sie wird aus den Quellen im Ordner <code>web/</code> gebaut; dafür braucht es Node.js und npm:</p>
<pre>scripts/web-build</pre>
<p><code>scripts/serve</code> baut sie von selbst, wenn npm vorhanden ist. Danach diese Seite neu laden.</p>
<p>Die GraphQL-Schnittstelle unter <a href="/graphql">/graphql</a> funktioniert auch ohne die Oberfläche.</p>
</body></html>
"""


GRAPHIQL_NOT_BUILT = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>kimnet – GraphiQL nicht gebaut</title></head>
<body style="font-family: sans-serif; max-width: 44rem; margin: 3rem auto; line-height: 1.5">
<h1>GraphiQL ist noch nicht gebaut</h1>
<p>GraphiQL wird mit dem Netzwerk-Explorer aus <code>web/</code> gebaut, damit es ohne Internet
funktioniert; dafür braucht es Node.js und npm: <code>scripts/web-build</code>
(<code>scripts/serve</code> tut das von selbst).</p>
<p>Die Schnittstelle selbst antwortet auch so auf POST-Anfragen an <code>/graphql</code>.</p>
</body></html>
"""


def graphiql_page() -> Response:
    """GraphiQL, served from this server's own assets (no CDN), or the page that says how to build it."""
    page = WEB_DIST / "graphiql.html"
    if not page.is_file():
        return HTMLResponse(GRAPHIQL_NOT_BUILT, status_code=503, headers=SECURITY_HEADERS)
    return FileResponse(page, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


async def explorer(request: Request) -> Response:
    """The explorer's page, or the page that says how to build it."""
    page = WEB_DIST / "index.html"
    if not page.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503, headers=SECURITY_HEADERS)
    return FileResponse(page, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


class _Assets:
    """The built script and styles; 404 while the explorer is not built (StaticFiles would fail with 500)."""

    def __init__(self) -> None:
        self._files = StaticFiles(directory=WEB_DIST / "assets", check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (WEB_DIST / "assets").is_dir():
            await PlainTextResponse("the explorer is not built: run scripts/web-build", status_code=404)(scope, receive, send)
            return
        await self._files(scope, receive, send)


def web_routes() -> list[BaseRoute]:
    """The routes of the explorer: ``/`` and ``/assets/...``."""
    return [Route("/", explorer, methods=["GET", "HEAD"]), Mount("/assets", _Assets(), name="assets")]
