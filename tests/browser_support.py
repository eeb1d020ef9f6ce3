"""Open a local HTML file in headless Chromium and report what a reader would see.

Uses Debian's chromium and chromium-driver at fixed paths, so Selenium Manager
never downloads a browser or driver. A missing browser is a failure, never a
skip: `make browser` installs it.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW_WIDTH = 1280
MAX_SCREENSHOT_HEIGHT = 16_000  # px; Chromium's limit for one capture is about 16 k

# A plotly figure's div carries class "plotly-graph-div" from the HTML itself;
# it counts as rendered once plotly.js has drawn its main SVG into it.
_COUNT_PLOTS = "return document.querySelectorAll('.plotly-graph-div').length;"
_COUNT_RENDERED = (
    "return Array.from(document.querySelectorAll('.plotly-graph-div'))"
    ".filter(d => d.classList.contains('js-plotly-plot') && d.querySelector('svg.main-svg'))"
    ".length;"
)
_PAGE_HEIGHT = "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight);"


class BrowserUnavailableError(RuntimeError):
    """Chromium or chromedriver is missing or does not start."""


@dataclass(frozen=True)
class BrowserCheck:
    """What headless Chromium saw on one page."""

    title: str
    count_plots: int  # plotly figure divs in the page
    count_rendered_plots: int  # of those, the ones plotly.js drew
    console_errors: tuple[str, ...]  # SEVERE console entries, uncaught JS errors included
    screenshot: Path


def check_in_browser(
    html_path: Path, screenshot_path: Path, *, timeout_seconds: float = 20.0
) -> BrowserCheck:
    """Load `html_path` in headless Chromium, wait for every plotly figure to draw
    (at most `timeout_seconds`), save a full-page screenshot to `screenshot_path`
    and return what was seen. Figures that never draw are counted, not raised."""
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise FileNotFoundError(f"no HTML file at {html_path}")
    driver = start_chromium()
    try:
        driver.get(html_path.as_uri())
        count_plots = driver.execute_script(_COUNT_PLOTS)
        # A figure that never draws is reported through count_rendered_plots.
        with suppress(TimeoutException):
            WebDriverWait(driver, timeout_seconds, poll_frequency=0.1).until(
                lambda d: d.execute_script(_COUNT_RENDERED) == count_plots
            )
        count_rendered = driver.execute_script(_COUNT_RENDERED)
        title = driver.title
        # Read the log last, so errors thrown while figures draw are included.
        console_errors = tuple(
            entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
        )
        fit_window_to_page(driver)
        screenshot_path = Path(screenshot_path)
        screenshot_path.parent.mkdir(parents=True, exist_ok=True)
        if not driver.save_screenshot(str(screenshot_path)):
            raise RuntimeError(f"Chromium could not save a screenshot to {screenshot_path}")
    finally:
        driver.quit()
    return BrowserCheck(
        title=title,
        count_plots=count_plots,
        count_rendered_plots=count_rendered,
        console_errors=console_errors,
        screenshot=screenshot_path,
    )


def fit_window_to_page(driver: webdriver.Chrome) -> None:
    """Make the viewport as tall as the page, so one screenshot shows all of it."""
    # The window's own height includes browser chrome even when headless. Twice,
    # because losing the scrollbar widens the page and can change its height.
    for _ in range(2):
        chrome_height = driver.execute_script("return window.outerHeight - window.innerHeight;")
        page_height = driver.execute_script(_PAGE_HEIGHT)
        height = min(page_height + chrome_height, MAX_SCREENSHOT_HEIGHT)
        driver.set_window_size(WINDOW_WIDTH, height)


def start_chromium(
    extra_arguments: tuple[str, ...] = (), prefs: dict[str, object] | None = None
) -> webdriver.Chrome:
    """Headless Chromium with the console log captured, plus `extra_arguments`
    and Chrome `prefs`."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        raise BrowserUnavailableError(
            f"headless browser tests need Debian's chromium and chromium-driver; "
            f"missing {', '.join(missing)}: run `make browser`"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WINDOW_WIDTH},900",
        *extra_arguments,
    ):
        options.add_argument(argument)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    except WebDriverException as error:
        raise BrowserUnavailableError(
            f"could not start {CHROMIUM} through {CHROMEDRIVER}: {error.msg}; "
            "run `make browser` to (re)install chromium and chromium-driver"
        ) from error
