"""The explorer's end-to-end fixtures: kimnet served in production mode, and Debian's headless Chromium.

The service runs as its own process (``kimnet serve``) on a free loopback port,
with tokens required, on an embedded store holding the Coesfeld seed plus one
short-lived offer from ``fixtures/`` (imported with ``kimnet import csv``'s
code) so that the coverage view has a gap that opens. Chromium is driven by
Playwright, with the system's browser: Playwright's own download is not used.
Each test saves a screenshot to ``.cache/screenshots/``, and checks every state
it reaches with axe-core (from ``web/node_modules``, pinned by the lockfile)
against WCAG 2.1 AA, the level BITV 2.0 asks of public bodies.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, async_playwright

from kimnet.graph.io.seedfile import load_seed_dir
from kimnet.graph.model.audit import Actor
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.schema.access import Role
from kimnet.service.auth import create_token
from kimnet.service.config import Settings
from kimnet.service.exchange import import_tables
from tests.conftest import ROOT, SEED

CHROMIUM = Path(os.environ.get("KIMNET_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
#: The rules of WCAG 2.0 and 2.1, levels A and AA (BITV 2.0), and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SCREENSHOTS = ROOT / ".cache" / "screenshots"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECRET = "end-to-end-tests-only-0123456789abcdef"
#: Playwright adds --headless itself, and a fresh --user-data-dir through the persistent context.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=de-DE",
]


def token(role: Role) -> str:
    """A bearer token for the test service, with ``role``."""
    settings = Settings.from_env({"KIMNET_JWT_SECRET": SECRET})
    return create_token(settings, role, f"e2e-{role.label}", dt.timedelta(hours=1))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(port: int, data: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``kimnet serve`` in production mode, its output going to ``log_path``."""
    env = {**os.environ, "KIMNET_ENV": "production", "KIMNET_JWT_SECRET": SECRET, "KIMNET_LOG_LEVEL": "warning"}
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "kimnet.service.cli", "serve", "--port", str(port), "--data-dir", str(data)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def explorer_built() -> None:
    """Build the explorer from web/ (a no-op when it is up to date)."""
    built = subprocess.run([str(ROOT / "scripts" / "web-build")], capture_output=True, text=True, timeout=600)
    if built.returncode != 0:
        pytest.fail(f"scripts/web-build failed (it needs Node.js and npm):\n{built.stderr}", pytrace=False)


@pytest.fixture(scope="session")
async def explorer_url(explorer_built: None, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The URL of a kimnet service in production mode, serving the built explorer."""
    data = tmp_path_factory.mktemp("explorer-store")
    store = EmbeddedStore.open(data)
    try:
        await store.replace_all(load_seed_dir(SEED))
        await import_tables(store, FIXTURES, actor=Actor("e2e", "admin", "importCsv"))
    finally:
        await store.close()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data.parent / "explorer-server.log"
    server = _start(port, data, log_path)
    try:
        deadline = time.monotonic() + 60
        while not _ready(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"kimnet serve did not come up:\n{log_path.read_text()}", pytrace=False)
            await asyncio.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; missing, it is a failure (scripts/test installs it), never a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (scripts/test does)", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserContext]:
    """Headless Chromium from Debian's package, with a fresh profile, in German."""
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(chromium),
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 1000},
            locale="de-DE",
            # Date fields take their format from the process's locale, not from --lang: 01.07.2021, not 07/01/2021.
            env={**os.environ, "LANG": "de_DE.UTF-8", "LANGUAGE": "de", "LC_ALL": "de_DE.UTF-8"},
        )
        yield context
        await context.close()


@pytest.fixture
async def page(browser: BrowserContext) -> AsyncIterator[Page]:
    """A new tab; the test fails if the page's script throws."""
    tab = await browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    await tab.close()
    assert errors == [], f"the explorer's script failed: {errors}"


async def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``.cache/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def sign_in(page: Page, url: str, view: str, role: Role) -> None:
    """Open ``view`` and enter a token with ``role`` in the token form."""
    await page.goto(f"{url}/#{view}")
    await page.fill("#token-input", token(role))
    await page.click("#token-form button[type=submit]")
    await page.wait_for_selector("#token-state:has-text('Token gesetzt')")


async def accessible(page: Page, state: str) -> None:
    """Fail with every axe-core violation of WCAG 2.1 AA (and best practice) on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: scripts/web-build installs web/'s locked packages", pytrace=False)
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: the page's Content-Security-Policy (script-src 'self')
        # rightly refuses an injected <script>, and must stay on for the test.
        await page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found = await page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
            return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}; ` +
                v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " " + (n.failureSummary || "").replace(/\\s+/g, " ")).join(" | ") +
                (v.nodes.length > 5 ? ` and ${v.nodes.length - 5} more` : ""));
        }""",
        AXE_TAGS,
    )
    assert found == [], f"axe-core finds violations in {state}:\n" + "\n".join(found)
