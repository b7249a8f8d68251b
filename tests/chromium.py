"""Headless Chromium (Debian's `chromium` + `chromium-driver`) driven by Selenium.

Used by tests/test_report.py, and runnable to refresh the README's screenshot::

    python tests/chromium.py report.html docs/report.png 1200 2330

Nothing here downloads a browser or a driver: both must be installed
(``apt-get install -y chromium chromium-driver``); :func:`available` says whether they are.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def available() -> str | None:
    """None if the browser test can run, else the reason it cannot."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists() and shutil.which(Path(path).name) is None:
            return f"{path} is not installed (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@dataclass
class PageLoad:
    """What happened when a page was opened."""

    console: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # URLs requested, the page itself included
    charts: list[dict[str, Any]] = field(default_factory=list)
    rendered: bool = False


@contextlib.contextmanager
def browser(width: int = 1280, height: int = 900) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="cx-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver") or CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


CHART_STATE = """
return Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
  const svg = el.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : null;
  return {
    key: el.dataset.chart,
    rendered: el.dataset.rendered || null,
    width: box ? box.width : 0,
    height: box ? box.height : 0,
    marks: svg ? svg.querySelectorAll('path, rect, line, text, circle').length : 0,
    canvas: el.querySelectorAll('canvas').length,
  };
});
"""


# What a script injected through a name would leave behind (tests/test_injection.py).
INJECTION_STATE = """
return {
  pwned: window.__pwned === undefined ? null : window.__pwned,
  scripts: document.querySelectorAll('script').length,
  images: document.querySelectorAll('img').length,
  title: document.title,
};
"""


def open_page(driver: Any, path: Path, timeout: float = 30.0) -> PageLoad:
    """Open ``path`` and wait until every chart has rendered (or failed)."""
    driver.get(path.resolve().as_uri())
    load = PageLoad()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script("return document.body.dataset.chartsRendered === 'true'"):
            load.rendered = True
            break
        time.sleep(0.2)
    load.charts = driver.execute_script(CHART_STATE)
    load.console = driver.get_log("browser")
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            load.requests.append(message["params"]["request"]["url"])
    return load


def screenshot(
    driver: Any, target: Path, full_page: bool = True, height: int | None = None
) -> None:
    """A PNG of the page: the whole length, its top ``height`` pixels, or the window only."""
    if not full_page and height is None:
        driver.save_screenshot(str(target))
        return
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    width = int(driver.execute_script("return document.documentElement.clientWidth"))
    clip_height = min(height, size["height"]) if height else size["height"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": clip_height, "scale": 1},
        },
    )
    target.write_bytes(base64.b64decode(shot["data"]))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python tests/chromium.py PAGE.html OUT.png [WIDTH [HEIGHT]]", file=sys.stderr)
        return 2
    page, out = Path(argv[0]), Path(argv[1])
    width = int(argv[2]) if len(argv) > 2 else 1280
    height = int(argv[3]) if len(argv) > 3 else 0
    reason = available()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    with browser(width, 900) as driver:
        load = open_page(driver, page)
        screenshot(driver, out, height=height or None)
    print(f"wrote {out}; charts rendered: {load.rendered}; console: {load.console}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
