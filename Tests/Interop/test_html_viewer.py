"""The interactive viewer page in headless Chromium (Debian's package, installed by make
deps): it renders maps (not a blank page), switching the variable in the page's selector
changes the picture, and hovering a map shows the value there."""
import base64
import io
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request

import numpy as np
import pytest
import websocket
from PIL import Image


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("Chromium is missing: `make deps` installs Debian's chromium package")


class Page:
    def __init__(self, ws):
        self.ws, self.n = ws, 0

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        return r.get("result", {}).get("value")

    def wait(self, expression, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.eval(expression):
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def screenshot(self):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        return np.array(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


@pytest.fixture(scope="module")
def page(biocube, pipeline, tmp_path_factory):
    out = tmp_path_factory.mktemp("viewer") / "viewer.html"
    biocube("view", "--html", out, pipeline["work"] / "cube.zarr")
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
                             f"--user-data-dir={profile}", "--window-size=1800,1000", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 60
    while time.time() < deadline and port is None:
        line = proc.stderr.readline()
        m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if m:
            port = int(m.group(1))
    assert port, "Chromium did not start its DevTools endpoint"
    targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
    ws = websocket.create_connection(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"], timeout=60)
    p = Page(ws)
    p.call("Page.enable")
    p.call("Page.navigate", url=out.as_uri())
    p.wait("window.BioCubeViewer && window.BioCubeViewer.rendered >= 1")
    yield p
    ws.close()
    proc.kill()
    proc.wait()


def map_region(shot, page):
    r = page.eval("(() => { const b = document.getElementById('map0').getBoundingClientRect(); return [b.left, b.top, b.width, b.height]; })()")
    x, y, w, h = (int(v) for v in r)
    return shot[y + 2:y + h - 2, x + 2:x + w - 2]


def test_page_renders_maps_and_switching_variable_changes_them(page):
    assert page.eval("document.getElementById('variable').value") == "surface_variables/slt"
    page.eval("(() => { const s = document.getElementById('variable'); s.value = 'surface_variables/t2m'; s.dispatchEvent(new Event('change')); })()")
    page.wait("window.BioCubeViewer.rendered >= 2 && document.getElementById('title').textContent.startsWith('t2m')")
    first = map_region(page.screenshot(), page)
    colours = {tuple(c) for c in first.reshape(-1, 3)[::7]}
    assert len(colours) > 100, "the map looks blank"
    # Switch group and variable through the selectors, as a user would.
    page.eval("(() => { const g = document.getElementById('group'); g.value = 'atmospheric_variables'; g.dispatchEvent(new Event('change')); })()")
    page.wait("window.BioCubeViewer.rendered >= 3 && document.getElementById('title').textContent.startsWith('z 1000 hPa')")
    page.eval("(() => { const l = document.getElementById('level'); l.value = '5'; l.dispatchEvent(new Event('change')); })()")
    page.wait("window.BioCubeViewer.rendered >= 4 && document.getElementById('title').textContent.startsWith('z 500 hPa')")
    page.eval("(() => { const g = document.getElementById('group'); g.value = 'vegetation_variables'; g.dispatchEvent(new Event('change')); })()")
    page.wait("window.BioCubeViewer.rendered >= 5 && document.getElementById('title').textContent.startsWith('NDVI')")
    second = map_region(page.screenshot(), page)
    grey = (np.abs(second.astype(int) - np.array([205, 205, 205])).sum(axis=2) < 4).mean()
    assert grey > 0.2, "NDVI has no values at sea: those cells must be the NaN grey"
    assert first.shape == second.shape
    assert (np.abs(first.astype(int) - second.astype(int)).sum(axis=2) > 30).mean() > 0.3, "switching the variable did not change the map"


def test_hover_shows_the_value(page):
    b = page.eval("(() => { const r = document.getElementById('map1').getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    page.call("Input.dispatchMouseEvent", type="mouseMoved", x=b[0], y=b[1])
    page.wait("document.getElementById('readout').textContent.startsWith('lat ')")
    text = page.eval("document.getElementById('readout').textContent")
    assert re.match(r"lat [\d.]+, lon [-\d.]+, 2000-02-01 00:00:00: ([-\d.e]+ ± [\d.e-]+|NaN)$", text), text


def test_viewer_of_a_batch_folder(biocube, pipeline, tmp_path):
    out = tmp_path / "batches.html"
    run = biocube("view", "--html", out, pipeline["work"] / "pt")
    assert "2 windows" in run.stdout
    html = out.read_text()
    assert html.count('"steps":[') == 2 and "2000-02-01 00:00:00" in html
    files = sorted(os.listdir(tmp_path / "batches_files"))
    assert files == ["step-0000.js", "step-0001.js", "step-0002.js", "step-0003.js"]
    assert "http://" not in html and "https://" not in html   # nothing fetched from the network
