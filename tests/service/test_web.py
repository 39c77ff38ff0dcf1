"""The explorer's page at /: served with a strict content security policy, or a page saying how to build it."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kimnet.service import web
from kimnet.service.app import create_app
from kimnet.service.config import Settings
from tests.conftest import SEED


def _client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path / "data", seed=SEED)))


def test_the_built_explorer_is_served_at_the_root_with_its_assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<html lang="de"><script type="module" src="/assets/app.js"></script></html>')
    (dist / "assets" / "app.js").write_text("console.log('kimnet')")
    monkeypatch.setattr(web, "WEB_DIST", dist)
    with _client(tmp_path) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "connect-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        script = client.get("/assets/app.js")
        assert script.status_code == 200
        assert "kimnet" in script.text
        assert client.get("/assets/nothing.js").status_code == 404


def test_without_a_build_the_root_says_how_to_build_the_explorer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "WEB_DIST", tmp_path / "not-built")
    with _client(tmp_path) as client:
        page = client.get("/")
        assert page.status_code == 503
        assert "Der Netzwerk-Explorer ist noch nicht gebaut" in page.text
        assert "scripts/web-build" in page.text
        assert client.get("/assets/app.js").status_code == 404
        assert client.post("/graphql", json={"query": "{ municipalities { totalCount } }"}).json() == {
            "data": {"municipalities": {"totalCount": 11}}
        }
