"""Browser fixtures: a live Tutti with the demo data and a real RQ worker, one Chromium, a fresh context per test.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; nothing is downloaded at run time. Outside CI a
machine without it skips this package; in CI (CI=true) a missing browser fails the run.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
IN_CI = os.environ.get("CI") == "true"
# axe-core 4.14.1 from npm (`npm pack axe-core@4.14.1`, package/axe.min.js, MPL-2.0 header kept);
# the digest is the one axe-core publishes in its sri-history.json.
AXE = HERE / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
PASSWORD = "tutti-demo"
# A Wednesday morning, inside the operators' sending window, so that the recap reads the same whenever CI runs.
CLOCK = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
# How long an action or an expectation may wait for the page. It is no response-time target (those are measured in
# bench/): on a machine shared with other work, a live server's answer can take seconds, and a test must not fail
# for it.
UI_TIMEOUT_MS = 15_000


def _missing_browser() -> str | None:
    """Say what keeps the browser tests from running here, or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return "Chromium absent: apt-get install chromium"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright absent: pip install -e '.[test]'"
    return None


if importlib.util.find_spec("playwright") is None:
    if IN_CI:
        raise RuntimeError("Playwright is not installed: pip install -e '.[test]' (CI=true: browser tests must run)")
    # The test modules import Playwright; without it they are left out, and the header says why.
    collect_ignore_glob = ["test_*.py"]


def pytest_report_header(config):
    """Say in pytest's header when the browser tests cannot run here."""
    reason = _missing_browser()
    if reason:
        return f"browser tests (tests/e2e): {'FAIL' if IN_CI else 'skipped'}: {reason}"
    return None


def pytest_collection_modifyitems(config, items):
    """Outside CI, skip the whole package when the browser is missing; in CI the browser fixture fails instead."""
    reason = _missing_browser()
    if reason is None or IN_CI:
        return
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so that the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@dataclass
class LiveServer:
    """Tutti served on a loopback port, its database, and the worker that sends its SMS."""

    url: str
    database_url: str
    engine: object
    worker_log: Path
    cookies: dict[str, list] = field(default_factory=dict)
    preselected: dict[str, int] = field(default_factory=dict)  # login → the selection its next list opens on

    def sql(self, statement: str, **params) -> None:
        """Run one SQL statement in its own transaction."""
        with self.engine.begin() as connection:
            connection.execute(text(statement), params)

    def scalar(self, statement: str, **params):
        """Return the first column of the first row of a query."""
        with self.engine.connect() as connection:
            return connection.execute(text(statement), params).scalar()

    def account_id(self, login: str) -> int:
        """Return the id of the account with this login."""
        return self.scalar("SELECT id FROM accounts WHERE login = :login", login=login)

    def person_id(self, first: str, last: str) -> int:
        """Return the id of the (unique) person with this name."""
        return self.scalar("SELECT id FROM people WHERE first_name = :f AND last_name = :l", f=first, l=last)

    def select(self, login: str, *person_ids: int) -> int:
        """Make a selection of these people for the account, the one its next person list page opens on.

        A page opened makes a selection of its own: `Browsing.signed_in` opens `/people?sel=<id>` on this one, as a
        reload of a tab where these people were ticked would.
        """
        account = self.account_id(login)
        with self.engine.begin() as connection:
            structure = connection.execute(text("SELECT structure_id FROM accounts WHERE id = :a"),
                                           {"a": account}).scalar()
            selection = connection.execute(text(
                "INSERT INTO selections (account_id, structure_id, origin, version, created_at, updated_at) "
                "VALUES (:a, :s, 'list', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
                {"a": account, "s": structure}).scalar()
            for person in person_ids:
                connection.execute(text("INSERT INTO selection_people (selection_id, person_id) VALUES (:s, :p)"),
                                   {"s": selection, "p": person})
        self.preselected[login] = selection
        return selection

    def balance(self, structure: str = "École de musique de Saint-Aubin") -> int:
        """Return a structure's SMS credit, as the database holds it."""
        return self.scalar("SELECT credit_balance FROM structures WHERE name = :n", n=structure)

    def worker_log_tail(self, lines: int = 40) -> str:
        """Return the end of the worker's log, for failure messages."""
        try:
            return "\n".join(self.worker_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no worker log)"


def _fresh_database(tmp_path_factory, pg_schema_url: str | None) -> str:
    """Return the URL of an empty database with Tutti's schema: a new SQLite file, or the truncated PostgreSQL one."""
    from tutti.models import create_all, metadata

    if pg_schema_url is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'tutti.db'}"
    else:
        url = pg_schema_url
        engine = create_engine(url)
        with engine.begin() as connection:
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
    engine = create_engine(url)
    create_all(engine)
    engine.dispose()
    return url


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def _wait_for_worker(process: subprocess.Popen, redis_url: str, queue_name: str, log: Path) -> None:
    """Wait until the worker listens on the queue; fail with its log when it dies or never does."""
    import redis
    from rq import Queue, Worker

    connection = redis.Redis.from_url(redis_url)
    queue = Queue(queue_name, connection=connection)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        if Worker.all(queue=queue):
            return
        time.sleep(0.1)
    pytest.fail(f"the worker did not start listening within 30 s:\n{log.read_text(errors='replace')}")


def _stop_worker(process: subprocess.Popen) -> None:
    """Ask the worker for a warm shutdown, then kill its process group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _forget_queue(queue) -> None:
    """Leave nothing of this run's queue in a Redis that other runs share: jobs, results, registries."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    for registry in (queue.finished_job_registry, queue.failed_job_registry, queue.scheduled_job_registry):
        for job_id in registry.get_job_ids():
            try:
                Job.fetch(job_id, connection=queue.connection).delete()
            except NoSuchJobError:
                pass
    queue.delete(delete_jobs=True)


@pytest.fixture(scope="package")
def live_server(tmp_path_factory, pg_schema_url, redis_url):
    """Serve Tutti with the demo data on 127.0.0.1 (CSRF on, real tokens) with a real worker beside it."""
    from werkzeug.serving import make_server

    from app import create_app
    from blueprints.extensions import db
    from tutti.demo import seed_demo

    database_url = _fresh_database(tmp_path_factory, pg_schema_url)
    instance = tmp_path_factory.mktemp("e2e-instance")
    settings = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "e2e-" + uuid.uuid4().hex,
        "TUTTI_QUEUE_NAME": "tutti-e2e-" + uuid.uuid4().hex[:8],
        "TUTTI_SMS_TRANSPORT": "outbox",
        "TUTTI_INSTANCE_PATH": str(instance),
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUTTI_INSTANCE_PATH", str(instance))
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": settings["SECRET_KEY"],
            "TUTTI_QUEUE_NAME": settings["TUTTI_QUEUE_NAME"],
            "TUTTI_SMS_TRANSPORT": "outbox",
            "SESSION_COOKIE_SECURE": False,
            "TUTTI_LOGIN_LIMIT": "1000 per minute",
            "RATELIMIT_KEY_PREFIX": "e2e-" + uuid.uuid4().hex[:8],
            "TUTTI_CLOCK": lambda: CLOCK,
        })
    with app.app_context():
        seed_demo(db.session)
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="tutti-live-server", daemon=True)
    thread.start()

    log = tmp_path_factory.mktemp("e2e-worker") / "worker.log"
    worker = _start_worker({**os.environ, **settings, "PYTHONUNBUFFERED": "1"}, log)
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    try:
        _wait_for_worker(worker, redis_url, settings["TUTTI_QUEUE_NAME"], log)
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", database_url, engine, log)
    finally:
        _stop_worker(worker)
        server.shutdown()
        thread.join(5)
        _forget_queue(app.extensions["tutti"]["queue"])
        engine.dispose()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def ui_timeout_ms() -> int:
    """How long an action or an expectation may wait for the page (UI_TIMEOUT_MS)."""
    return UI_TIMEOUT_MS


@pytest.fixture(scope="package")
def browser():
    """Launch Debian's Chromium once for the package."""
    reason = _missing_browser()
    if reason:
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=UI_TIMEOUT_MS)
    digest = hashlib.sha256(AXE.read_bytes()).hexdigest()
    assert digest == AXE_SHA256, f"{AXE} is not axe-core 4.14.1's axe.min.js (sha256 {digest})"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def clean_state(request):
    """Start every browser test with empty selections and the demo structure's SMS settings."""
    if "live_server" not in request.fixturenames:
        yield
        return
    live = request.getfixturevalue("live_server")
    live.sql("DELETE FROM selection_people")
    live.sql("DELETE FROM selections")
    live.preselected.clear()
    yield
    live.sql("UPDATE structures SET sms_option = :on, sender_name = 'EMSAUBIN' WHERE name = :n",
             on=True, n="École de musique de Saint-Aubin")


# htmx logs as an error a request it aborted itself (a newer one replaced it, or the page moved on): expected too.
_CLIENT_ERROR_LOG = re.compile(r"status of 4\d\d|Response Status Error Code 4\d\d|^htmx:sendAbort$")


class Browsing:
    """One test's browser context: every request and script error it saw, and a way to log in."""

    def __init__(self, live: LiveServer, browser, viewport: dict):
        self.live = live
        self.context = browser.new_context(base_url=live.url, viewport=viewport, locale="fr-FR")
        self.context.set_default_timeout(UI_TIMEOUT_MS)
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.context.on("page", self._watch)

    def _watch(self, page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        # A gate answers 403: Chromium and htmx both log it as an error. Expected; a 5xx or a script error is not.
        if message.type == "error" and not _CLIENT_ERROR_LOG.search(message.text):
            self.problems.append(f"console error: {message.text}")

    def new_page(self):
        """Open a page in this context."""
        return self.context.new_page()

    def signed_in(self, login: str, path: str = "/people", through_form: bool = False):
        """Return a new page on `path`, logged in as `login`.

        The first time for each account (or when asked) it logs in through the form; later tests reuse that
        session's cookie, which keeps the package fast.
        """
        page = self.new_page()
        if path == "/people" and login in self.live.preselected:
            path = f"/people?sel={self.live.preselected.pop(login)}"
        cookies = self.live.cookies.get(login)
        if cookies is None or through_form:
            self.login(page, login)
            self.live.cookies[login] = self.context.cookies()
            if path != "/people":
                page.goto(path)
        else:
            self.context.add_cookies(cookies)
            page.goto(path)
        return page

    def login(self, page, login: str) -> None:
        """Log in through the login form, as a person would."""
        page.goto("/login")
        page.get_by_label("Identifiant").fill(login)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(re.compile(r"/people"))

    @staticmethod
    def choose_action(page, label: str = "Sms") -> None:
        """Open « Actions pour N sélectionnés » and pick an entry, with the mouse."""
        page.locator("#actions summary").click()
        page.locator("#actions").get_by_role("link", name=label, exact=True).click()

    def foreign_requests(self) -> list[str]:
        """Return every request that went anywhere but the live server."""
        origin = self.live.url + "/"
        return [u for u in self.requests if not (u.startswith(origin) or u.startswith(("data:", "about:")))]


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])[:150]


@pytest.fixture
def browsing(request, browser, live_server):
    """Open a fresh browser context; on failure keep a screenshot of each page in test-artifacts/."""
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 900}
    session = Browsing(live_server, browser, viewport)
    yield session
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for number, page in enumerate(session.context.pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{_artifact_name(request.node.nodeid)}-{number}.png"),
                                full_page=True)
            except Exception as error:  # a crashed page must not hide the test's own failure
                print(f"screenshot failed: {error}")
    session.context.close()
    foreign = session.foreign_requests()
    assert not foreign, f"requests left the loopback server: {foreign}"
    assert not session.problems, "the page reported errors:\n" + "\n".join(session.problems)


@pytest.fixture(scope="package")
def sent_campaign(live_server, browser) -> int:
    """Send one SMS through the UI (to Sandrine Aubert) and return its campaign's id, once it is finished."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect

    live_server.select("secretariat", live_server.person_id("Sandrine", "Aubert"))
    session = Browsing(live_server, browser, {"width": 1280, "height": 900})
    try:
        page = session.signed_in("secretariat")
        session.choose_action(page)
        try:  # let the countdown answer first: this fixture is not where its races are tested
            with page.expect_response(re.compile(r"/sms/countdown$"), timeout=3_000):
                page.get_by_label("Saisissez votre message").fill("Répétition générale samedi à 10h, salle Debussy")
        except PlaywrightError:
            pass
        page.get_by_role("button", name="Valider").click()
        page.get_by_role("button", name="Envoyer").click()
        expect(page.locator("#progress-title")).to_have_text("Envoi terminé", timeout=20_000)
    finally:
        session.context.close()
        live_server.sql("DELETE FROM selection_people")
        live_server.sql("DELETE FROM selections")
    return live_server.scalar("SELECT max(id) FROM campaigns")


@pytest.fixture
def page(browsing):
    """Open a page in the test's browser context."""
    return browsing.new_page()


@pytest.fixture
def axe_clean():
    """Return a check that axe-core finds no serious or critical violation on a page (or one region of it)."""

    def check(page, where: str, context: str | None = None) -> None:
        if not page.evaluate("typeof window.axe === 'object'"):
            # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') refuses a <script> tag.
            page.evaluate(_axe_source() + "\n;void 0")
        results = page.evaluate("(context) => axe.run(context || document, {resultTypes: ['violations']})", context)
        violations = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert not violations, f"axe on {where}:\n{describe(violations)}"

    return check


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


def describe(violations: list[dict]) -> str:
    """Write axe violations as a readable failure message: id, impact, help and the elements at fault."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)}: {node['failureSummary'][:300]}")
    return "\n".join(lines)
