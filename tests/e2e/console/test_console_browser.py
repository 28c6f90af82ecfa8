"""The console in a real headless Chromium: from a rejected record to the fix applied.

Debian's ``chromium`` and ``chromium-driver`` (installed by ``make system-deps``) are
driven with Selenium. Screenshots are always taken (into the test's folder); with
``UPDATE_DOCS_SCREENSHOTS=1`` they replace docs/img/ for docs/operations.md.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.console.conftest import (
    OPERATOR,
    VIEWER,
    Served,
    products_xml,
    stock_csv,
)

DOCS_IMG = Path(__file__).resolve().parents[3] / "docs" / "img"


def _chromium() -> tuple[str, str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    assert binary is not None, "install chromium and chromium-driver (make system-deps)"
    return binary, driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """A headless Chromium that saves downloads in tmp_path/downloads."""
    binary, driver = _chromium()
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1100,800",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        opts.add_argument(arg)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        },
    )
    drv = webdriver.Chrome(service=Service(executable_path=driver), options=opts)
    drv.set_page_load_timeout(120)
    try:
        yield drv
    finally:
        drv.quit()


def _login(drv: WebDriver, served: Served, user: tuple[str, str]) -> None:
    drv.get(served.url + "/login")
    drv.find_element(By.ID, "name").send_keys(user[0])
    drv.find_element(By.ID, "password").send_keys(user[1])
    drv.find_element(By.ID, "login").click()
    assert drv.find_element(By.TAG_NAME, "h1").text == "Dashboard"


def _shot(drv: WebDriver, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    assert drv.save_screenshot(str(folder / name))
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(folder / name, DOCS_IMG / name)


def _after_submit(drv: WebDriver, element_id: str) -> WebElement:
    """The element of the page a form's answer loads (a click returns before it does)."""
    try:
        return WebDriverWait(drv, 30).until(
            expected_conditions.presence_of_element_located((By.ID, element_id))
        )
    except TimeoutException:
        pytest.fail(f"no #{element_id} after the form was sent:\n{drv.page_source}")


def _wait_file(folder: Path, timeout: float = 60.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [
            p
            for p in folder.iterdir()
            if not p.name.startswith(".") and not p.name.endswith(".crdownload")
        ]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing downloaded into {folder}")


def _archived(served: Served, name: str) -> bool:
    return any(p.name.endswith("_" + name) for p in served.home.files("archive"))


def test_operator_fixes_a_rejected_record_from_the_browser(
    served: Served, browser: WebDriver, tmp_path: Path
) -> None:
    """An operator goes from a partly applied file to its corrected upload, applied."""
    home = served.home
    home.drop("products", "p.xml", products_xml("CON-1", "CON-10"))
    served.wait_for(lambda: _archived(served, "p.xml"), what="products applied")
    home.drop("stock", "saldo.csv", stock_csv([("CON-1", 4), ("CON-1O", 2)]))
    served.wait_for(lambda: _archived(served, "saldo.csv"), what="stock applied")

    _login(browser, served, OPERATOR)
    attention = browser.find_element(By.ID, "attention")
    assert "saldo.csv" in attention.text
    assert "partial" in attention.text
    _shot(browser, tmp_path / "shots", "console-dashboard.png")
    attention.find_element(By.LINK_TEXT, "saldo.csv").click()
    assert browser.find_element(By.ID, "outcome").text == "partial"
    assert "CON-1O" in browser.find_element(By.ID, "report").text
    assert "CON-1O" in browser.find_element(By.ID, "records").text
    calls = [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in browser.find_elements(By.CSS_SELECTOR, "#calls tr")[1:]
    ]
    refused = [c for c in calls if c[2] == "CON-1O" and c[3] == "POST"]
    assert [(c[4], c[5]) for c in refused] == [
        ("/rest/V1/inventory/source-items", "400")
    ], calls
    _shot(browser, tmp_path / "shots", "console-file.png")
    browser.execute_script(
        "arguments[0].scrollIntoView()", browser.find_element(By.ID, "calls-heading")
    )
    _shot(browser, tmp_path / "shots", "console-file-calls.png")
    browser.find_element(By.ID, "download-rejects").click()
    rejects = _wait_file(tmp_path / "downloads")
    assert rejects.name == "saldo.rejects.csv"
    text = rejects.read_text()
    assert "CON-1O" in text
    assert "CON-1," not in text

    fixed = tmp_path / "saldo-fixed.csv"
    fixed.write_text(text.replace("CON-1O", "CON-10"))
    browser.get(served.url + "/upload")
    Select(browser.find_element(By.ID, "kind")).select_by_visible_text("stock")
    browser.find_element(By.ID, "file").send_keys(str(fixed))
    browser.find_element(By.ID, "send").click()
    assert "saldo-fixed.csv" in _after_submit(browser, "upload-done").text
    served.wait_for(lambda: _archived(served, "saldo-fixed.csv"), what="fix applied")

    browser.get(served.url + "/files?name=saldo-fixed")
    _shot(browser, tmp_path / "shots", "console-files.png")
    browser.find_element(By.LINK_TEXT, "saldo-fixed.csv").click()
    assert _after_submit(browser, "outcome").text == "done"
    assert "by olga" in browser.find_element(By.ID, "uploaded").text
    item = home.magento(
        "GET",
        "/rest/V1/inventory/source-items",
        params={
            "searchCriteria[filterGroups][0][filters][0][field]": "sku",
            "searchCriteria[filterGroups][0][filters][0][value]": "CON-10",
        },
    )
    assert [float(i["quantity"]) for i in item["items"]] == [2.0]


def test_a_viewer_is_refused_an_upload_in_the_browser(
    served: Served, browser: WebDriver, tmp_path: Path
) -> None:
    """A viewer who sends the upload form gets the 403 page and nothing is dropped."""
    _login(browser, served, VIEWER)
    browser.get(served.url + "/upload")
    mine = tmp_path / "viewer.csv"
    mine.write_text(stock_csv([("CON-1", 1)]))
    browser.find_element(By.ID, "file").send_keys(str(mine))
    browser.find_element(By.ID, "send").click()
    assert "only an operator" in _after_submit(browser, "refused").text
    assert not (served.home.root / "inbox" / "stock" / "viewer.csv").exists()
