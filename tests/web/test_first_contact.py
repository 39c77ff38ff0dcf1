"""A newcomer's first contact: the README's run command, then every view, GraphiQL and the downloads, with no token.

The service is started exactly as the README says (``scripts/serve``, with a port and a fresh
data folder): development mode, the embedded store seeded with the Coesfeld network on first start.
The browser is cut off from every host but this server, as on a machine without internet: a page
that needs a CDN stays blank there.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import BrowserContext, Page, Route

from tests.conftest import ROOT
from tests.web.conftest import _free_port, _ready, screenshot


def _serve(port: int, data: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``scripts/serve`` as a newcomer would: development mode, no token secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIMNET_ENV", "KIMNET_JWT"))}
    with log_path.open("w") as log:
        return subprocess.Popen(
            [str(ROOT / "scripts" / "serve"), "--port", str(port), "--data-dir", str(data)], env=env, stdout=log, stderr=log
        )


@pytest.fixture(scope="module")
async def served_as_in_the_readme(explorer_built: None, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    data = tmp_path_factory.mktemp("first-contact-store")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data.parent / "first-contact-server.log"
    server = _serve(port, data, log_path)
    try:
        deadline = time.monotonic() + 120
        while not _ready(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"scripts/serve did not come up:\n{log_path.read_text()}", pytrace=False)
            await asyncio.sleep(0.2)
        banner = log_path.read_text()
        for _ in range(50):
            if "GraphiQL" in banner:
                break
            await asyncio.sleep(0.1)
            banner = log_path.read_text()
        assert f"Explorer   {url}/" in banner, banner
        assert f"GraphiQL   {url}/graphql" in banner
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
async def offline(browser: BrowserContext, served_as_in_the_readme: str) -> AsyncIterator[tuple[Page, list[str]]]:
    """A tab that reaches this server only; every other request is refused and noted."""
    own = urlsplit(served_as_in_the_readme).netloc
    outside: list[str] = []

    async def only_this_server(route: Route) -> None:
        address = urlsplit(route.request.url)
        if address.scheme in ("data", "blob") or address.netloc == own:
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort("internetdisconnected")

    tab = await browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    await tab.route("**/*", only_this_server)
    yield tab, outside
    await tab.close()
    assert errors == [], f"the page's script failed: {errors}"


async def _no_message(page: Page) -> None:
    message = page.locator("#message")
    assert not await message.is_visible(), await message.inner_text()


async def test_every_view_answers_without_a_token(offline: tuple[Page, list[str]], served_as_in_the_readme: str) -> None:
    page, outside = offline
    url = served_as_in_the_readme
    await page.goto(f"{url}/#netzwerk")
    await page.fill("#search-q", "Caritas")
    await page.fill("#search-asof", "2021-07-01")  # the ties the seed dates end with their programmes
    await page.click("#search-form button[type=submit]")
    await page.locator("#search-results button", has_text="Caritasverband für den Kreis Coesfeld").first.click()
    await page.wait_for_selector("#node-table tr[data-key='org:ki-coesfeld']")
    await _no_message(page)

    await page.goto(f"{url}/#versorgung")
    await page.fill("#coverage-asof", "2021-07-01")
    await page.click("#coverage-form button[type=submit]")
    await page.wait_for_selector("#coverage-matrix")
    assert await page.locator("#coverage-matrix tbody tr").count() == 11
    await _no_message(page)

    # The referral needs the role caseworker; at a development server's keyboard, no token is needed.
    await page.goto(f"{url}/#fallberatung")
    await page.wait_for_selector("#case-municipality option[value='mun:olfen']", state="attached")
    await page.select_option("#case-municipality", "mun:olfen")
    await page.fill("#case-age", "22")
    await page.select_option("#case-status", "DULDUNG")
    await page.check("#case-needs input[value='need:ausbildung']")
    await page.fill("#case-asof", "2021-07-01")
    await page.click("#referral-form button[type=submit]")
    await page.wait_for_selector("#conference")
    assert await page.locator("section.need[data-need='need:ausbildung'] ol.offers > li").count() >= 3
    await _no_message(page)
    assert outside == []


async def test_graphiql_renders_and_answers_with_the_network_unplugged(
    offline: tuple[Page, list[str]], served_as_in_the_readme: str
) -> None:
    page, outside = offline
    await page.goto(f"{served_as_in_the_readme}/graphql")
    await page.wait_for_selector(".graphiql-container .graphiql-query-editor .CodeMirror", timeout=20_000)
    await page.click(".graphiql-execute-button")
    response = page.locator(".graphiql-response .CodeMirror")
    await response.filter(has_text="Kreisjugendamt").wait_for(timeout=20_000)
    assert outside == [], f"GraphiQL asked hosts outside this server: {outside}"
    await screenshot(page, "graphiql-offline")


@pytest.mark.parametrize(
    ("button", "name", "magic"),
    [
        ("#export-graphml", "kimnet-2021-07-01.graphml", b"<?xml"),
        ("#export-gexf", "kimnet-2021-07-01.gexf", b"<?xml"),
        ("#export-csv", "kimnet-2021-07-01-csv.zip", b"PK\x03\x04"),
        ("#export-hsds", "kimnet-2021-07-01.json", b"{"),
        ("#report-pdf", "kimnet-abdeckung-2021-07-01.pdf", b"%PDF"),
        ("#report-png", "kimnet-abdeckung-2021-07-01.png", b"\x89PNG"),
        ("#report-html", "kimnet-abdeckung-2021-07-01.html", b"<!DOCTYPE html>"),
    ],
)
async def test_the_download_buttons_deliver_the_files_while_the_service_runs(
    offline: tuple[Page, list[str]], served_as_in_the_readme: str, button: str, name: str, magic: bytes
) -> None:
    page, _ = offline
    await page.goto(f"{served_as_in_the_readme}/#herunterladen")
    await page.fill("#export-asof", "2021-07-01")
    await page.fill("#report-asof", "2021-07-01")
    async with page.expect_download(timeout=60_000) as waiting:
        await page.click(button)
    download = await waiting.value
    assert download.suggested_filename == name
    content = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert content.startswith(magic)
    await page.locator("#message", has_text=f"Heruntergeladen: {name}").wait_for()
    if button == "#report-pdf":
        await screenshot(page, "explorer-downloads")
