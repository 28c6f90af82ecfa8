"""The web endpoint over plain HTTP: /healthz, /metrics, sessions, CSRF, roles, downloads."""

from __future__ import annotations

import re
import shutil
import subprocess

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import SANDBOX_TOKEN
from tests.e2e.console.conftest import (
    OPERATOR,
    VIEWER,
    Served,
    csrf_of,
    login,
    products_xml,
    stock_csv,
)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _file_done(served: Served, name: str) -> bool:
    return any(p.name.endswith("_" + name) for p in served.home.files("archive"))


def test_healthz_and_metrics_serve_without_login(served: Served) -> None:
    """`bridge run` serves /healthz as JSON and /metrics that Prometheus can parse."""
    served.home.drop("products", "p.xml", products_xml("HM-1", "HM-2"))
    served.wait_for(lambda: _file_done(served, "p.xml"), what="p.xml archived")
    health = httpx.get(served.url + "/healthz", timeout=30)
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok", body
    assert set(body["components"]) == {"magento", "sftp", "ledger", "folders", "worker"}
    metrics = httpx.get(served.url + "/metrics", timeout=30)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    samples = _samples(metrics.text)
    files = ("bridge_files_total", (("kind", "products"), ("outcome", "done")))
    assert samples[files] == 1.0
    records = ("bridge_records_total", (("kind", "products"), ("outcome", "applied")))
    assert samples[records] == 2.0
    ok_calls = ("bridge_magento_requests_total", (("outcome", "ok"),))
    assert samples[ok_calls] >= 2.0
    assert samples[("bridge_pending_files", (("kind", "products"),))] == 0.0
    assert samples[("bridge_component_up", (("component", "ledger"),))] == 1.0
    promtool = shutil.which("promtool")
    if (
        promtool is not None
    ):  # Debian's prometheus package; the parser above always runs
        check = subprocess.run(
            [promtool, "check", "metrics"],
            input=metrics.text,
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr


def test_session_cookie_is_httponly_and_samesite_strict(served: Served) -> None:
    """The session cookie is HttpOnly and SameSite=Strict, and pages need a login."""
    anon = httpx.get(served.url + "/files", timeout=30)
    assert anon.status_code == 303
    assert anon.headers["location"] == "/login"
    client = served.client()
    page = client.get("/login")
    token = csrf_of(page.text)
    answer = client.post(
        "/login", data={"csrf": token, "name": OPERATOR[0], "password": OPERATOR[1]}
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_a_form_without_the_csrf_token_is_refused(served: Served) -> None:
    """A POST without the session's CSRF token is refused with 403 and does nothing."""
    client = login(served, OPERATOR)
    upload = client.post(
        "/upload",
        data={"kind": "stock"},
        files={"file": ("s.csv", stock_csv([("X-1", 1)]).encode())},
    )
    assert upload.status_code == 403
    forged = client.post(
        "/upload",
        data={"kind": "stock", "csrf": "not-the-token"},
        files={"file": ("s.csv", stock_csv([("X-1", 1)]).encode())},
    )
    assert forged.status_code == 403
    assert not (served.home.root / "inbox" / "stock" / "s.csv").exists()
    fresh = served.client()
    fresh.get("/login")
    refused = fresh.post("/login", data={"name": OPERATOR[0], "password": OPERATOR[1]})
    assert refused.status_code == 403


def test_a_viewer_cannot_act(served: Served) -> None:
    """A viewer's upload, retry and resolve are refused with 403."""
    client = login(served, VIEWER)
    token = csrf_of(client.get("/upload").text)
    upload = client.post(
        "/upload",
        data={"kind": "stock", "csrf": token},
        files={"file": ("v.csv", stock_csv([("X-1", 1)]).encode())},
    )
    assert upload.status_code == 403
    assert not (served.home.root / "inbox" / "stock" / "v.csv").exists()
    for action in ("retry", "resolve"):
        answer = client.post(f"/files/1/{action}", data={"csrf": token, "note": "x"})
        assert answer.status_code == 403


def test_an_upload_over_the_size_limit_is_refused(served: Served) -> None:
    """An operator's upload larger than folders.max_file_mb (here 1 MB) gets 413."""
    client = login(served, OPERATOR)
    token = csrf_of(client.get("/upload").text)
    big = b"sku,qty\n" + b"A,1\n" * (1024 * 1024 // 4 + 10)
    answer = client.post(
        "/upload",
        data={"kind": "stock", "csrf": token},
        files={"file": ("big.csv", big)},
    )
    assert answer.status_code == 413, answer.text
    assert "over the limit of 1 MB" in answer.text
    huge = client.post(
        "/upload",
        data={"kind": "stock", "csrf": token},
        files={"file": ("huge.csv", big * 3)},
    )
    assert huge.status_code == 413
    assert "over the upload limit" in huge.text
    assert not list((served.home.root / "inbox" / "stock").iterdir())


def test_downloads_only_by_ledger_id_and_logins_are_throttled(served: Served) -> None:
    """Unknown ids and path tricks get 404; repeated wrong passwords get 429."""
    client = login(served, VIEWER)
    assert client.get("/files/999/download/original").status_code == 404
    assert client.get("/files/1/download/..%2F..%2Fbridge.toml").status_code == 404
    assert client.get("/files/../bridge.toml").status_code in (303, 404)
    page = client.get("/")
    assert SANDBOX_TOKEN not in page.text
    assert "argon2" not in page.text
    other = served.client()
    token = csrf_of(other.get("/login").text)
    codes = [
        other.post(
            "/login", data={"csrf": token, "name": OPERATOR[0], "password": "wrong"}
        ).status_code
        for _ in range(5)
    ]
    assert codes == [401] * 5
    right = other.post(
        "/login", data={"csrf": token, "name": OPERATOR[0], "password": OPERATOR[1]}
    )
    assert right.status_code == 429


def test_an_operator_retries_a_failed_file_and_resolves_a_partial_one(
    served: Served,
) -> None:
    """Retry copies a failed file back into its inbox; resolve keeps the note and who."""
    home = served.home
    home.drop("products", "bad.xml", "<products><product><sku>")
    served.wait_for(lambda: home.files("failed"), what="bad.xml failed")
    client = login(served, OPERATOR)
    page = client.get("/files?status=failed")
    match = re.search(r'href="/files/(\d+)">bad.xml<', page.text)
    assert match is not None, page.text
    file_id = int(match.group(1))
    token = csrf_of(client.get(f"/files/{file_id}").text)
    retried = client.post(f"/files/{file_id}/retry", data={"csrf": token})
    assert retried.status_code == 303
    shown = client.get(f"/files/{file_id}").text
    assert "copied back into the inbox" in shown
    assert "retried" in shown
    served.wait_for(
        lambda: len([p for p in home.files("failed") if "bad" in p.name]) >= 4,
        what="the retried copy failed again",
    )
    page = client.get("/files?status=failed&name=bad")
    ids = [int(i) for i in re.findall(r'href="/files/(\d+)">bad.xml<', page.text)]
    newest = max(ids)
    assert newest != file_id
    resolved = client.post(
        f"/files/{newest}/resolve", data={"csrf": token, "note": "ERP resends it"}
    )
    assert resolved.status_code == 303
    shown = client.get(f"/files/{newest}").text
    assert "by olga" in shown
    assert "ERP resends it" in shown
    audit = client.get("/audit/file/bad.xml").text
    assert "resolved by olga: ERP resends it" in audit


def test_healthz_is_down_with_503_when_an_inbox_is_missing(served: Served) -> None:
    """With an inbox folder gone, /healthz says down with HTTP 503 and names folders."""
    inbox = served.home.root / "inbox" / "stock"
    assert not list(inbox.iterdir())
    inbox.rmdir()
    try:
        answer = httpx.get(served.url + "/healthz", timeout=30)
        assert answer.status_code == 503
        body = answer.json()
        assert body["status"] == "down"
        assert body["components"]["folders"]["status"] == "down"
        assert "inbox/stock" in body["components"]["folders"]["detail"]
    finally:
        inbox.mkdir()
