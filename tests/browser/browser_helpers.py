"""JavaScript probes shared by the browser tests."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

DESKTOP = (1280, 900)
PHONE = (390, 844)

# Each distinct CJK character shown on the page, drawn on a canvas in the font of the element
# that shows it, compared with the drawing of a character that no font has (U+E000, private
# use): identical pixels mean the browser had no glyph and drew a box.
MISSING_GLYPHS_JS = r"""
const done = arguments[arguments.length - 1];
(async () => {
  await document.fonts.ready;
  const canvas = document.createElement('canvas');
  canvas.width = 48; canvas.height = 48;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch, family) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.font = '32px ' + family;
    ctx.fillStyle = '#000';
    ctx.fillText(ch, 4, 38);
    return ctx.getImageData(0, 0, 48, 48).data.join(',');
  };
  const seen = new Map();
  const missing = [];
  const checked = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest('script,style,noscript,[hidden]')) continue;
    const cjk = node.textContent.match(/[\u3400-\u9fff\u3001-\u303f\uff01-\uff5e]/g);  // not U+3000, a blank
    if (!cjk) continue;
    const family = getComputedStyle(el).fontFamily;
    if (!seen.has(family)) {
      await Promise.all([...new Set(cjk)].slice(0, 1).map(c => document.fonts.load('32px ' + family, c)));
      seen.set(family, draw('\uE000', family));
    }
    for (const ch of new Set(cjk)) {
      const key = ch + '|' + family;
      if (checked.has(key)) continue;
      checked.add(key);
      if (draw(ch, family) === seen.get(family)) missing.push([ch, el.tagName, family.slice(0, 80)]);
    }
  }
  done({missing: missing.slice(0, 20), checked: checked.size});
})().catch(e => done({error: String(e)}));
"""

RESOURCES_JS = "return performance.getEntriesByType('resource').map(e => e.name);"


def open_page(driver, path: Path, *, size: tuple[int, int]) -> None:
    driver.set_window_size(*size)
    driver.get(path.resolve().as_uri())
    wait_for(driver, "return document.readyState === 'complete'")


def wait_for(driver, script: str, *, timeout: float = 30, poll: float = 0.2):
    end = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for: {script}")
        time.sleep(poll)


# Elements whose own text holds Chinese characters, marked so that DevTools can name them.
MARK_CJK_JS = r"""
let i = 0;
const out = [];
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('script,style,noscript,[hidden]')) continue;
  const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('');
  const ideographs = (own.match(/[\u3400-\u9fff]/g) || []).length;
  if (!ideographs || !el.getClientRects().length) continue;
  el.setAttribute('data-glyph-check', String(i++));
  out.push({ideographs: ideographs, others: own.length - ideographs, text: own.trim().slice(0, 30)});
  if (i >= 400) break;
}
return out;
"""


def system_font_ideographs(driver) -> list[dict]:
    """Elements where the browser drew Chinese characters with a system font (no CJK font here: boxes).

    DevTools tells, per element, how many glyphs each font drew; with no Chinese font on the
    machine, every ideograph must come from the bundled web font, so the glyphs drawn by system
    fonts can be at most the element's other characters.
    """
    marked = driver.execute_script(MARK_CJK_JS)
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    nodes = driver.execute_cdp_cmd("DOM.querySelectorAll", {"nodeId": root, "selector": "[data-glyph-check]"})[
        "nodeIds"
    ]
    bad = []
    for info, node in zip(marked, nodes):
        fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        system = sum(f["glyphCount"] for f in fonts if not f["isCustomFont"])
        if system > info["others"]:
            bad.append({**info, "fonts": [(f["familyName"], f["glyphCount"]) for f in fonts]})
    return bad


def missing_glyphs(driver) -> dict:
    driver.set_script_timeout(60)
    result = driver.execute_async_script(MISSING_GLYPHS_JS)
    assert "error" not in result, result
    result["system_font"] = system_font_ideographs(driver)
    return result


def only_local_resources(driver) -> list[str]:
    """Resources the page loaded from anywhere but the file system (should be none)."""
    return [u for u in driver.execute_script(RESOURCES_JS) if not u.startswith(("file:", "data:", "blob:"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab started as ``make lab`` / ``make student`` start it, serving ``root``; yields (url, token).

    The arguments come from :mod:`crm_lessons.runner.lab` (the course font's custom CSS), the server listens on
    127.0.0.1 with a random token, its settings and runtime files stay under ``root``, and it is stopped on exit.
    """
    from crm_lessons.runner.lab import lab_arguments

    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", *lab_arguments(), "--no-browser", "--ip=127.0.0.1"]
    cmd += [f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    cmd += ["--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".config"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"))
    with open(root / "lab.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            end = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    assert proc.poll() is None, (root / "lab.log").read_text(errors="replace")[-3000:]
                    assert time.monotonic() < end, "JupyterLab did not start in 90 s"
                    time.sleep(0.5)
            yield url, token
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
