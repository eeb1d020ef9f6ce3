"""The marketing app on a warehouse built from generated data, served for real
(waitress, as `clustering app` serves it) and clicked through in headless
Chromium with every hostname but 127.0.0.1 unresolvable (offline).

Each page renders without JavaScript errors or requests beyond the app, and
leaves a screenshot in test-artifacts/app/; the builder's count equals the
shown SQL run on the warehouse and its downloads equal that SQL's rows; saved
audiences survive a reload; movements' cells and the customer look-up agree
with SQL written here independently; a real refresh published during the
session shows on the next load; hostile requests are refused and change
nothing; a non-local address needs a password."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from waitress.server import create_server

from clustering.app.audience import AudienceFilter, display_sql
from clustering.app.pages.builder import CONTROLS, UPDATE_OUTPUTS
from clustering.app.saved import AudienceStore
from clustering.app.server import AppConfig, check_binding, create_app
from clustering.errors import AppError, AudienceError
from clustering.jobs.backfill import backfill_membership
from clustering.jobs.monitor import monitor
from clustering.jobs.refresh import refresh
from clustering.settings import Settings
from tests.browser_support import fit_window_to_page, start_chromium
from tests.value_support import invoke

ARTIFACTS = Path(os.environ.get("OLIST_TEST_ARTIFACTS", "test-artifacts")) / "app"
(ARTIFACTS / "failed-wait.png").unlink(missing_ok=True)  # from an earlier run
# Every name resolves to nothing except the app's own address.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
TIMEOUT = 30

# A page is ready when its marker element is there; (path, marker, plots drawn).
PAGES = {
    "overview": ("/", ".segment-card", 1),
    "segment": ("/segment?id={segment}", "#segment-map", 2),
    "audiences": ("/audiences", "#audience-preview-table", 0),
    "movements": ("/movements", "#moves-table", 1),
    "maintenance": ("/maintenance", "#maintenance-summary", 0),
    "customer": ("/customer", "#customer-id", 0),
    "dictionary": (
        "/dictionary?table=segments.dim_customer_segments",
        "[id='segments.dim_customer_segments.latest_customer_id']",
        0,
    ),
}

_RENDERED = (
    "return Array.from(document.querySelectorAll('.js-plotly-plot'))"
    ".filter(d => d.querySelector('svg.main-svg')).length;"
)
_FOREIGN_REQUESTS = (
    "return performance.getEntriesByType('resource').map(e => e.name)"
    ".filter(n => !n.startsWith(location.origin));"
)


def sql(warehouse: Path, text: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(text, params or []).df()


@pytest.fixture(scope="module")
def published(valued, tmp_path_factory) -> SimpleNamespace:
    """A copy of the valued warehouse as `make run` leaves it: published, with
    the month-end backfill and a monitoring run."""
    folder = tmp_path_factory.mktemp("app")
    warehouse = folder / "olist.duckdb"
    shutil.copy(valued.warehouse, warehouse)
    for name in ("models", "value_models"):
        shutil.copytree(valued.warehouse.parent / name, folder / name)
    settings = Settings(warehouse=warehouse)
    backfill_membership(settings)
    monitor(settings)
    config = AppConfig(
        warehouse=warehouse,
        audiences_path=folder / "app" / "audiences.json",
        reports_dir=folder / "reports",
    )
    return SimpleNamespace(
        warehouse=warehouse, settings=settings, config=config, data=valued.data, folder=folder
    )


@pytest.fixture(scope="module")
def served(published) -> Iterator[str]:
    server = create_server(create_app(published.config).server, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    driver = start_chromium(
        (OFFLINE,),
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver, condition, what: str, timeout: float = TIMEOUT):
    try:
        # Dash re-renders as callbacks answer: an element read mid-render is retried.
        return WebDriverWait(
            driver,
            timeout,
            poll_frequency=0.1,
            ignored_exceptions=(StaleElementReferenceException,),
        ).until(condition)
    except Exception as error:
        # What the page showed instead, kept beside the page screenshots.
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "failed-wait.png"
        driver.save_screenshot(str(shot))
        raise AssertionError(
            f"timed out waiting for {what} on {driver.current_url} (screenshot: {shot})"
        ) from error


def open_page(driver, base: str, path: str, marker: str) -> None:
    driver.set_window_size(1280, 900)  # a screenshot may have stretched it
    driver.get(base + path)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, marker), marker)


def severe_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def choose(driver, dropdown_id: str, text: str) -> None:
    """Pick the option showing `text` in a Dash dropdown as a user does: open the
    list, click the option, close the list."""
    driver.find_element(By.ID, dropdown_id).click()

    def option(d):
        # The option named `text` (a date's option reads "<date> (<kind>)"), not
        # another whose name merely contains it.
        options = d.find_elements(By.CSS_SELECTOR, "[role=option]")
        matches = [o for o in options if o.text == text or o.text.startswith(f"{text} (")]
        return matches[0] if matches else False

    wait(driver, option, f"the options of {dropdown_id}")
    searches = [
        e
        for e in driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-search")
        if e.is_displayed()
    ]
    if searches:  # narrow a long list as a user would
        searches[0].send_keys(text)
    choice = wait(driver, option, f"{text!r} among the options of {dropdown_id}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", choice)
    choice.click()
    # A multi-choice list stays open after a click; a single-choice one closed.
    with suppress(StaleElementReferenceException):
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)


def count_shown(driver) -> int:
    return int(driver.find_element(By.ID, "audience-count").text.replace(",", ""))


def wait_for_count_change(driver, before: str) -> int:
    wait(
        driver, lambda d: d.find_element(By.ID, "audience-count").text not in (before, "-"), "count"
    )
    return count_shown(driver)


def first_segment(warehouse: Path) -> int:
    return int(sql(warehouse, "select min(segment_id) from segments.segment_profiles").iloc[0, 0])


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_offline_without_errors(browser, served, published, page) -> None:
    path, marker, plots = PAGES[page]
    path = path.format(segment=first_segment(published.warehouse))
    browser.get_log("browser")  # start each page with an empty log
    browser.set_window_size(1280, 900)
    open_page(browser, served, path, marker)
    wait(browser, lambda d: d.execute_script(_RENDERED) >= plots, f"{plots} drawn plot(s)")
    assert browser.execute_script(_FOREIGN_REQUESTS) == []
    assert severe_errors(browser) == []
    assert "No segments" not in browser.find_element(By.ID, "page").text
    fit_window_to_page(browser)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / f"{page}.png"))


def test_the_map_draws_every_state_from_shapes_it_carries(browser, served, published) -> None:
    segment_id = first_segment(published.warehouse)
    open_page(browser, served, f"/segment?id={segment_id}", "#segment-map .main-svg")
    labels = {
        e.text for e in browser.find_elements(By.CSS_SELECTOR, "#segment-map g.textpoint text")
    }
    assert len(labels) == 27 and {"SP", "RJ", "DF", "AC"} <= labels
    top = sql(
        published.warehouse,
        "select customer_state from segments.dim_customer_segments where segment_id = ? "
        "group by 1 order by count(*) desc limit 1",
        [segment_id],
    ).iloc[0, 0]
    assert top in labels


def test_the_builders_count_and_downloads_equal_the_shown_sql(browser, served, published) -> None:
    state, segment = sql(
        published.warehouse,
        "select customer_state, segment_name from segments.dim_customer_segments "
        "group by all order by count(*) desc limit 1",
    ).iloc[0]
    open_page(browser, served, "/audiences", "#audience-preview-table")
    everybody = browser.find_element(By.ID, "audience-count").text
    choose(browser, "filter-states", state)
    after_state = wait_for_count_change(browser, everybody)
    choose(browser, "filter-segments", segment)
    wait_for_count_change(browser, f"{after_state:,}")
    recency = browser.find_element(By.ID, "filter-max_recency_days")
    recency.send_keys("400")
    # The field answers after a pause in typing: wait for the whole number.
    wait(
        browser,
        lambda d: "days_since_last_order <= 400" in d.find_element(By.ID, "audience-sql").text,
        "the recency filter in the SQL",
    )
    shown_count = count_shown(browser)
    shown_sql = browser.find_element(By.ID, "audience-sql").text
    assert (
        f"customer_state in ('{state}')" in shown_sql
        and "days_since_last_order <= 400" in shown_sql
    )
    expected = sql(published.warehouse, shown_sql)
    assert 0 < shown_count == len(expected)

    # The CSV a click downloads holds the same people in the same order.
    for old in browser.downloads.glob("*"):
        old.unlink()
    browser.find_element(By.ID, "download-csv").click()
    wait(browser, lambda d: list(d.downloads.glob("audience.csv")), "the CSV download")
    downloaded = pd.read_csv(
        browser.downloads / "audience.csv", dtype={"customer_zip_code_prefix": str}
    )
    assert list(downloaded.columns) == list(expected.columns)
    assert downloaded["customer_unique_id"].tolist() == expected["customer_unique_id"].tolist()
    assert downloaded["total_spend_brl"].tolist() == pytest.approx(
        expected["total_spend_brl"].tolist()
    )
    # The Parquet file keeps the types: equal value for value, type for type.
    href = browser.find_element(By.ID, "download-parquet").get_attribute("href")
    with urllib.request.urlopen(href) as response:
        parquet = pq.read_table(io.BytesIO(response.read()))
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        assert parquet.equals(con.sql(shown_sql).to_arrow_table())


def test_a_saved_audience_reopens_with_the_same_filters(browser, served, published) -> None:
    open_page(browser, served, "/audiences", "#audience-preview-table")
    everybody = browser.find_element(By.ID, "audience-count").text
    state = sql(
        published.warehouse,
        "select customer_state from segments.dim_customer_segments group by 1 "
        "order by count(*) desc limit 1",
    ).iloc[0, 0]
    choose(browser, "filter-states", state)
    count = wait_for_count_change(browser, everybody)
    browser.find_element(By.ID, "audience-name").send_keys(f"Customers in {state}")
    browser.find_element(By.ID, "audience-save").click()
    wait(browser, lambda d: "Saved" in d.find_element(By.ID, "audience-save-message").text, "saved")
    saved = json.loads(published.config.audiences_path.read_text())
    assert saved[f"Customers in {state}"]["filters"]["states"] == [state]

    open_page(browser, served, "/audiences", "#audience-preview-table")
    choose(browser, "audience-saved", f"Customers in {state}")
    wait(
        browser,
        lambda d: d.find_element(By.ID, "audience-count").text == f"{count:,}",
        "reopened count",
    )
    assert f"customer_state in ('{state}')" in browser.find_element(By.ID, "audience-sql").text


def test_movements_count_and_hand_over_the_customers_of_a_cell(browser, served, published) -> None:
    first_month = sql(
        published.warehouse, "select min(as_of_date) from segments.segment_size_backfill"
    ).iloc[0, 0]
    segment_id = first_segment(published.warehouse)
    start = pd.Timestamp(first_month).date().isoformat()
    # Independent of the app: members of the segment at the first month end
    # (backfill) who are in the same segment in the current history.
    expected = sql(
        published.warehouse,
        "select count(*) from segments.customer_segment_backfill as b "
        "join segments.customer_segment_history as h using (customer_unique_key) "
        "where b.as_of_date = ? and b.segment_id = ? and h.valid_to is null and h.segment_id = ?",
        [first_month, segment_id, segment_id],
    ).iloc[0, 0]
    open_page(browser, served, "/movements", "#moves-table")
    choose(browser, "moves-start", start)
    name = sql(
        published.warehouse,
        "select segment_name from segments.segment_profiles where segment_id = ?",
        [segment_id],
    ).iloc[0, 0]
    choose(browser, "moves-from", name)
    choose(browser, "moves-to", name)
    wait(
        browser,
        lambda d: (
            d.find_elements(By.ID, "moves-cell-count")
            and start in d.find_element(By.ID, "moves-cell-count").text
        ),
        "the cell's customers",
    )
    text = browser.find_element(By.ID, "moves-cell-count").text
    assert text.startswith(f"{expected:,} customers")
    href = browser.find_element(By.ID, "moves-csv").get_attribute("href")
    with urllib.request.urlopen(href) as response:
        rows = pd.read_csv(io.BytesIO(response.read()))
    assert len(rows) == expected
    assert set(rows["from_segment_id"]) == set(rows["to_segment_id"]) == {segment_id}


def test_a_customer_is_found_by_id_with_segment_history_and_orders(
    browser, served, published
) -> None:
    person = sql(
        published.warehouse,
        "select customer_unique_id, segment_name from segments.dim_customer_segments "
        "order by count_orders desc, customer_unique_key limit 1",
    ).iloc[0]
    open_page(browser, served, "/customer", "#customer-id")
    field = browser.find_element(By.ID, "customer-id")
    field.send_keys(person["customer_unique_id"])
    field.send_keys(Keys.ENTER)
    wait(browser, lambda d: d.find_elements(By.ID, "customer-segment"), "the customer's segment")
    assert browser.find_element(By.ID, "customer-segment").text == person["segment_name"]
    assert browser.find_elements(By.ID, "customer-orders")
    assert browser.find_elements(By.ID, "customer-history")
    field.clear()
    field.send_keys("'; drop table segments.customer_segments; --")
    field.send_keys(Keys.ENTER)
    wait(
        browser,
        lambda d: "neither a person id" in d.find_element(By.ID, "customer-result").text,
        "refusal",
    )


def meanings(driver, table: str) -> dict[str, str]:
    """Column -> meaning as the dictionary page shows them for `table`."""
    rows = driver.find_elements(By.CSS_SELECTOR, "table.dictionary tr")
    cells = [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    return {cell[0]: cell[2] for cell in cells if len(cell) == 3}


def test_each_campaign_column_links_to_its_meaning(browser, served, published) -> None:
    open_page(browser, served, "/audiences", "#audience-preview-table")
    browser.find_element(By.XPATH, "//summary[text()='What each column means']").click()
    browser.find_element(By.LINK_TEXT, "latest_customer_id").click()
    marker = "[id='segments.dim_customer_segments.latest_customer_id']"
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, marker), "the column's entry")
    shown = meanings(browser, "segments.dim_customer_segments")
    assert "most recent order" in shown["latest_customer_id"]
    # A table the Python jobs write: every column described, briefly.
    open_page(browser, served, "/dictionary?table=segments.monitoring_runs", "table.dictionary")
    shown = meanings(browser, "segments.monitoring_runs")
    declared = sql(
        published.warehouse,
        "select column_name from duckdb_columns() where table_name = 'monitoring_runs'",
    )["column_name"].tolist()
    assert sorted(shown) == sorted(declared)
    assert all(0 < len(text) <= 160 for text in shown.values()), shown


def test_a_refresh_published_during_the_session_shows_on_the_next_load(
    browser, served, published
) -> None:
    open_page(browser, served, "/", ".segment-card")
    before = browser.find_element(By.ID, "data-status").text
    inode = published.warehouse.stat().st_ino
    # Marketers keep using the app while the refresh builds and publishes.
    client = create_app(published.config).server.test_client()
    answers: list[dict] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            answers.append(builder_request(client, states=[]))

    asking = threading.Thread(target=keep_asking)
    asking.start()
    try:
        outcome = refresh(published.data, published.settings, run_tests=False)
    finally:
        stop.set()
        asking.join(timeout=60)
    assert published.warehouse.stat().st_ino != inode  # a new file was renamed over
    assert len(answers) > 3
    assert all("audience-count" in answer["response"] for answer in answers)
    open_page(browser, served, "/audiences", "#audience-preview-table")
    after = browser.find_element(By.ID, "data-status").text
    assert after != before and "last refresh" in after
    (refreshed,) = sql(published.warehouse, "select count(*) from segments.customer_segments").iloc[
        0
    ]
    assert count_shown(browser) == refreshed == outcome.membership.count_customers


# Requests a browser would not send: posted straight to the server. -----------


def callback_body(output_ids: list[str], inputs: dict[str, object], prop: str = "value") -> dict:
    """The JSON Dash's front end posts when `inputs` change (id -> value of `prop`)."""
    outputs = [{"id": oid.split(".")[0], "property": oid.split(".")[1]} for oid in output_ids]
    return {
        "output": ".." + "...".join(output_ids) + "..",
        "outputs": outputs,
        "inputs": [{"id": cid, "property": prop, "value": value} for cid, value in inputs.items()],
        "changedPropIds": [f"{next(iter(inputs))}.{prop}"],
    }


def builder_request(client, **values) -> dict:
    inputs = {cid: values.get(name) for cid, name in CONTROLS.items()}
    body = callback_body(list(UPDATE_OUTPUTS), inputs)
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (200, 204), response.data[:500]
    return response.get_json() or {}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"segments": ["x' or 1=1 --"]}, "unknown segment"),
        ({"states": ["SP'); drop table segments.customer_segments; --"]}, "unknown state"),
        ({"max_recency_days": 10**30}, "outside"),
        ({"min_spend_brl": "1 or 1=1"}, "not a number"),
        ({"min_p_alive": -0.5}, "outside"),
        ({"states": ["SP"] * 1000}, "at most"),
    ],
)
def test_hostile_filters_get_a_message_and_run_nothing(published, values, message) -> None:
    client = create_app(published.config).server.test_client()
    answer = builder_request(client, **values)
    updated = answer["response"]
    assert message in updated["audience-error"]["children"]
    # Nothing counted, and nothing of earlier filters left to be taken for these.
    assert updated["audience-count"]["children"] == "-"
    assert updated["download-csv"]["href"] is None and updated["audience-sql"]["children"] == ""
    assert (
        sql(published.warehouse, "select count(*) from segments.customer_segments").iloc[0, 0] > 0
    )


def test_a_ten_megabyte_request_and_forged_downloads_are_refused(published) -> None:
    client = create_app(published.config).server.test_client()
    body = callback_body(list(UPDATE_OUTPUTS), {"filter-segments": ["x" * 10_000_000]})
    assert client.post("/_dash-update-component", json=body).status_code == 413
    forged = json.dumps({"segments": ["x'; select 1; --"]})
    response = client.get("/download/audience.csv", query_string={"filters": forged})
    assert response.status_code == 400 and b"unknown segment" in response.data
    assert client.get("/download/audience.exe").status_code == 404
    assert client.get("/reports/olist.duckdb").status_code == 404
    for path in ("/reports/..%2Folist.duckdb", "/reports/%2e%2e/olist.duckdb"):
        # Never the file: a 404, or the app's own page for an unknown path.
        answer = client.get(path)
        assert answer.status_code == 404 or answer.mimetype == "text/html", path
    bad = client.get("/download/movement.csv", query_string={"start": "1900-01-01", "end": "x"})
    assert bad.status_code == 400
    store = AudienceStore(published.config.audiences_path)
    before = [saved.name for saved in store.list()]
    with pytest.raises(AudienceError, match="name"):
        store.save("<script>alert(1)</script>", AudienceFilter())
    assert [saved.name for saved in store.list()] == before


def test_a_non_local_address_needs_a_password(published, monkeypatch) -> None:
    with pytest.raises(AppError, match="OLIST_APP_PASSWORD"):
        check_binding("0.0.0.0", None)
    check_binding("127.0.0.1", None)
    monkeypatch.delenv("OLIST_APP_PASSWORD", raising=False)
    refused = invoke("app", "--host", "0.0.0.0", "--warehouse", str(published.warehouse))
    assert refused.code == 2 and "OLIST_APP_PASSWORD" in refused.err

    config = replace(published.config, password="s3cret")
    client = create_app(config).server.test_client()

    def auth(password: str) -> dict[str, str]:
        return {"Authorization": "Basic " + b64encode(f"marketing:{password}".encode()).decode()}

    assert client.get("/").status_code == 401
    assert client.get("/", headers=auth("wrong")).status_code == 401
    assert client.get("/download/audience.csv").status_code == 401
    assert client.get("/", headers=auth("s3cret")).status_code == 200
    ok = client.get("/download/audience.csv", headers=auth("s3cret"))
    assert ok.status_code == 200 and ok.data.startswith(b'"customer_unique_id"')


def test_the_shown_sql_for_everybody_is_the_whole_view(published) -> None:
    rows = sql(published.warehouse, display_sql(AudienceFilter()))
    total = sql(published.warehouse, "select count(*) from segments.customer_segments").iloc[0, 0]
    assert len(rows) == total


def test_a_missing_warehouse_is_a_clear_error(tmp_path) -> None:
    config = AppConfig(tmp_path / "none.duckdb", tmp_path / "a.json", tmp_path)
    client = create_app(config).server.test_client()
    body = callback_body(
        ["nav.children", "status.children", "page.children"], {"url": "/"}, prop="pathname"
    )
    body["inputs"].append({"id": "url", "property": "search", "value": ""})
    answer = client.post("/_dash-update-component", json=body).get_json()
    assert "no warehouse at" in json.dumps(answer) and "`make run`" in json.dumps(answer)


def test_the_served_page_loads_scripts_and_styles_from_the_app_only(published) -> None:
    client = create_app(published.config).server.test_client()
    index = client.get("/").data.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', index)
    assert sources and all(source.startswith("/") for source in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
