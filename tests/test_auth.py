"""Accounts: password hashing, sign-in and sign-out, session renewal and replay, rate limits."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from questionnaire import auth
from questionnaire.db import db
from questionnaire.models import LoginSession, Role, User

from .conftest import PASSWORD, add_user


def test_passwords_are_hashed_with_argon2id_at_owasp_strength(app) -> None:  # type: ignore[no-untyped-def]
    user = auth.create_user("new@example.org", "a long enough password", Role.REVIEWER)
    assert user.password_hash.startswith("$argon2id$")
    params = dict(p.split("=") for p in user.password_hash.split("$")[3].split(","))
    # OWASP / ASVS 5.0 appendix C minimum for argon2id: m=19 MiB, t=2, p=1
    assert int(params["m"]) >= 19 * 1024
    assert int(params["t"]) >= 2
    assert int(params["p"]) >= 1
    PasswordHasher().verify(user.password_hash, "a long enough password")


def test_short_passwords_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(auth.AccountError, match="at least 12 characters"):
        auth.create_user("short@example.org", "short", Role.REVIEWER)
    assert auth.find_user("short@example.org") is None


@pytest.mark.parametrize(
    ("email", "role", "country", "message"),
    [
        ("bad address", "reviewer", None, "not a valid e-mail address"),
        ("x@example.org", "owner", None, "Unknown role"),
        ("x@example.org", "respondent", None, "must belong to a country"),
        ("x@example.org", "respondent", "XXX", "Unknown country code 'XXX'"),
        ("x@example.org", "reviewer", "FRA", "Only respondents and contributors belong to a country"),
    ],
)
def test_account_creation_checks_every_field(app, email, role, country, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(auth.AccountError, match=message):
        auth.create_user(email, PASSWORD, role, country)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_duplicate_accounts_are_refused_whatever_the_case(app, users) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(auth.AccountError, match="already exists"):
        auth.create_user("FRA@Example.org", PASSWORD, Role.RESPONDENT, "FRA")


def test_anonymous_visitors_see_only_the_login_page(client, users) -> None:  # type: ignore[no-untyped-def]
    for url in ["/", "/catalogue/", "/account", "/review", "/admin/users", "/cycles/2026/countries/FRA/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login")
    assert client.get("/login").status_code == 200


def test_sign_in_and_out(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    assert client.get("/").status_code == 200
    response = client.post_form("/logout", page="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message_that_reveals_nothing(client, users) -> None:  # type: ignore[no-untyped-def]
    token = client.csrf_token()
    wrong = client.post("/login", data={"email": "fra@example.org", "password": "not it at all", "csrf_token": token})
    unknown = client.post(
        "/login", data={"email": "nobody@example.org", "password": "not it at all", "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "The e-mail address or password is not right." in wrong.get_data(as_text=True)
    assert "The e-mail address or password is not right." in unknown.get_data(as_text=True)


def test_inactive_accounts_cannot_sign_in(client, app) -> None:  # type: ignore[no-untyped-def]
    add_user("gone@example.org", Role.REVIEWER, active=False)
    response = client.post(
        "/login", data={"email": "gone@example.org", "password": PASSWORD, "csrf_token": client.csrf_token()}
    )
    assert response.status_code == 401


def test_the_session_is_renewed_at_sign_in(client, users) -> None:  # type: ignore[no-untyped-def]
    client.get("/login")
    before = client.get_cookie("thbq_session").value
    client.login("fra@example.org")
    after = client.get_cookie("thbq_session").value
    assert before != after
    # the pre-sign-in cookie carries no identity
    client.set_cookie("thbq_session", before)
    assert client.get("/").status_code == 302


def test_an_old_cookie_replayed_after_sign_out_gets_nothing(client, make_client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    stolen = client.get_cookie("thbq_session").value
    client.post_form("/logout", page="/")
    thief = make_client()
    thief.set_cookie("thbq_session", stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_a_password_change_ends_every_other_session(make_client, users) -> None:  # type: ignore[no-untyped-def]
    laptop, phone = make_client(), make_client()
    laptop.login("fra@example.org")
    phone.login("fra@example.org")
    old_cookie = laptop.get_cookie("thbq_session").value
    response = laptop.post_form(
        "/account", {"current": PASSWORD, "new": "a brand new password", "confirm": "a brand new password"}
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200  # this browser got a fresh session
    assert phone.get("/").status_code == 302  # the other one was signed out
    replay = make_client()
    replay.set_cookie("thbq_session", old_cookie)
    assert replay.get("/").status_code == 302


def test_password_change_needs_the_current_password(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    response = client.post_form(
        "/account", {"current": "wrong password!", "new": "a brand new password", "confirm": "a brand new password"}
    )
    assert response.status_code == 400
    assert "This is not your current password." in response.get_data(as_text=True)


def test_cookies_are_httponly_and_samesite(client, users) -> None:  # type: ignore[no-untyped-def]
    token = client.csrf_token()
    response = client.post("/login", data={"email": "fra@example.org", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_sign_in_attempts_are_limited_per_account(client, make_client, users) -> None:  # type: ignore[no-untyped-def]
    token = client.csrf_token()
    for _ in range(10):
        assert (
            client.post(
                "/login", data={"email": "fra@example.org", "password": "wrong password", "csrf_token": token}
            ).status_code
            == 401
        )
    blocked = client.post("/login", data={"email": "fra@example.org", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429
    assert "Too many" in blocked.get_data(as_text=True)
    # another account from the same address is not blocked by that count
    other = make_client()
    other.login("deu@example.org")


def test_successful_sign_ins_do_not_count_against_the_limit(make_client, users) -> None:  # type: ignore[no-untyped-def]
    for _ in range(12):
        browser = make_client()
        browser.login("fra@example.org")


def test_sign_in_attempts_are_limited_per_address(client, users) -> None:  # type: ignore[no-untyped-def]
    token = client.csrf_token()
    statuses = [
        client.post(
            "/login", data={"email": f"user{i}@example.org", "password": "wrong password", "csrf_token": token}
        ).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429


def test_sign_in_goes_back_only_to_local_pages(client, users) -> None:  # type: ignore[no-untyped-def]
    token = client.csrf_token()
    for target, expected in [
        ("/catalogue/", "/catalogue/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        client.post_form("/logout", page="/") if client.get("/").status_code == 200 else None
        token = client.csrf_token()
        response = client.post(
            f"/login?next={target}", data={"email": "fra@example.org", "password": PASSWORD, "csrf_token": token}
        )
        assert response.headers["Location"] == expected, target


def test_the_login_form_needs_its_csrf_token(client, users) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/login", data={"email": "fra@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_users_token_is_stored_only_as_a_hash(app, users) -> None:  # type: ignore[no-untyped-def]
    token = auth.issue_token(users["fra"], "test")
    assert re.fullmatch(r"thbq_[A-Za-z0-9_-]{40,}", token)
    from questionnaire.models import ApiToken

    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored
    assert auth.user_for_token(token).email == "fra@example.org"
    assert auth.user_for_token(token + "x") is None


def test_an_admin_sets_a_new_password_and_the_account_is_signed_out(make_client, users) -> None:  # type: ignore[no-untyped-def]
    victim = make_client()
    victim.login("fra@example.org")
    admin = make_client()
    admin.login("admin@example.org")
    short = admin.post_form(
        f"/admin/users/{users['fra'].id}/password", {"password": "short"}, page="/admin/users", follow_redirects=True
    )
    assert "was not changed" in short.get_data(as_text=True)
    assert victim.get("/").status_code == 200
    done = admin.post_form(
        f"/admin/users/{users['fra'].id}/password",
        {"password": "a fresh long password"},
        page="/admin/users",
        follow_redirects=True,
    )
    assert "has a new password and was signed out everywhere" in done.get_data(as_text=True)
    assert victim.get("/").status_code == 302
    make_client().login("fra@example.org", "a fresh long password")


def test_an_admin_deactivates_an_account_and_it_is_signed_out(make_client, users) -> None:  # type: ignore[no-untyped-def]
    victim = make_client()
    victim.login("deu@example.org")
    admin = make_client()
    admin.login("admin@example.org")
    admin.post_form(f"/admin/users/{users['deu'].id}/active", {"active": "0"}, page="/admin/users")
    assert victim.get("/").status_code == 302
    token = victim.csrf_token()
    assert (
        victim.post("/login", data={"email": "deu@example.org", "password": PASSWORD, "csrf_token": token}).status_code
        == 401
    )


def test_an_admin_invites_an_account_in_the_browser(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("admin@example.org")
    bad = client.post_form("/admin/users", {"email": "esp@example.org", "role": "respondent", "country": ""})
    assert bad.status_code == 400
    assert "must belong to a country" in bad.get_data(as_text=True)
    assert auth.find_user("esp@example.org") is None
    good = client.post_form("/admin/users", {"email": "esp@example.org", "role": "respondent", "country": "ESP"})
    # No MAIL_SERVER here: the page shows the admin the link to pass on (tests/accounts/ cover the e-mail).
    assert good.status_code == 200
    page = good.get_data(as_text=True)
    link = re.search(r'<code class="token" dir="ltr">(http[^<]+)</code>', page).group(1)
    assert "/invitations/" in link
    invited = auth.find_user("esp@example.org")
    assert invited.country_iso3 == "ESP" and invited.invited_at is not None and invited.invitation_accepted_at is None


def test_a_user_creates_a_token_sees_it_once_and_revokes_it(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    page = client.post_form("/account/tokens", {"label": "national system"}, page="/account").get_data(as_text=True)
    token = re.search(r'<code class="token">(thbq_[^<]+)</code>', page).group(1)
    assert auth.user_for_token(token).email == "fra@example.org"
    assert token not in client.get("/account").get_data(as_text=True)  # shown once
    row = auth.tokens_of(users["fra"])[0]
    assert row.label == "national system"
    response = client.post_form(f"/account/tokens/{row.id}/revoke", page="/account")
    assert response.status_code == 302
    assert auth.user_for_token(token) is None


def test_nobody_revokes_another_users_token(client, users) -> None:  # type: ignore[no-untyped-def]
    token = auth.issue_token(users["deu"], "theirs")
    row = auth.tokens_of(users["deu"])[0]
    client.login("fra@example.org")
    assert client.post_form(f"/account/tokens/{row.id}/revoke", page="/account").status_code == 404
    assert auth.user_for_token(token) is not None


def _session_row() -> LoginSession:
    db.session.expire_all()
    row = db.session.scalar(select(LoginSession))
    assert row is not None
    return row


def test_the_cookie_is_re_sent_only_when_the_session_is_extended(client, users) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from questionnaire.models import utcnow

    client.login("fra@example.org")
    client.get("/")  # the first form after sign-in adds the session's CSRF secret
    # An ordinary page: the session is unchanged, so the cookie is not signed and sent again.
    assert "Set-Cookie" not in client.get("/").headers
    # Activity after the renewal interval: the server-side expiry moves on, and the
    # cookie is sent again so that the browser's copy slides with it.
    row = _session_row()
    row.expires_at = utcnow() + timedelta(hours=11)
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 200
    assert "Expires=" in response.headers["Set-Cookie"]
    assert _session_row().expires_at > utcnow() + timedelta(hours=11, minutes=55)


def test_an_expired_session_is_ended_on_the_server(client, users) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from questionnaire.models import utcnow

    client.login("fra@example.org")
    row = _session_row()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_a_deactivated_account_loses_its_session_on_the_next_request(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    assert client.get("/").status_code == 200
    user = db.session.get(User, users["fra"].id)
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_only_the_password_checks_are_rate_limited(app) -> None:  # type: ignore[no-untyped-def]
    # Views carrying a Flask-Limiter decoration must be listed, or the request filter
    # that spares every other request the limiter's work would exempt them too.
    decorated = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "__wrapper-limiter-instance", None) is not None
    }
    assert (
        decorated
        == {endpoint for _, endpoint in auth.RATE_LIMITED}
        == {"auth.login", "auth.account", "auth.second_factor", "auth.password_reset"}
    )


# --------------------------------------------------------------------------
# A password change ends the API tokens; the current-password check is throttled
# --------------------------------------------------------------------------


def _api_works(app, token: str) -> bool:  # type: ignore[no-untyped-def]
    response = app.test_client().get("/api/v1/cycles", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401)
    return response.status_code == 200


def test_changing_ones_password_revokes_ones_api_tokens_and_says_so(app, client, users) -> None:  # type: ignore[no-untyped-def]
    mine = [auth.issue_token(users["fra"], "script"), auth.issue_token(users["fra"], "report job")]
    theirs = auth.issue_token(users["deu"], "script")
    assert all(_api_works(app, t) for t in mine)
    client.login("fra@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert "revokes all your API tokens" in page
    response = client.post_form(
        "/account",
        {"current": PASSWORD, "new": "a brand new password", "confirm": "a brand new password"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Your 2 API tokens were revoked" in response.get_data(as_text=True)
    assert not any(_api_works(app, t) for t in mine)
    assert _api_works(app, theirs), "another account's token was revoked too"


def test_an_admins_password_reset_revokes_the_accounts_api_tokens(app, make_client, users) -> None:  # type: ignore[no-untyped-def]
    token = auth.issue_token(users["fra"], "script")
    admin = make_client()
    admin.login("admin@example.org")
    done = admin.post_form(
        f"/admin/users/{users['fra'].id}/password",
        {"password": "a fresh long password"},
        page="/admin/users",
        follow_redirects=True,
    )
    assert "1 API token was revoked" in done.get_data(as_text=True)
    assert not _api_works(app, token)


def test_an_admin_revokes_an_accounts_tokens_in_the_browser(app, make_client, users) -> None:  # type: ignore[no-untyped-def]
    tokens = [auth.issue_token(users["fra"], "a"), auth.issue_token(users["fra"], "b")]
    kept = auth.issue_token(users["deu"], "c")
    admin = make_client()
    admin.login("admin@example.org")
    assert "2 active" in admin.get("/admin/users").get_data(as_text=True)
    page = admin.get(f"/admin/users/{users['fra'].id}").get_data(as_text=True)
    assert f'action="/admin/users/{users["fra"].id}/tokens/revoke"' in page and "2 active" in page
    done = admin.post_form(f"/admin/users/{users['fra'].id}/tokens/revoke", page="/admin/users", follow_redirects=True)
    assert "2 API tokens of fra@example.org were revoked." in done.get_data(as_text=True)
    assert not any(_api_works(app, t) for t in tokens)
    assert _api_works(app, kept)
    assert admin.post_form("/admin/users/999999/tokens/revoke", page="/admin/users").status_code == 404


def test_the_current_password_check_is_throttled_like_sign_in(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    token = client.csrf_token("/account")
    wrong = {"current": "wrong password!", "new": "a brand new password", "confirm": "a brand new password"}
    statuses = [client.post("/account", data={**wrong, "csrf_token": token}).status_code for _ in range(15)]
    assert statuses[:10] == [400] * 10
    assert statuses[10:] == [429] * 5
    # Even the right password is refused while the limit holds, so guessing gains nothing.
    right = client.post("/account", data={**wrong, "current": PASSWORD, "csrf_token": token})
    assert right.status_code == 429
    assert client.get("/account").status_code == 200  # reading the page is not limited


def test_a_refused_new_password_does_not_count_as_a_wrong_current_one(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    token = client.csrf_token("/account")
    common = {"current": PASSWORD, "new": "password1234", "confirm": "password1234", "csrf_token": token}
    assert [client.post("/account", data=common).status_code for _ in range(12)] == [400] * 12


# --------------------------------------------------------------------------
# Password policy (ASVS 5.0, 6.2)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password1234", "most common passwords found in data breaches"),
        ("PASSWORD1234", "most common passwords found in data breaches"),
        ("qwertyuiopasdfgh", "too easy to guess"),
        ("maria.garcia-2026", "must not contain your e-mail address or your name"),
        ("Ministerio Garcia!", "must not contain your e-mail address or your name"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("123456789012", "too easy to guess"),
        ("abcabcabcabcabc", "too easy to guess"),
    ],
)
def test_common_breached_personal_and_guessable_passwords_are_refused_with_the_reason(app, password, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(auth.AccountError, match=reason) as refused:
        auth.create_user("maria.garcia@interior.example", password, Role.REVIEWER, name="Ministerio García")
    assert refused.value.field == "password"
    assert auth.find_user("maria.garcia@interior.example") is None


def test_the_breached_password_list_is_large_enough(app) -> None:  # type: ignore[no-untyped-def]
    assert len(auth._breached_passwords()) >= 10_000


def test_a_strong_passphrase_is_accepted(app) -> None:  # type: ignore[no-untyped-def]
    user = auth.create_user("maria.garcia@interior.example", "lantern orbit cactus violin", Role.REVIEWER)
    assert auth.verify_password(user, "lantern orbit cactus violin")


def test_the_account_page_names_why_a_new_password_is_refused(client, users) -> None:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    response = client.post_form("/account", {"current": PASSWORD, "new": "password1234", "confirm": "password1234"})
    assert response.status_code == 400
    assert "most common passwords found in data breaches" in response.get_data(as_text=True)
    assert auth.verify_password(db.session.get(User, users["fra"].id), PASSWORD)  # nothing changed
