"""Every state-changing browser route refuses a request without its CSRF token,
with another session's token, and by GET — and nothing changes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from questionnaire import services
from questionnaire.db import Base, db

from ..conftest import DECLARATION, add_user
from ..offline.conftest import Book
from ..review.conftest import earlier_recommendation

A = "/cycles/2026/countries/FRA"
# A request each state-changing route would accept, with who sends it.
ROUTES: dict[str, tuple[str, str, dict[str, str]]] = {
    "main.set_language": ("/language", "fra@example.org", {"lang": "fr", "next": "/"}),
    "auth.login": ("/login", "", {"email": "fra@example.org", "password": "correct horse battery staple"}),
    "auth.logout": ("/logout", "fra@example.org", {}),
    "auth.account": (
        "/account",
        "fra@example.org",
        {"current": "correct horse battery staple", "new": "another long password", "confirm": "another long password"},
    ),
    "auth.create_token": ("/account/tokens", "fra@example.org", {"label": "x"}),
    "auth.revoke_token": ("/account/tokens/{token}/revoke", "fra@example.org", {}),
    "admin.users": (
        "/admin/users",
        "admin@example.org",
        {"email": "new@example.org", "role": "reviewer", "country": "", "password": "a long enough password"},
    ),
    "admin.set_active": ("/admin/users/{victim}/active", "admin@example.org", {"active": "0"}),
    "admin.reset_password": (
        "/admin/users/{victim}/password",
        "admin@example.org",
        {"password": "a new long password"},
    ),
    "admin.revoke_tokens": ("/admin/users/{fra}/tokens/revoke", "admin@example.org", {}),
    "admin.cycles": ("/admin/cycles", "admin@example.org", {"code": "2030", "title": "x"}),
    "admin.close_cycle": ("/admin/cycles/2026/close", "admin@example.org", {"confirm": "1"}),
    "admin.due_date": ("/admin/cycles/2026/due", "admin@example.org", {"due_date": "2027-01-31"}),
    "admin.reopen_cycle": ("/admin/cycles/2025/reopen", "admin@example.org", {}),
    "admin.delete_cycle": ("/admin/cycles/2031/delete", "admin@example.org", {"confirm": "1"}),
    "assessment.start": ("/cycles/2026/countries/DEU/start", "deu@example.org", {}),
    "assessment.section": (
        f"{A}/sections/criminal-law",
        "fra@example.org",
        {"item_CL_1-rating": "full", "item_CL_1-version": "0"},
    ),
    "assessment.submit": (f"{A}/submit", "fra@example.org", {"comment": "x", **DECLARATION}),
    "assessment.comment": (f"{A}/items/CL-1/comments", "fra@example.org", {"body": "x"}),
    "assessment.resolve_thread": (f"{A}/items/CL-2/resolution", "fra@example.org", {"resolved": "yes"}),
    "assessment.return_": ("/cycles/2026/countries/ITA/return", "reviewer@example.org", {"comment": "x"}),
    "assessment.accept": ("/cycles/2026/countries/ITA/accept", "reviewer@example.org", {}),
    "reports.meeting_pack": ("/cycles/2026/meeting-pack", "reviewer@example.org", {}),
    "offline.upload": (f"{A}/questionnaire.xlsx", "fra@example.org", {"file": "WORKBOOK"}),
    "recommendations.comment": (f"{A}/recommendations/{{recommendation}}/comments", "fra@example.org", {"body": "x"}),
    "team.invite": (f"{A}/team/invite", "fra@example.org", {"email": "new.contributor@example.org"}),
    "team.assign": (
        f"{A}/team/assign",
        "fra@example.org",
        {"contributor": "{contributor}", "section": "criminal-law", "item": ""},
    ),
    "team.unassign": (f"{A}/team/assignments/{{assignment}}/remove", "fra@example.org", {}),
    "team.ready": (f"{A}/sections/criminal-law/ready", "fra@example.org", {}),
    "team.approve": (f"{A}/sections/criminal-law/approve", "fra@example.org", {}),
    "team.send_back": (f"{A}/sections/criminal-law/send-back", "fra@example.org", {"note": "x"}),
    "team.accept_invitation": (
        "/invitations/{invitation}",
        "",
        {"password": "a long enough password", "confirm": "a long enough password"},
    ),
}
EXEMPT = ("api.", "static")  # the API takes bearer tokens only (tests/api checks cookies get 401)
# Evidence files (views/evidence.py): {evidence} is a file France shared on CL-1.
ROUTES |= {
    "evidence.upload": (f"{A}/items/CL-1/evidence", "fra@example.org", {"file": "PDF", "title": "x"}),
    "evidence.delete": (f"{A}/evidence/{{evidence}}/delete", "fra@example.org", {}),
}
# Accounts (views/auth.py, views/admin.py): asking for a reset link only sends an e-mail, and the second
# step of signing in without a first one only sends back to the first: nothing stored changes (below).
ROUTES |= {
    "auth.password_reset": ("/password-reset", "", {"email": "deu@example.org"}),
    "auth.reset_password": (
        "/password-reset/{reset}",
        "",
        {"password": "a long enough password", "confirm": "a long enough password"},
    ),
    "auth.second_factor": ("/login/second-factor", "", {"code": "123456"}),
    "auth.two_factor_setup": ("/account/two-factor", "fra@example.org", {"code": "{fra_code}"}),
    "auth.new_recovery_codes": (
        "/account/two-factor/recovery-codes",
        "reviewer@example.org",
        {"recovery-code": "{reviewer_code}"},
    ),
    "auth.remove_two_factor": (
        "/account/two-factor/remove",
        "reviewer@example.org",
        {"remove-code": "{reviewer_code}"},
    ),
    "admin.account": (
        "/admin/users/{victim}",
        "admin@example.org",
        {"name": "New name", "role": "reviewer", "country": ""},
    ),
    "admin.resend_invitation": ("/admin/users/{invited}/invitation", "admin@example.org", {}),
    "admin.reset_second_factor": ("/admin/users/{reviewer_id}/second-factor/reset", "admin@example.org", {}),
}
NOTHING_STORED = ("main.set_language", "auth.password_reset", "auth.second_factor")
# Notifications (views/notifications.py): {notification} is France's focal point's, unread.
ROUTES |= {
    "notifications.read": ("/notifications/{notification}/read", "fra@example.org", {}),
    "notifications.read_all": ("/notifications/read-all", "fra@example.org", {}),
    "notifications.settings": ("/account/notifications", "fra@example.org", {"notify_by": "daily"}),
}


def _notification(user: Any) -> int:
    """Give France's focal point an unread notification; return its id."""
    from questionnaire.services import notifications

    (row,) = notifications.notify([user], notifications.DUE, {"cycle": "2026", "country": "FRA", "days": 7}, "/")
    db.session.commit()
    return int(row.id)


def _evidence(user: Any, assessment: Any) -> int:
    """Share a small PDF on France's CL-1; return its id."""
    from questionnaire.services import evidence

    from ..evidence.conftest import pdf

    return evidence.attach(user, assessment, "CL-1", data=pdf(), filename="loi.pdf", title="Loi", shared=True).id


@pytest.fixture
def world(app, users, cycle, monkeypatch) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from questionnaire import jobs

    monkeypatch.setattr(jobs, "dispatch", lambda job_id: None)  # the job's record is the state change
    france, _ = services.start_assessment(users["fra"], cycle, "FRA")
    services.add_comment(users["fra"], france, "CL-2", "A note on CL-2.")  # a thread to mark resolved
    from questionnaire.services import team

    invited = team.invite_contributor(users["fra"], france, "contrib@example.org")
    contributor, invitation = invited.user, invited.link.rsplit("/", 1)[-1]
    assignment = team.assign(users["fra"], france, contributor, "law-enforcement")
    ita_user = add_user("ita@example.org", "respondent", "ITA")
    ita, _ = services.start_assessment(ita_user, cycle, "ITA")
    services.submit(ita_user, ita)
    from questionnaire.auth import issue_token, tokens_of

    issue_token(users["fra"], "script")
    services.close_cycle(services.create_cycle("2025"))
    services.create_cycle("2031")
    return {
        "victim": add_user("victim@example.org", "reviewer").id,
        "token": tokens_of(users["fra"])[0].id,
        "fra": users["fra"].id,
        "recommendation": earlier_recommendation("FRA"),  # France's, made in a cycle before 2026
        "contributor": contributor.id,
        "assignment": assignment.id,
        "invitation": invitation,
        "evidence": _evidence(users["fra"], france),  # evidence files
        "notification": _notification(users["fra"]),  # notifications
        **_accounts(users),  # accounts and two-factor sign-in
    }


def _accounts(users: dict[str, Any]) -> dict[str, Any]:
    """A reviewer with a second factor, France's focal point half-way through setting one up, an account
    invited that has not chosen its password, and a password reset link for Germany's focal point."""
    import time

    import pyotp

    from questionnaire import two_factor
    from questionnaire.services import accounts

    from ..conftest import enrol

    enrol(users["reviewer"])
    reviewer = pyotp.TOTP(users["reviewer"].totp_secret)
    step = int(time.time() // reviewer.interval)
    pending = pyotp.TOTP(two_factor.begin_enrolment(users["fra"]))
    return {
        # The reviewer signs in with this step's code; the form's confirmation takes the next one.
        "reviewer_code": reviewer.generate_otp(step + 1),
        "fra_code": pending.now(),
        "reviewer_id": users["reviewer"].id,
        "invited": accounts.invite_user("invited@example.org", "reviewer").user.id,
        "reset": accounts.link_token(users["deu"], "reset"),
    }


def fingerprint() -> dict[str, Any]:
    """Everything a state change could touch."""
    db.session.expire_all()
    state: dict[str, Any] = {}
    for table in Base.metadata.sorted_tables:
        state[table.name] = db.session.scalar(select(func.count()).select_from(table))
    state["statuses"] = sorted(db.session.execute(select(Base.metadata.tables["assessment"].c.status)).scalars())
    state["active"] = sorted(db.session.execute(select(Base.metadata.tables["user_account"].c.active)).scalars())
    state["cycles_open"] = sorted(db.session.execute(select(Base.metadata.tables["cycle"].c.is_open)).scalars())
    state["tokens_revoked"] = sorted(
        str(r) for r in db.session.execute(select(Base.metadata.tables["api_token"].c.revoked_at)).scalars()
    )
    state["hashes"] = sorted(db.session.execute(select(Base.metadata.tables["user_account"].c.password_hash)).scalars())
    state["recovery_codes"] = sorted(
        db.session.execute(select(Base.metadata.tables["recovery_code"].c.code_hash)).scalars()
    )
    accounts = Base.metadata.tables["user_account"]
    state["accounts"] = sorted(
        str(row)
        for row in db.session.execute(
            select(accounts.c.name, accounts.c.role, accounts.c.invited_at, accounts.c.totp_enrolled_at)
        )
    )
    notification, user = Base.metadata.tables["notification"], Base.metadata.tables["user_account"]
    state["notifications_read"] = db.session.scalar(
        select(func.count()).select_from(notification).where(notification.c.read_at.is_not(None))
    )
    state["notify_by"] = sorted(db.session.execute(select(user.c.notify_by)).scalars())
    return state


def _changed_workbook() -> Any:
    """France's questionnaire as downloaded, with one rating changed."""
    from questionnaire import offline
    from questionnaire.services import find_assessment

    book = Book()
    data = offline.build_workbook(find_assessment("2026", "FRA"))
    return (io.BytesIO(book.edit(data, {("CL-1", "rating"): "full"})), "questionnaire.xlsx")


def _form(data: dict[str, Any], world: dict[str, Any]) -> dict[str, Any]:
    """The form to send: the workbook made now, and the world's ids put in where a value names one."""
    return {
        k: (_changed_workbook() if v == "WORKBOOK" else _pdf() if v == "PDF" else v.format(**world))
        for k, v in data.items()
    }


def _pdf() -> Any:
    """A small PDF to attach as evidence."""
    from ..evidence.conftest import pdf

    return (io.BytesIO(pdf()), "loi.pdf")


def _client(make_client: Any, email: str) -> Any:
    client = make_client()
    if email:
        client.login(email)
    return client


def _token(client: Any, email: str) -> str:
    return client.csrf_token("/" if email else "/login")


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_without_a_token(make_client, world, endpoint) -> None:  # type: ignore[no-untyped-def]
    path, email, data = ROUTES[endpoint]
    client = _client(make_client, email)
    before = fingerprint()
    response = client.post(path.format(**world), data=_form(data, world))
    assert response.status_code == 400
    assert fingerprint() == before


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_with_another_sessions_token(make_client, world, endpoint) -> None:  # type: ignore[no-untyped-def]
    path, email, data = ROUTES[endpoint]
    attacker = make_client()
    attacker.login("deu@example.org")
    stolen = attacker.csrf_token("/")
    client = _client(make_client, email)
    _token(client, email)  # the victim has a token of their own
    before = fingerprint()
    response = client.post(path.format(**world), data={**_form(data, world), "csrf_token": stolen})
    assert response.status_code == 400
    assert fingerprint() == before


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_by_get(make_client, world, endpoint) -> None:  # type: ignore[no-untyped-def]
    path, email, data = ROUTES[endpoint]
    client = _client(make_client, email)
    token = _token(client, email)
    before = fingerprint()
    query = {k: v.format(**world) for k, v in data.items() if v != "WORKBOOK"}
    response = client.get(path.format(**world), query_string={**query, "csrf_token": token})
    assert response.status_code in (200, 302, 405), response.status_code
    assert fingerprint() == before


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_with_the_right_token_it_works(make_client, world, endpoint) -> None:  # type: ignore[no-untyped-def]
    """The refusals above are about the token, not the request: with it, something changes."""
    path, email, data = ROUTES[endpoint]
    client = _client(make_client, email)
    before = fingerprint()
    response = client.post(path.format(**world), data={**_form(data, world), "csrf_token": _token(client, email)})
    assert response.status_code in (200, 302), response.status_code
    if endpoint not in NOTHING_STORED:  # the language lives in the session only; see ROUTES
        assert fingerprint() != before


def test_every_state_changing_route_is_covered(app) -> None:  # type: ignore[no-untyped-def]
    missing = [
        f"{rule.endpoint} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.endpoint.startswith(EXEMPT) and rule.endpoint not in ROUTES
    ]
    assert not missing, "POST routes without a CSRF test:\n" + "\n".join(missing)


def test_pages_of_one_session_share_a_recently_signed_token(make_client, users, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    from questionnaire.views import SignedTokens

    fra, deu = make_client(), make_client()
    fra.login("fra@example.org")
    deu.login("deu@example.org")
    first, again = fra.csrf_token("/account"), fra.csrf_token("/account")
    assert first == again  # reused, not signed again
    assert deu.csrf_token("/account") != first  # never handed to another session
    # Older than the reuse window: signed afresh, and both still accepted.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + SignedTokens.REUSE_SECONDS + 1)
    fresh = fra.csrf_token("/account")
    assert fresh != first
    for token in (first, fresh):
        response = fra.post("/language", data={"lang": "fr", "next": "/", "csrf_token": token})
        assert response.status_code == 302
    # The signed-out session's token is not accepted once a new session starts.
    fra.post("/logout", data={"csrf_token": fresh})
    fra.login("fra@example.org")
    assert fra.post("/language", data={"lang": "en", "next": "/", "csrf_token": fresh}).status_code == 400
