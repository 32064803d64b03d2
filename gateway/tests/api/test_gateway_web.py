"""The web clients: the citizen app at ``/``, the desk at ``/desk/``, each with its files as built and its
screens by deep link, and the API untouched beside them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gateway_harness import gateway, running

from gateway.web import APP_CSP

SHELL = '<!doctype html><html lang="vi"><title>Dịch vụ công</title><div id="app"></div></html>'
DESK_SHELL = '<!doctype html><html lang="vi"><title>Một cửa</title><div id="app"></div></html>'


@pytest.fixture
def web(tmp_path: Path) -> Path:
    """The web clients' folder: the list of clients (the citizen app at /, the desk at /desk/)."""
    root = tmp_path / "web"
    root.mkdir()
    clients = [{"name": "app", "mount": "/"}, {"name": "desk", "mount": "/desk/"}]
    (root / "clients.json").write_text(json.dumps({"clients": clients}), encoding="utf-8")
    return root


@pytest.fixture
def dist(web: Path) -> Path:
    """A built app: the shell, a hashed asset, the service worker and the manifest."""
    root = web / "app" / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(SHELL, encoding="utf-8")
    (root / "assets" / "index-abc123.js").write_text("console.log('app')", encoding="utf-8")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})", encoding="utf-8")
    (root / "manifest.webmanifest").write_text('{"name": "Dịch vụ công"}', encoding="utf-8")
    return root


async def test_the_shell_and_its_files_are_served_with_the_apps_policy(
    tmp_path: Path, web: Path, dist: Path
) -> None:
    async with running(gateway(tmp_path, web_dir=web)) as client:
        shell = await client.get("/")
        assert shell.status_code == 200
        assert shell.text == SHELL
        assert shell.headers["content-security-policy"] == APP_CSP
        assert shell.headers["cache-control"] == "no-cache"
        asset = await client.get("/assets/index-abc123.js")
        assert asset.text == "console.log('app')"
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        worker = await client.get("/sw.js")
        assert worker.headers["cache-control"] == "no-cache"
        assert worker.headers["service-worker-allowed"] == "/"
        assert (await client.get("/manifest.webmanifest")).headers["cache-control"] == "no-cache"


async def test_text_files_go_gzipped_to_a_browser_that_takes_it(
    tmp_path: Path, web: Path, dist: Path
) -> None:
    script = "console.log('ứng dụng');" * 200
    (dist / "assets" / "index-abc123.js").write_text(script, encoding="utf-8")
    async with running(gateway(tmp_path, web_dir=dist.parents[1])) as client:
        packed = await client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["vary"]
        assert packed.headers["content-type"].startswith("text/javascript")
        assert packed.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert int(packed.headers["content-length"]) < len(script.encode()) / 10
        assert packed.text == script, "the client unpacks it to the file as built"
        plain = await client.get("/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.text == script
        shell = await client.get("/ho-so/abc", headers={"Accept-Encoding": "gzip, br", "Accept": "text/html"})
        assert (shell.headers["content-encoding"], shell.text) == ("gzip", SHELL)


async def test_a_deep_link_gets_the_shell_and_a_missing_file_a_404(
    tmp_path: Path, web: Path, dist: Path
) -> None:
    async with running(gateway(tmp_path, web_dir=web)) as client:
        deep = await client.get("/ho-so/hue.so-tu-phap-261206-0001", headers={"Accept": "text/html"})
        assert deep.status_code == 200
        assert deep.text == SHELL
        missing = await client.get("/assets/gone-999.js")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        escape = await client.get("/..%2f..%2fpyproject.toml", headers={"Accept": "text/html"})
        assert "workspace" not in escape.text


async def test_the_api_and_the_documents_are_never_the_app(tmp_path: Path, dist: Path) -> None:
    async with running(gateway(tmp_path, web_dir=dist.parents[1])) as client:
        document = await client.get("/openapi.json")
        assert document.status_code == 200
        assert "paths" in document.json()
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        unknown = await client.get("/api/v2/anything", headers={"Accept": "text/html"})
        assert unknown.status_code == 404
        assert unknown.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/api/v1/nowhere")).status_code == 404
        assert (await client.get("/.well-known/nothing")).status_code == 404


async def test_the_desk_is_served_at_its_mount_beside_the_app(tmp_path: Path, web: Path, dist: Path) -> None:
    desk = web / "desk" / "dist"
    (desk / "assets").mkdir(parents=True)
    (desk / "index.html").write_text(DESK_SHELL, encoding="utf-8")
    (desk / "assets" / "index-def456.js").write_text("console.log('desk')", encoding="utf-8")
    async with running(gateway(tmp_path, web_dir=web)) as client:
        assert (await client.get("/desk/")).text == DESK_SHELL
        deep = await client.get("/desk/ho-so/hue.so-tu-phap-261206-0001", headers={"Accept": "text/html"})
        assert (deep.status_code, deep.text) == (200, DESK_SHELL)
        assert deep.headers["content-security-policy"] == APP_CSP
        asset = await client.get("/desk/assets/index-def456.js", headers={"Accept-Encoding": "gzip"})
        assert asset.text == "console.log('desk')"
        assert asset.headers["content-encoding"] == "gzip"
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert (await client.get("/desk/assets/index-abc123.js")).status_code == 404, (
            "the app's files stay the app's"
        )
        bare = await client.get("/desk", follow_redirects=False)
        assert (bare.status_code, bare.headers["location"]) == (308, "/desk/")
        assert (await client.get("/ho-so/abc", headers={"Accept": "text/html"})).text == SHELL
        assert (await client.get("/desk-no/abc", headers={"Accept": "text/html"})).text == SHELL


async def test_without_a_build_the_root_is_not_found(tmp_path: Path, web: Path) -> None:
    async with running(gateway(tmp_path, web_dir=web)) as client:
        assert (await client.get("/")).status_code == 404
        assert (await client.get("/desk/")).status_code == 404
