"""Load and concurrency: many respondents at once against gunicorn; then check nothing was lost.

For each database (SQLite, then PostgreSQL) the script:

1. creates a fresh database, brings it up to date with `questionnaire db upgrade`, and creates
   through the services one respondent per country for --countries countries (two respondents
   for --pairs of them), an open cycle and every country's assessment;
2. starts the application under gunicorn (--workers sync workers) on loopback;
3. runs one simulated respondent per account, all at once, for --seconds (arriving over
   --ramp seconds, pausing 0 to 2 × --think seconds between actions): each signs in,
   reads its start page, reads questionnaire sections and saves answers through the section
   autosave (the same request the browser sends).
   The two respondents of a paired country also edit one contested item on purpose at the
   same moment, both from the same version: one save must win, the other must get 409;
4. stops the server and checks the database through the services:
   - every save acknowledged with 200 is in the audit trail at the version it produced, with
     exactly the values sent, and the stored answer is the last version of the trail;
   - the audit trail of every answer has each version exactly once (a version twice would be
     a silent overwrite); saves stored but never acknowledged are counted and shown;
   - every deliberate collision ended with one success and one 409, never two successes;
5. prints throughput, p50/p95/p99 latency (all requests and per kind), errors, and a verdict.
   Target: zero server errors, zero lost or altered answers, p95 under one second.

    .venv/bin/python benchmarks/load.py [--database sqlite|postgresql|both] [--seconds 60]
        [--countries 50] [--pairs 10] [--workers 4] [--think 1.0] [--ramp 5]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres] [--keep]

Needs aiohttp (a dev dependency). Sends traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
QUESTIONNAIRE = str(Path(PYTHON).with_name("questionnaire"))
PASSWORD = "load-test-password-" + secrets.token_hex(4)
CYCLE = "LOAD"
RATINGS = ("full", "largely", "partially", "initial", "none")
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VERSION = re.compile(r'name="(item_[A-Za-z0-9_]+)-version" type="hidden" value="(\d+)"')


# --------------------------------------------------------------------------
# Set-up: database, accounts, server
# --------------------------------------------------------------------------


@dataclass
class Respondent:
    email: str
    iso3: str
    partner: int | None = None  # index of the other respondent of a paired country


@dataclass
class Plan:
    url: str
    respondents: list[Respondent]
    sections: dict[str, list[str]]  # section -> items
    contested: list[str]  # items edited on purpose by both respondents of a pair
    cleanup: Any = None


def field_name(item: str) -> str:
    return "item_" + "".join(c if c.isalnum() else "_" for c in item)


def make_database(kind: str, pg_url: str, work: Path) -> tuple[str, Any]:
    """Create an empty database; return its URL and a function that removes it."""
    if kind == "sqlite":
        return f"sqlite:///{work / 'load.db'}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"thbq_load_{secrets.token_hex(4)}"
    admin = create_engine(
        make_url(pg_url.replace("postgresql://", "postgresql+psycopg://", 1)),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(pg_url).set(database=name).render_as_string(hide_password=False), drop


def prepare(kind: str, args: argparse.Namespace, work: Path) -> Plan:
    """Create the schema with the CLI, then accounts, cycle and assessments with the services."""
    url, cleanup = make_database(kind, args.pg_url, work)
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([QUESTIONNAIRE, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=str(ROOT))

    from sqlalchemy import select

    from questionnaire import auth, create_app, services
    from questionnaire.catalogue_store import catalogue_for
    from questionnaire.config import normalise_database_url
    from questionnaire.db import db
    from questionnaire.models import Country, Role

    app = create_app(
        {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    respondents: list[Respondent] = []
    with app.app_context():
        countries = list(db.session.scalars(select(Country.iso3).order_by(Country.iso3)))
        chosen = random.Random(7).sample(countries, args.countries)  # noqa: S311 - test data
        cycle = services.create_cycle(CYCLE, "Load test")
        for n, iso3 in enumerate(chosen):
            first = auth.create_user(f"{iso3.lower()}-1@load.test", PASSWORD, Role.RESPONDENT, iso3)
            services.start_assessment(first, cycle, iso3)
            respondents.append(Respondent(first.email, iso3))
            if n < args.pairs:
                second = auth.create_user(f"{iso3.lower()}-2@load.test", PASSWORD, Role.RESPONDENT, iso3)
                respondents.append(Respondent(second.email, iso3, partner=len(respondents) - 1))
                respondents[-2].partner = len(respondents) - 1
        catalogue = catalogue_for(cycle)
        sections = {s.id: [i.id for i in catalogue.items_in(s.id)] for s in catalogue.sections}
        db.session.remove()
        db.engine.dispose()
    contested = [items[0] for items in list(sections.values())[:4]]
    return Plan(url, respondents, sections, contested, cleanup)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [
            GUNICORN,
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--timeout",
            "60",
            "questionnaire.wsgi:app",
        ],
        env=env,
        cwd=str(ROOT),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 - loopback only
                return process, base
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    stop_server(process)
    raise SystemExit("gunicorn did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass


# --------------------------------------------------------------------------
# The simulated respondents
# --------------------------------------------------------------------------


@dataclass
class Ack:
    iso3: str
    item: str
    version: int
    values: dict[str, Any]
    who: str


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    conflicts: int = 0
    collisions: list[tuple[str, str, list[str]]] = field(default_factory=list)  # iso3, item, outcomes


@dataclass
class Pair:
    barrier: asyncio.Barrier
    go: bool = True
    round: int = 0
    outcomes: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


def values_for(who: str, number: int, rng: random.Random) -> dict[str, Any]:
    rating = rng.choice(RATINGS)
    return {
        "rating": rating,
        "description": f"{who} save {number}: in force in {rng.randint(2, 20)} regions; é ñ ع 中.",
        "legal_references": [f"Law {rng.randint(1, 999)}/{rng.randint(1990, 2026)}, art. {number}"],
        "evidence_links": [f"https://example.org/{who}/{number}"] if rating in ("full", "largely") else [],
        "assistance_kind": None,
        "assistance_description": "",
        "justification": "",
    }


def form(item: str, values: dict[str, Any], based_on: int, token: str) -> dict[str, str]:
    prefix = field_name(item)
    return {
        "csrf_token": token,
        f"{prefix}-rating": values["rating"],
        f"{prefix}-description": values["description"],
        f"{prefix}-legal_references": "\n".join(values["legal_references"]),
        f"{prefix}-evidence_links": "\n".join(values["evidence_links"]),
        f"{prefix}-assistance_kind": "none",
        f"{prefix}-assistance_description": "",
        f"{prefix}-justification": "",
        f"{prefix}-version": str(based_on),
        f"{prefix}-original": "",
    }


class Client:
    """One respondent's browser: its own cookies, CSRF token and request timings."""

    def __init__(
        self,
        index: int,
        who: Respondent,
        plan: Plan,
        base: str,
        results: Results,
        deadline: float,
        think: float,
        ramp: float,
        pair: Pair | None,
    ) -> None:
        import aiohttp

        self.index = index
        self.who = who
        self.plan = plan
        self.base = base
        self.results = results
        self.deadline = deadline
        self.think = think
        self.ramp = ramp
        self.pair = pair
        self.rng = random.Random(index)  # noqa: S311 - simulated behaviour
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=60)
        )
        self.token = ""
        self.saves = 0
        self.path = f"/cycles/{CYCLE}/countries/{who.iso3}"
        own = [i for i in (x for items in plan.sections.values() for x in items) if i not in plan.contested]
        if who.partner is not None:  # the two respondents of a country share the rest without overlap
            own = own[(0 if who.partner > index else 1) :: 2]
        self.own = own
        self.section_of = {i: s for s, items in plan.sections.items() for i in items}

    async def request(
        self,
        kind: str,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        import aiohttp

        started = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base + path, data=data, headers=headers, allow_redirects=False
            ) as response:
                body = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as error:
            self.results.server_errors.append(f"{kind} {path}: {type(error).__name__} {error}")
            raise
        self.results.latencies[kind].append(time.perf_counter() - started)
        self.results.statuses[f"{kind} {status}"] += 1
        if status >= 500:
            self.results.server_errors.append(f"{kind} {path}: HTTP {status}")
        return status, body

    async def sign_in(self) -> None:
        status, page = await self.request("page", "GET", "/login")
        token = TOKEN.search(page)
        if status != 200 or not token:
            raise RuntimeError(f"no sign-in form ({status})")
        status, _ = await self.request(
            "sign-in",
            "POST",
            "/login",
            {"email": self.who.email, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        if status != 302:
            raise RuntimeError(f"sign-in refused ({status})")
        status, page = await self.request("page", "GET", "/")
        token = TOKEN.search(page)
        if status != 200 or not token:
            raise RuntimeError(f"start page {status}")
        self.token = token.group(1)

    async def versions(self, section: str) -> dict[str, int]:
        status, page = await self.request("page", "GET", f"{self.path}/sections/{section}")
        if status != 200:
            raise RuntimeError(f"section page {status}")
        return {name: int(v) for name, v in VERSION.findall(page)}

    async def save(self, item: str, based_on: int) -> str:
        """Save one answer through autosave; return "saved", "conflict" or what else happened."""
        self.saves += 1
        values = values_for(self.who.email.split("@")[0], self.saves, self.rng)
        status, body = await self.request(
            "save",
            "POST",
            f"{self.path}/sections/{self.section_of[item]}",
            form(item, values, based_on, self.token),
            {"X-Autosave": "1"},
        )
        if status == 200:
            if item not in json.loads(body)["saved"]:
                self.results.unexpected.append(f"{self.who.email} {item}: 200 without saving: {body[:200]}")
                return "unsaved"
            self.results.acks.append(Ack(self.who.iso3, item, based_on + 1, values, self.who.email))
            return "saved"
        if status == 409:
            self.results.conflicts += 1
            return "conflict"
        self.results.unexpected.append(f"{self.who.email} {item}: HTTP {status} {body[:200]}")
        return f"HTTP {status}"

    async def pause(self) -> None:
        if self.think:
            await asyncio.sleep(self.rng.uniform(0, 2 * self.think))

    async def ordinary(self) -> None:
        """Read a section, save one of one's own items in it, sometimes look at the overview."""
        item = self.rng.choice(self.own)
        versions = await self.versions(self.section_of[item])
        await self.pause()
        outcome = await self.save(item, versions.get(field_name(item), 0))
        if outcome == "conflict":  # nobody else edits these items: a 409 here is wrong
            self.results.unexpected.append(f"{self.who.email} {item}: 409 on an item no one else edits")
        if self.rng.random() < 0.1:
            await self.request("page", "GET", f"{self.path}/")

    async def collide(self) -> bool:
        """Edit the contested item at the same moment as the partner; False when time is up."""
        assert self.pair is not None
        pair = self.pair
        if await asyncio.wait_for(pair.barrier.wait(), 120) == 0:
            pair.go = time.monotonic() < self.deadline
            pair.round += 1
        await asyncio.wait_for(pair.barrier.wait(), 120)
        if not pair.go:
            return False
        number = pair.round
        item = self.plan.contested[number % len(self.plan.contested)]
        versions = await self.versions(self.section_of[item])
        await asyncio.wait_for(pair.barrier.wait(), 120)  # both have read the same version
        outcome = await self.save(item, versions.get(field_name(item), 0))
        pair.outcomes[number].append(outcome)
        await asyncio.wait_for(pair.barrier.wait(), 120)
        if self.who.partner is not None and self.who.partner > self.index:  # one of the two reports it
            self.results.collisions.append((self.who.iso3, item, pair.outcomes[number]))
        return True

    async def run(self) -> None:
        try:
            await asyncio.sleep(self.rng.uniform(0, self.ramp))  # people arrive over a few seconds
            await self.sign_in()
            while True:
                if self.pair is None and time.monotonic() >= self.deadline:
                    break
                await self.ordinary()
                await self.pause()
                # A pair stops together: the first of the two at the meeting point decides.
                if self.pair is not None and not await self.collide():
                    break
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown
            if self.pair is not None:
                self.pair.barrier.abort()
            if not isinstance(error, asyncio.BrokenBarrierError):
                self.results.unexpected.append(f"{self.who.email}: stopped: {type(error).__name__} {error}")
        finally:
            await self.session.close()


async def drive(plan: Plan, base: str, seconds: float, think: float, ramp: float) -> tuple[Results, float]:
    results = Results()
    start = time.monotonic()
    deadline = start + seconds
    pairs: dict[int, Pair] = {}
    clients = []
    for index, who in enumerate(plan.respondents):
        pair = None
        if who.partner is not None:
            key = min(index, who.partner)
            pair = pairs.setdefault(key, Pair(asyncio.Barrier(2)))
        clients.append(Client(index, who, plan, base, results, deadline, think, ramp, pair))
    await asyncio.gather(*(c.run() for c in clients))
    return results, time.monotonic() - start


# --------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------


def normal(values: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(values or {})
    for name in ("description", "assistance_description", "justification"):
        out[name] = out.get(name) or ""
    for name in ("legal_references", "evidence_links"):
        out[name] = list(out.get(name) or [])
    out.setdefault("rating", None)
    out.setdefault("assistance_kind", None)
    return out


def check(plan: Plan, results: Results) -> dict[str, Any]:
    """Compare what the server acknowledged with what the database holds."""
    from sqlalchemy import select

    from questionnaire import create_app, services
    from questionnaire.config import normalise_database_url
    from questionnaire.db import db
    from questionnaire.models import Answer, AnswerChange, Assessment, Cycle

    app = create_app(
        {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(plan.url),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    report: dict[str, Any] = {
        "lost_or_altered": [],
        "duplicate_versions": [],
        "stored_mismatch": [],
        "unacknowledged": 0,
        "audited_saves": 0,
    }
    acks: dict[tuple[str, str], dict[int, Ack]] = defaultdict(dict)
    for ack in results.acks:
        if ack.version in acks[(ack.iso3, ack.item)]:
            report["duplicate_versions"].append(f"{ack.iso3} {ack.item} v{ack.version} acknowledged twice")
        acks[(ack.iso3, ack.item)][ack.version] = ack
    with app.app_context():
        assessments = {
            a.country_iso3: a for a in db.session.scalars(select(Assessment).join(Cycle).where(Cycle.code == CYCLE))
        }
        for iso3, assessment in assessments.items():
            stored = {
                a.item_id: a for a in db.session.scalars(select(Answer).where(Answer.assessment_id == assessment.id))
            }
            trail: dict[str, list[AnswerChange]] = defaultdict(list)
            for change in services.history(assessment):
                trail[change.item_id].append(change)
            for item in set(stored) | set(trail) | {i for (c, i) in acks if c == iso3}:
                changes = sorted(trail.get(item, []), key=lambda c: c.version)
                report["audited_saves"] += len(changes)
                versions = [c.version for c in changes]
                if versions != list(range(1, len(versions) + 1)):
                    report["duplicate_versions"].append(f"{iso3} {item}: audit versions {versions}")
                state: dict[str, Any] = {}
                states = {}
                for change in changes:
                    for name, (_old, new) in change.changes.items():
                        state[name] = new
                    states[change.version] = normal(state)
                for version, ack in acks.get((iso3, item), {}).items():
                    if states.get(version) != normal(ack.values):
                        report["lost_or_altered"].append(
                            f"{iso3} {item} v{version} by {ack.who}: sent {ack.values}, trail has {states.get(version)}"
                        )
                report["unacknowledged"] += len(set(states) - set(acks.get((iso3, item), {})))
                answer = stored.get(item)
                if (
                    answer is None
                    and changes
                    or answer is not None
                    and (
                        answer.version != (versions[-1] if versions else 0)
                        or normal(services.AnswerInput.of(answer).as_dict()) != states.get(answer.version)
                    )
                ):
                    report["stored_mismatch"].append(f"{iso3} {item}: stored answer differs from its trail")
        db.session.remove()
        db.engine.dispose()
    outcomes = Counter(tuple(sorted(o)) for _, _, o in results.collisions)
    report["collisions"] = len(results.collisions)
    report["collisions_resolved"] = outcomes.get(("conflict", "saved"), 0)
    report["silent_overwrites"] = outcomes.get(("saved", "saved"), 0)
    report["collisions_other"] = {
        " + ".join(k): v for k, v in outcomes.items() if k not in {("conflict", "saved"), ("saved", "saved")}
    }
    return report


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def ms(seconds: float) -> str:
    return f"{1000 * seconds:>8.0f}"


def run_one(kind: str, args: argparse.Namespace) -> bool:
    work = Path(tempfile.mkdtemp(prefix=f"load-{kind}-"))
    people = args.countries + args.pairs
    print(f"\n=== {kind}: preparing {args.countries} countries, {people} respondents …", flush=True)
    plan = prepare(kind, args, work)
    process, base = start_server(plan.url, args.workers)
    try:
        print(
            f"    gunicorn, {args.workers} sync workers, at {base}; {len(plan.respondents)} "
            f"respondents for {args.seconds:.0f} s, arriving over {args.ramp:.0f} s, "
            f"think time 0–{2 * args.think:.1f} s; {os.cpu_count()} cores, load average "
            f"{os.getloadavg()[0]:.1f} before the run",
            flush=True,
        )
        results, elapsed = asyncio.run(drive(plan, base, args.seconds, args.think, args.ramp))
        load_after = os.getloadavg()[0]
    finally:
        stop_server(process)
    report = check(plan, results)
    if plan.cleanup and not args.keep:
        plan.cleanup()

    every = [x for values in results.latencies.values() for x in values]
    total = len(every)
    saves = results.statuses.get("save 200", 0)
    print(
        f"    requests: {total} in {elapsed:.1f} s = {total / elapsed:.1f} requests/s "
        f"({saves / elapsed:.1f} acknowledged saves/s); load average {load_after:.1f} after"
    )
    print(f"    {'kind':<8} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in [("all", every), *sorted(results.latencies.items())]:
        print(
            f"    {name:<8} {len(values):>6} {ms(percentile(values, 50))} "
            f"{ms(percentile(values, 95))} {ms(percentile(values, 99))} {ms(max(values or [0]))}"
        )
    print(f"    statuses: {dict(sorted(results.statuses.items()))}")
    print(
        f"    acknowledged saves: {len(results.acks)}; 409 conflicts: {results.conflicts}; "
        f"audit trail rows checked: {report['audited_saves']}; "
        f"saved but unacknowledged: {report['unacknowledged']}"
    )
    other = report["collisions_other"] or "none"
    print(
        f"    deliberate collisions: {report['collisions']}; one saved + one 409: "
        f"{report['collisions_resolved']}; both saved (silent overwrite): "
        f"{report['silent_overwrites']}; other: {other}"
    )
    problems = {
        "server errors (5xx or no answer)": results.server_errors,
        "unexpected answers": results.unexpected,
        "acknowledged saves lost or altered": report["lost_or_altered"],
        "versions saved twice (overwrites)": report["duplicate_versions"],
        "stored answers differing from their trail": report["stored_mismatch"],
    }
    for name, found in problems.items():
        print(f"    {name}: {len(found)}")
        for line in found[:5]:
            print(f"      {line}")
    p95 = percentile(every, 95)
    ok = (
        not any(problems.values())
        and report["silent_overwrites"] == 0
        and not report["collisions_other"]
        and report["collisions"] > 0
        and p95 < 1.0
    )
    print(
        f"    verdict: {'PASS' if ok else 'FAIL'}: server errors {len(results.server_errors)}, "
        f"lost or altered {len(report['lost_or_altered'])}, silent overwrites "
        f"{report['silent_overwrites']}, p95 {1000 * p95:.0f} ms "
        "(target: 0, 0, 0, under 1000 ms)",
        flush=True,
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ramp", type=float, default=5, help="seconds over which people sign in")
    parser.add_argument("--countries", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=10, help="countries with two respondents who collide")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between actions, seconds")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("LOAD_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server where the script may create and drop a database",
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    if args.pairs > args.countries:
        parser.error("--pairs cannot exceed --countries")
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    verdicts = {kind: run_one(kind, args) for kind in kinds}
    print("\n" + "; ".join(f"{kind}: {'PASS' if ok else 'FAIL'}" for kind, ok in verdicts.items()))
    sys.exit(0 if all(verdicts.values()) else 1)


if __name__ == "__main__":
    main()
