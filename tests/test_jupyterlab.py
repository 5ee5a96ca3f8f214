"""The report notebook in real JupyterLab, driven through its UI in headless Chromium.

An analyst's first step is opening ``notebooks/annual_report.ipynb`` in
JupyterLab and choosing Run All.  This test does exactly that against a real
``jupyter lab`` server (headless, on a free local port, with a token, isolated
configuration folders) and a real kernel, then reads the report out of the
notebook's rendered outputs.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from nianbao import formats as F

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TOKEN = "nianbao-test-token"
DEPARTMENT, YEAR = "demo", 2024

pytestmark = [pytest.mark.browser, pytest.mark.kernel]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def analyst_project(builder) -> Path:
    """Two years of one department and the kit's report notebook, its parameters
    set to that department-year as an analyst would set them."""
    builder.add(DEPARTMENT, YEAR - 1, size=30)
    builder.add(DEPARTMENT, YEAR, size=30)
    nb = json.loads((REPO / "notebooks" / "annual_report.ipynb").read_text(encoding="utf-8"))
    parameters = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    source = "".join(parameters["source"])
    source = re.sub(r'^department = "[^"]*"', f'department = "{DEPARTMENT}"', source, flags=re.M)
    source = re.sub(r"^year = \d+", f"year = {YEAR}", source, flags=re.M)
    parameters["source"] = source
    (builder.root / "notebooks").mkdir()
    (builder.root / "notebooks" / "annual_report.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return builder.root


def start_lab(root: Path, home: Path, port: int) -> subprocess.Popen:
    # Every folder JupyterLab reads or writes settings in is the test's own, so
    # the developer's configuration neither changes the test nor is changed by it.
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "rt"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
           "JUPYTER_PLATFORM_DIRS": "1"}
    env.pop("NIANBAO_PROJECT", None)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
               # Offline: no news feed, no update check.
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", "--ServerApp.terminals_enabled=False"]
    if os.geteuid() == 0:  # CI containers run as root
        command.append("--allow-root")
    # Every cell stays in the page (no windowing), so the test reads all outputs.
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    # No "official Jupyter news?" prompt (and no fetch of it).
    notification = home / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}), encoding="utf-8")
    return subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_until_serving(port: int, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"jupyter lab exited: {server.stdout.read() if server.stdout else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AssertionError("jupyter lab did not start in time")


def stop_lab(port: int, server: subprocess.Popen) -> str:
    """Shut the server down through its API (which also stops its kernels); returns its log."""
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/shutdown", method="POST",
                                         headers={"Authorization": f"token {TOKEN}"})
        urllib.request.urlopen(request, timeout=10).close()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        pass
    try:
        log, _ = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        log, _ = server.communicate()
    return log or ""


def test_run_all_in_jupyterlab(builder, tmp_path_factory, artifacts):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    root = analyst_project(builder)
    home = tmp_path_factory.mktemp("labhome")
    port = free_port()
    server = start_lab(root, home, port)
    errors: list[str] = []
    foreign: list[str] = []
    try:
        wait_until_serving(port, server)
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1300, "height": 900})
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("request", lambda r: not r.url.startswith((f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/",
                                                                    "data:", "blob:")) and foreign.append(r.url))
                page.goto(f"http://127.0.0.1:{port}/lab/tree/notebooks/annual_report.ipynb?token={TOKEN}")
                notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
                notebook.locator(".jp-Cell").first.wait_for(timeout=90_000)
                # Run All only once the kernel is ready (the status bar says Idle).
                page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\|\s*Idle")).wait_for(timeout=90_000)
                page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
                page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

                code_cells = notebook.locator(".jp-CodeCell")
                count = code_cells.count()
                assert count >= 10
                # Run All has finished when every code cell shows an execution count, or
                # stopped at an error (JupyterLab then leaves the later cells unrun).
                page.wait_for_function(
                    """(n) => {
                        const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                        const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                        const done = prompts.length === n && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
                        return done || panel.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]') !== null;
                    }""", arg=count, timeout=180_000)
                page.screenshot(path=str(artifacts / "jupyterlab-run-all.png"), full_page=False)

                outputs = notebook.locator(".jp-OutputArea-output")
                text = outputs.all_inner_texts()
                joined = "\n".join(text)
                # No error output: no traceback, nothing written to stderr.
                assert notebook.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0, joined[-2000:]
                assert "Traceback" not in joined
                # The report: its title, the six section headings, the official tables and charts.
                assert F.TITLE_PATTERN.format(name="示例区测试局", year=YEAR) in joined
                for heading in F.SECTION_HEADINGS:
                    assert heading in joined
                for label in (F.NEW, F.CARRIED_IN, F.OUTCOME_TOTAL, F.CARRIED_OUT, F.GRANTED):
                    assert label in joined
                assert outputs.locator("table").count() >= 3
                images = outputs.locator("img")
                assert images.count() >= 2
                for i in range(images.count()):
                    image = images.nth(i)
                    image.scroll_into_view_if_needed()
                    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
                    assert (image.get_attribute("src") or "").startswith("data:image/")
                    assert image.get_attribute("alt")
            finally:
                browser.close()
    finally:
        log = stop_lab(port, server)
    assert server.returncode is not None
    assert errors == [], errors
    assert foreign == [], foreign
    # The kernel really ran the kit (the server logs the kernel it started).
    assert "Kernel started" in log, log[-2000:]
