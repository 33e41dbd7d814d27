"""The end-to-end suite's tools: a browser per test, and an audit of every page it visits.

Every test drives the product through `ui` (a Playwright page in its own context)
and calls `ui.check()` after each page it reaches.  A check:

- runs axe-core in the page and fails on any violation of serious or critical impact;
- checks headings (one h1, no skipped level), the skip link (first focusable, its
  target exists), visible focus on every focusable element, and that every
  coloured marker (heat-map cell, band swatch, status, rating badge, tag) prints text;
- resizes the page to 360 px and fails if the page itself scrolls sideways
  (wide tables must scroll inside `.table-wrap`);
- saves full-page screenshots at 1280 and 360 px under test-artifacts/e2e/screenshots/.

Every HTML document the browser receives (the response body as served, before
any script runs) is saved; at the end of the session one run of the Nu HTML
checker validates them all, and any error fails the session (reported as an error
in the teardown of the last e2e test).  A test that reaches a page without
checking it fails too.  The counts per page go to test-artifacts/e2e/report.md.

The tools come from npm (tests/e2e/package.json: axe-core, vnu-jar) and the
machine's Java.  When they are missing the tests skip with the reason, unless
REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
VNU = HERE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Where screenshots, saved documents and the report go; CI gives each database's run its own folder.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR") or ROOT / "test-artifacts") / "e2e"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented demo password
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 800}
FAILING_IMPACTS = ("serious", "critical")
# Problems on pages whose templates another engineer owns, reported to them and
# waived here until fixed: (page label prefix, text of the problem, where it comes from).
# A waived problem is still counted and listed in test-artifacts/e2e/report.md, and an
# entry that no longer matches anything is listed there as stale, to be removed.
KNOWN_ELSEWHERE: list[tuple[str, str, str]] = [
    # (route, problem text, where): waivers for known problems of pages owned elsewhere; none at present.
]
_waived_used: set[int] = set()


def waived(label: str, problem: str) -> bool:
    """Tell whether a problem is a known one of a page owned elsewhere (and note its use)."""
    for n, (prefix, text, _where) in enumerate(KNOWN_ELSEWHERE):
        if label.startswith(prefix) and text in problem:
            _waived_used.add(n)
            return True
    return False


# Elements whose colour carries meaning: each must also carry text.
COLOURED = ".heat, [class*='heat--'], .status, .rating-badge, .tag, .legend__swatch, .score-chip, .change"


def _tools_unavailable() -> str | None:
    if not AXE.exists() or not VNU.exists():
        return f"the npm tools are not installed (run: npm ci --prefix {HERE.relative_to(ROOT)})"
    if shutil.which("java") is None:
        return "Java, which the Nu HTML checker needs, is not installed (default-jre-headless)"
    return None


@pytest.fixture(scope="session")
def e2e_tools(browser: Any) -> None:
    """Skip (or fail under REQUIRE_BROWSER=1) when axe-core, vnu.jar or Java is missing."""
    reason = _tools_unavailable()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"end-to-end tests are required but cannot run: {reason}")
        pytest.skip(f"end-to-end test skipped: {reason}")


# ---------------------------------------------------------------------------
# What the session saw
# ---------------------------------------------------------------------------


@dataclass
class PageRecord:
    """What was found on one page (one route in one state), over all its visits."""

    label: str
    urls: set[str] = field(default_factory=set)
    visits: int = 0
    axe: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    axe_rules: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    vnu_errors: list[str] = field(default_factory=list)
    vnu_warnings: list[str] = field(default_factory=list)
    waived: list[str] = field(default_factory=list)
    phone_width: int = 0


class AuditLog:
    """Collect the pages the suite visits, their documents and what the checks found."""

    def __init__(self, root: Path, url_map: Any) -> None:
        self.root = root
        self.html_dir = root / "html"
        self.shots = root / "screenshots"
        for folder in (self.html_dir, self.shots):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        self.url_map = url_map
        self.pages: dict[str, PageRecord] = {}
        self.count = 0
        self.shot_labels: set[str] = set()

    def endpoint(self, url: str, method: str = "GET") -> str:
        """Name the route a URL belongs to (the page, whatever its country or cycle)."""
        parts = urlsplit(url)
        try:
            endpoint, _ = self.url_map.bind("localhost").match(parts.path, method=method)
        except Exception:  # noqa: BLE001 - a 404 or 405 page is a page too
            return "errors.not_found"
        return str(endpoint)

    def record(self, label: str) -> PageRecord:
        return self.pages.setdefault(label, PageRecord(label))

    def save_document(self, label: str, url: str, body: bytes) -> None:
        self.count += 1
        slug = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-")
        path = self.html_dir / f"{self.count:04d}-{slug}.html"
        path.write_bytes(body)
        record = self.record(label)
        record.files.append(path)
        record.urls.add(urlsplit(url).path)

    def validate(self) -> list[str]:
        """Run the Nu HTML checker once on every saved document; return its errors."""
        files = [f for r in self.pages.values() for f in r.files]
        if not files:
            return []
        by_file = {f.name: r for r in self.pages.values() for f in r.files}
        result = subprocess.run(  # noqa: S603 - fixed arguments, our own files
            ["java", "-Xss4m", "-jar", str(VNU), "--format", "json", "--stdout", *map(str, files)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        try:
            messages = json.loads(result.stdout)["messages"]
        except (ValueError, KeyError):
            return [f"the Nu HTML checker did not answer in JSON: {result.stdout[:500]} {result.stderr[:500]}"]
        errors = []
        for m in messages:
            record = by_file.get(Path(urlsplit(m.get("url", "")).path).name)
            where = f"{Path(urlsplit(m.get('url', '')).path).name}:{m.get('lastLine', '?')}"
            text = f"{m.get('message', '')} [{where}] {m.get('extract', '').strip()[:120]!r}"
            if m.get("type") == "error" or m.get("subType") == "fatal":
                if record and waived(record.label, text):
                    record.waived.append(f"Nu error: {text}")
                    record.vnu_errors.append(text)
                    continue
                errors.append(f"{record.label if record else '?'}: {text}")
                if record:
                    record.vnu_errors.append(text)
            elif record:
                record.vnu_warnings.append(text)
        return errors

    def write_report(self, routes: list[str]) -> Path:
        """Write the per-page counts (axe by impact, Nu errors and warnings, phone width)."""
        rows = []
        for label in sorted(self.pages):
            r = self.pages[label]
            rows.append(
                {
                    "page": label,
                    "visits": r.visits,
                    "documents": len(r.files),
                    "axe": dict(r.axe),
                    "axe_rules": r.axe_rules,
                    "vnu_errors": r.vnu_errors,
                    "vnu_warnings": r.vnu_warnings,
                    "waived": r.waived,
                    "phone_scroll_width": r.phone_width,
                    "urls": sorted(r.urls),
                }
            )
        seen = {label.split(" ")[0] for label in self.pages}
        unvisited = [r for r in routes if r not in seen]
        (self.root / "report.json").write_text(json.dumps({"pages": rows, "routes_not_visited": unvisited}, indent=2))
        lines = [
            "| page (route, state) | checks | documents | axe critical | axe serious "
            "| axe moderate | axe minor | Nu errors | Nu warnings | width at 360 px |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in rows:
            axe = row["axe"]
            lines.append(
                f"| {row['page']} | {row['visits']} | {row['documents']} "
                f"| {axe.get('critical', 0)} | "
                f"{axe.get('serious', 0)} | {axe.get('moderate', 0)} | {axe.get('minor', 0)} | "
                f"{len(row['vnu_errors'])} | {len(row['vnu_warnings'])} "
                f"| {row['phone_scroll_width'] or '—'} |"
            )
        notes = []
        for row in rows:
            for rule, impact in sorted(row["axe_rules"].items()):
                notes.append(f"- {row['page']}: axe `{rule}` ({impact})")
            for w in sorted(set(row["vnu_warnings"])):
                notes.append(f"- {row['page']}: Nu warning: {w}")
        text = "\n".join(lines) + "\n\nFindings below the failing level:\n\n" + ("\n".join(notes) or "none") + "\n"
        known = []
        for row in rows:
            texts = {re.sub(r" \[[^]]*\].*", "", re.sub(r"“\d{4}-[^”]*”", "“…”", w)) for w in row["waived"]}
            for w in sorted(texts):
                known.append(f"- {row['page']}: {w}")
        if known:
            text += (
                "\nKnown problems of pages owned elsewhere (waived, see KNOWN_ELSEWHERE in tests/e2e/conftest.py):\n\n"
            )
            text += "\n".join(known) + "\n"
        stale = [
            f"- {KNOWN_ELSEWHERE[n][0]}: {KNOWN_ELSEWHERE[n][1]}"
            for n in range(len(KNOWN_ELSEWHERE))
            if n not in _waived_used
        ]
        if stale:
            text += (
                "\nWaivers that matched nothing this run (remove them if the page was visited):\n\n"
                + "\n".join(stale)
                + "\n"
            )
        if unvisited:
            text += "\nRoutes that serve HTML but were not visited: " + ", ".join(unvisited) + "\n"
        path = self.root / "report.md"
        path.write_text(text)
        return path


def _html_routes(app: Flask) -> list[str]:
    skip = ("static", "api.", "main.health")
    return sorted(
        {
            r.endpoint
            for r in app.url_map.iter_rules()
            if "GET" in (r.methods or ())
            and not r.endpoint.startswith(skip)
            and not r.rule.endswith((".pdf", ".xlsx", "/status", "/download", ".<fmt>"))
        }
    )


@pytest.fixture(scope="session")
def audit_log(e2e_tools: None) -> Iterator[AuditLog]:
    """The session's record of pages; validates every document at the end of the session."""
    import secrets

    from questionnaire import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )
    log = AuditLog(ARTIFACTS, app.url_map)
    yield log
    errors = log.validate()
    report = log.write_report(_html_routes(app))
    if errors:
        listing = "\n".join(f"  {e}" for e in errors[:80])
        more = f"\n  … and {len(errors) - 80} more" if len(errors) > 80 else ""
        pytest.fail(
            f"the Nu HTML checker found {len(errors)} error(s) in the pages the suite visited "
            f"(counts per page: {report}):\n{listing}{more}",
            pytrace=False,
        )


# ---------------------------------------------------------------------------
# The checks run on every page
# ---------------------------------------------------------------------------

_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — '
        + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))
  }));
}"""

_PAGE_CHECKS = """(coloured) => {
  const problems = [];
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
      && getComputedStyle(el).visibility !== 'hidden';
  // Headings: exactly one h1, and no level skipped on the way down.
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
      .filter(h => getComputedStyle(h).display !== 'none' && !h.closest('[hidden]'));
  const levels = headings.map(h => Number(h.tagName[1]));
  const h1s = levels.filter(l => l === 1).length;
  if (h1s !== 1) problems.push(`${h1s} h1 headings (want exactly one)`);
  let previous = 1;
  headings.forEach((h, i) => {
    const level = levels[i];
    if (level > previous + 1) {
      const text = h.textContent.trim().slice(0, 60);
      problems.push(`heading level skipped: h${previous} then h${level} “${text}”`);
    }
    previous = level;
  });
  // The skip link: the first thing a keyboard reaches, pointing at the main content.
  const focusable = [...document.querySelectorAll(
      'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), '
      + 'select:not([disabled]), textarea:not([disabled]), summary, '
      + '[tabindex]:not([tabindex="-1"])')]
      .filter(el => el.tabIndex >= 0 && (visible(el) || el.classList.contains('skip-link')));
  const skip = document.querySelector('a.skip-link');
  if (document.querySelector('.site-header')) {
    if (!skip) problems.push('no skip link');
    else {
      if (focusable[0] !== skip) problems.push('the skip link is not the first focusable element');
      const target = document.querySelector(skip.getAttribute('href'));
      if (!target) problems.push(`the skip link's target ${skip.getAttribute('href')} is missing`);
    }
  }
  // Colour is never the only carrier of meaning: coloured markers print text.
  document.querySelectorAll(coloured).forEach(el => {
    if (!el.textContent.trim() && !el.getAttribute('aria-label')) {
      const tag = el.tagName.toLowerCase();
      problems.push(`coloured marker without text: <${tag} class="${el.className}">`);
    }
  });
  // Ids are unique (labels, aria references and the error summary's links depend on it).
  const ids = {};
  document.querySelectorAll('[id]').forEach(el => { ids[el.id] = (ids[el.id] || 0) + 1; });
  Object.entries(ids).filter(([, n]) => n > 1)
      .forEach(([id]) => problems.push(`duplicate id ${id}`));
  return {problems, focusable: focusable.length};
}"""

# Focus every focusable element after a real Tab (keyboard modality), and
# check it shows a focus indicator: an outline or a box shadow.
_FOCUS_CHECK = """() => {
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
      && getComputedStyle(el).visibility !== 'hidden';
  const els = [...document.querySelectorAll(
      'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), '
      + 'select:not([disabled]), textarea:not([disabled]), summary, '
      + '[tabindex]:not([tabindex="-1"])')]
      .filter(el => el.tabIndex >= 0 && visible(el));
  const seen = new Set();
  const failures = [];
  for (const el of els) {
    // One of each kind is enough (the same CSS applies to every link in the same place).
    const parent = el.parentElement ? el.parentElement.className : '';
    const key = [el.tagName, el.type || '', el.className, parent].join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    el.focus({preventScroll: true});
    if (document.activeElement !== el) continue;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    if (!(el.matches(':focus-visible') && (outline || shadow))) {
      const text = (el.textContent || el.value || '').trim().slice(0, 40);
      const id = el.id ? ' id=' + el.id : '';
      failures.push(`<${el.tagName.toLowerCase()}${id} class="${el.className}"> “${text}”`);
    }
  }
  document.activeElement && document.activeElement.blur();
  window.scrollTo(0, 0);
  return {checked: seen.size, failures};
}"""

_OVERFLOW = """(limit) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > limit + 1 || box.left < -1) && !el.closest('.table-wrap')
        && getComputedStyle(el).position !== 'absolute') {
      const span = `${Math.round(box.left)}–${Math.round(box.right)}px`;
      out.push(`<${el.tagName.toLowerCase()} class="${el.className}"> ${span}`);
    }
    if (out.length > 8) break;
  }
  return out;
}"""


class UI:
    """A signed-in (or not) browser tab on the live server, whose pages are checked."""

    def __init__(self, browser: Any, base_url: str, log: AuditLog, test_name: str) -> None:
        self.base_url = base_url
        self.log = log
        self.test_name = test_name
        self.context = browser.new_context(viewport=DESKTOP, bypass_csp=True, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self._responses: list[Any] = []
        self.unchecked: dict[str, str] = {}
        self.page.on("response", self._on_response)

    def _on_response(self, response: Any) -> None:
        request = response.request
        if request.resource_type == "document" and request.frame == self.page.main_frame:
            self._responses.append(response)

    # -- navigation ---------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def goto(self, path: str, state: str = "") -> Any:
        """Open a page and check it."""
        response = self.page.goto(self.url(path))
        self.check(state)
        return response

    def login(self, email: str, password: str = DEMO_PASSWORD) -> None:
        """Sign in through the form (checking the sign-in page on the way)."""
        self.goto("/login")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.locator("main").get_by_role("button", name="Sign in").click()
        self.check()

    def logout(self) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign out").click()
        self.check()

    # -- the checks -----------------------------------------------------------

    def _collect_documents(self, label: str | None) -> None:
        """Save the documents received since the last check; others' pages count as unchecked."""
        for response in self._responses:
            if not 200 <= response.status < 300 and response.status not in (
                400,
                403,
                404,
                409,
                413,
                422,
            ):
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            try:
                body = response.body()
            except Exception:  # noqa: BLE001 - a body the browser no longer holds
                continue
            doc_label = self.log.endpoint(response.url, response.request.method)
            if label is not None and doc_label == label.split(" ")[0]:
                doc_label = label
            self.log.save_document(doc_label, response.url, body)
            if doc_label != label:
                self.unchecked.setdefault(doc_label, response.url)
        self._responses.clear()

    def check(self, state: str = "") -> None:
        """Run every check on the page as it is now; fail with all problems found."""
        page = self.page
        page.wait_for_load_state("load")
        here = page.url.split("#")[0]
        method = next(
            (r.request.method for r in reversed(self._responses) if r.url.split("#")[0] == here),
            "GET",
        )
        label = self.log.endpoint(page.url, method) + (f" ({state})" if state else "")
        self._collect_documents(label)
        self.unchecked.pop(label, None)
        self.unchecked.pop(label.split(" ")[0], None)
        record = self.log.record(label)
        record.visits += 1
        record.urls.add(urlsplit(page.url).path)
        problems: list[str] = []

        if not page.evaluate("() => !!window.axe"):
            page.add_script_tag(path=str(AXE))
        for v in page.evaluate(_AXE_RUN):
            impact = v["impact"] or "minor"
            record.axe[impact] += 1
            # Kept with the first element it names, so the report says where to look.
            record.axe_rules[v["id"]] = f"{impact}; {v['nodes'][0]}" if v["nodes"] else impact
            if impact in FAILING_IMPACTS:
                problems.append(f"axe {impact} {v['id']}: {v['help']}\n      " + "\n      ".join(v["nodes"]))

        found = page.evaluate(_PAGE_CHECKS, COLOURED)
        problems += found["problems"]
        if found["focusable"]:
            page.keyboard.press("Tab")  # keyboard modality: script focus now shows :focus-visible
            focus = page.evaluate(_FOCUS_CHECK)
            problems += [f"no visible focus indicator on {f}" for f in focus["failures"]]

        shot = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-")
        first_time = label not in self.log.shot_labels
        if first_time:
            page.screenshot(path=str(self.log.shots / f"{shot}-1280.png"), full_page=True)
        page.set_viewport_size(PHONE)
        try:
            width = page.evaluate("document.documentElement.scrollWidth")
            record.phone_width = max(record.phone_width, width)
            if width > PHONE["width"]:
                culprits = page.evaluate(_OVERFLOW, PHONE["width"])
                problems.append(f"at 360 px the page scrolls sideways ({width} px wide): " + "; ".join(culprits))
            if first_time:
                page.screenshot(path=str(self.log.shots / f"{shot}-360.png"), full_page=True)
        finally:
            page.set_viewport_size(DESKTOP)
        self.log.shot_labels.add(label)
        kept = []
        for problem in problems:
            if waived(label, problem):
                record.waived.append(problem)
            else:
                kept.append(problem)
        if kept:
            pytest.fail(f"{label} at {page.url}:\n  - " + "\n  - ".join(kept), pytrace=False)

    # -- keyboard -----------------------------------------------------------

    def focused(self) -> dict[str, str]:
        """Describe the focused element (tag, id, name, text)."""
        return self.page.evaluate(
            """() => { const e = document.activeElement;
                return {tag: e.tagName.toLowerCase(), id: e.id,
                name: e.getAttribute('name') || '', type: e.type || '', value: e.value || '',
                href: e.getAttribute('href') || '',
                text: (e.textContent || '').trim().slice(0, 80), cls: e.className || ''}; }"""
        )

    def tab_to(self, matches: Any, limit: int = 400, backwards: bool = False) -> dict[str, str]:
        """Press Tab until the focused element satisfies `matches` (a predicate on focused())."""
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            now = self.focused()
            if matches(now):
                return now
        raise AssertionError(f"Tab never reached the element wanted (last: {self.focused()})")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def demo(app: Flask) -> None:
    """The demo instance's data: cycles 2025 (closed) and 2026 (every state), a dozen countries."""
    from questionnaire.demo import build_demo

    assert build_demo()


@pytest.fixture
def ui(browser: Any, live_server: str, audit_log: AuditLog, demo: None, request: pytest.FixtureRequest) -> Iterator[UI]:
    """A browser tab on the demo instance; fails the test if it reached a page it did not check."""
    tab = UI(browser, live_server, audit_log, request.node.name)
    failed_before = request.session.testsfailed
    try:
        yield tab
        tab._collect_documents(None)
    finally:
        tab.close()
    if request.session.testsfailed == failed_before:  # a failed test stopped before its checks
        assert not tab.unchecked, f"pages reached but never checked: {tab.unchecked}"
