"""The questionnaire in the browser: sections, saving, validation, conflicts, autosave, expiry."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from questionnaire import services
from questionnaire.db import db
from questionnaire.models import Answer, AnswerChange, Assessment

from .conftest import DECLARATION

BASE = "/cycles/2026/countries/FRA"
SECTION = f"{BASE}/sections/criminal-law"


@pytest.fixture
def started(client, users, cycle) -> Assessment:  # type: ignore[no-untyped-def]
    client.login("fra@example.org")
    response = client.post_form(f"{BASE}/start", page="/")
    assert response.status_code == 302
    return db.session.scalar(select(Assessment))


def form_of(html: str) -> dict[str, str]:
    """Read the section form's current values (hidden, text areas, checked radios, selects)."""
    data: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<input id="[^"]*" name="([^"]+)" type="hidden" value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        if name != "body":
            data[name] = _unescape(value)
    for name, value in re.findall(r'<input type="radio" name="([^"]+)"[^>]*value="([^"]+)" checked', html):
        data[name] = value
    for name, block in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', block)
        if chosen and name != "lang":
            data[name] = chosen.group(1)
    return data


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def load(client, url: str = SECTION) -> dict[str, str]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return form_of(response.get_data(as_text=True))


def stored(item: str) -> Answer | None:
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.item_id == item))


def test_starting_opens_a_private_draft(client, started) -> None:  # type: ignore[no-untyped-def]
    assert started.status == "draft"
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "Draft: only your country" in page
    assert "0 of 38 items answered." in page


def test_a_section_shows_questions_guidance_and_the_clauses_verbatim(client, started, catalogue) -> None:  # type: ignore[no-untyped-def]
    page = client.get(SECTION).get_data(as_text=True)
    for item in catalogue.items_in("criminal-law"):
        assert f'id="item-{item.id}"' in page
        for obligation in catalogue.obligations_of(item.id):
            assert obligation.text.replace("’", "&#39;") in page or obligation.text in page
    assert "To criminalize trafficking in persons;" in page
    assert "<legend>Rating for CL-2</legend>" in page
    assert 'for="item_CL_2-description"' in page


def test_saving_a_section_stores_answers_and_the_audit_trail(client, started, users) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data.update(
        {
            "item_CL_2-rating": "largely",
            "item_CL_2-description": "Art. 225-4-1 of the Criminal Code defines the offence.",
            "item_CL_2-legal_references": "Criminal Code, art. 225-4-1\nCriminal Code, art. 225-4-2",
            "item_CL_2-evidence_links": "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000043409305",
            "item_CL_1-rating": "full",
        }
    )
    response = client.post(SECTION, data=data)
    assert response.status_code == 302
    answer = stored("CL-2")
    assert answer.rating == "largely"
    assert answer.legal_references == ["Criminal Code, art. 225-4-1", "Criminal Code, art. 225-4-2"]
    assert answer.version == 1
    assert answer.updated_by_id == users["fra"].id
    change = db.session.scalar(select(AnswerChange).where(AnswerChange.item_id == "CL-2"))
    assert change.changes["rating"] == [None, "largely"]
    assert change.source == "form"
    assert change.user_id == users["fra"].id
    # reloading shows what was saved
    again = load(client)
    assert again["item_CL_2-rating"] == "largely"
    assert again["item_CL_2-legal_references"] == "Criminal Code, art. 225-4-1\nCriminal Code, art. 225-4-2"
    assert again["item_CL_2-version"] == "1"
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "2 of 38 items answered." in page


def test_saving_again_without_changes_saves_nothing(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_1-rating"] = "full"
    client.post(SECTION, data=data)
    response = client.post(SECTION, data=load(client), follow_redirects=True)
    assert "Nothing had changed; nothing was saved." in response.get_data(as_text=True)
    assert len(db.session.scalars(select(AnswerChange)).all()) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rating", "excellent", "&#39;excellent&#39; is not on the rating scale"),
        ("evidence_links", "javascript:alert(1)", "must start with http:// or https://"),
        ("evidence_links", "ftp://example.org/file", "must start with http:// or https://"),
        ("evidence_links", "https://", "has no host name"),
        ("evidence_links", "https://example.org/a b", "contains spaces"),
        ("description", "x" * 10_001, "Keep the description under 10,000 characters"),
        ("justification", "y" * 5_001, "Keep the justification under 5,000 characters"),
        ("legal_references", "z" * 501, "Reference 1 is longer than 500 characters"),
        ("assistance_kind", "money", "&#39;money&#39; is not a kind of assistance"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(client, started, field, value, message) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_1-rating"] = "full"  # a valid change in the same post
    data[f"item_CL_2-{field}"] = value
    if field != "rating":
        data["item_CL_2-rating"] = "partially"
    response = client.post(SECTION, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert "Nothing was saved" in page
    assert f'href="#item_CL_2-{field}"' in page  # the error summary links to the field
    assert 'aria-invalid="true"' in page
    assert stored("CL-1") is None and stored("CL-2") is None
    # the typed text comes back
    if field in ("description", "justification", "legal_references", "evidence_links"):
        assert value[:50] in page


def test_not_applicable_needs_a_justification(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client, f"{BASE}/sections/prevention")
    data["item_PR_5-rating"] = "not_applicable"
    response = client.post(f"{BASE}/sections/prevention", data=data)
    assert response.status_code == 422
    assert "needs a justification" in response.get_data(as_text=True)
    data["item_PR_5-justification"] = "No peacekeeping contingents are deployed."
    assert client.post(f"{BASE}/sections/prevention", data=data).status_code == 302
    assert stored("PR-5").rating == "not_applicable"


def test_assistance_needs_a_description(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_3-assistance_kind"] = "legislative"
    response = client.post(SECTION, data=data)
    assert response.status_code == 422
    assert "Describe the technical assistance" in response.get_data(as_text=True)


def test_script_tags_are_stored_as_text_and_shown_escaped(client, make_client, started, users) -> None:  # type: ignore[no-untyped-def]
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    data = load(client)
    data["item_CL_2-rating"] = "partially"
    data["item_CL_2-description"] = payload
    data["item_CL_2-legal_references"] = payload
    assert client.post(SECTION, data=data).status_code == 302
    assert stored("CL-2").description == payload
    page = client.get(SECTION).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_items_of_other_sections_or_unknown_ids_in_the_form_are_ignored(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_1-rating"] = "full"
    data["item_VP_1-rating"] = "full"  # belongs to another section
    data["item_XX_9-rating"] = "full"  # no such item
    assert client.post(SECTION, data=data).status_code == 302
    assert stored("CL-1").rating == "full"
    assert stored("VP-1") is None
    assert {a.item_id for a in db.session.scalars(select(Answer))} == {"CL-1"}


def test_a_later_save_of_the_same_answer_is_refused_and_the_typed_text_kept(make_client, started, users) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_client(), make_client()
    alice.login("fra@example.org")
    bob.login("fra@example.org")
    seen_by_alice, seen_by_bob = load(alice), load(bob)
    seen_by_alice.update({"item_CL_2-rating": "full", "item_CL_2-description": "Alice's account of the law."})
    assert alice.post(SECTION, data=seen_by_alice).status_code == 302
    seen_by_bob.update({"item_CL_2-rating": "partially", "item_CL_2-description": "Bob's account, typed meanwhile."})
    response = bob.post(SECTION, data=seen_by_bob)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed an answer you were editing" in page
    assert "Alice&#39;s account of the law." in page  # the other version is shown
    assert "Bob&#39;s account, typed meanwhile." in page  # the typed text is kept
    assert stored("CL-2").description == "Alice's account of the law."
    # saving again on purpose replaces the other version
    retry = form_of(page)
    assert retry["item_CL_2-description"] == "Bob's account, typed meanwhile."
    assert bob.post(SECTION, data=retry).status_code == 302
    assert stored("CL-2").description == "Bob's account, typed meanwhile."
    assert stored("CL-2").version == 2


def test_editing_different_answers_of_a_section_does_not_conflict(make_client, started) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_client(), make_client()
    alice.login("fra@example.org")
    bob.login("fra@example.org")
    a, b = load(alice), load(bob)
    a["item_CL_1-rating"] = "full"
    b["item_CL_2-rating"] = "initial"
    assert alice.post(SECTION, data=a).status_code == 302
    assert bob.post(SECTION, data=b).status_code == 302
    assert stored("CL-1").rating == "full"  # Bob's untouched CL-1 did not wipe Alice's answer
    assert stored("CL-2").rating == "initial"


def test_a_tampered_version_is_treated_as_stale(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_1-rating"] = "full"
    client.post(SECTION, data=data)
    data = load(client)
    data.update({"item_CL_1-rating": "none", "item_CL_1-version": "not-a-number"})
    assert client.post(SECTION, data=data).status_code == 409
    assert stored("CL-1").rating == "full"


def test_autosave_answers_json_and_updates_versions(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_4-rating"] = "partially"
    response = client.post(SECTION, data=data, headers={"X-Autosave": "1", "Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["saved"] == ["CL-4"]
    assert body["versions"]["CL-4"] == 1
    assert stored("CL-4").rating == "partially"
    assert db.session.scalar(select(AnswerChange.source)) == "autosave"
    data["item_CL_4-rating"] = "bogus"
    refused = client.post(SECTION, data=data, headers={"X-Autosave": "1"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["CL-4"]["rating"].startswith("'bogus' is not on the rating scale")


def test_an_expired_security_token_gives_the_typed_answers_back_unsaved(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_2-rating"] = "largely"
    data["item_CL_2-description"] = "Typed over a long afternoon."
    data["csrf_token"] = "expired-or-forged"
    response = client.post(SECTION, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "its security token expired, so nothing was saved" in page
    assert "Typed over a long afternoon." in page
    assert stored("CL-2") is None
    # the page carries a fresh token: saving again works
    assert client.post(SECTION, data=form_of(page)).status_code == 302
    assert stored("CL-2").description == "Typed over a long afternoon."


def test_the_form_works_without_javascript(client, started) -> None:  # type: ignore[no-untyped-def]
    page = client.get(SECTION).get_data(as_text=True)
    assert '<form method="post" id="section-form"' in page
    assert '<button type="submit" class="button" name="then" value="stay">Save</button>' in page


def test_save_and_go_to_the_next_section(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["then"] = "next"
    response = client.post(SECTION, data=data)
    assert response.headers["Location"].endswith("/sections/law-enforcement")


def test_save_comes_back_to_the_item_being_worked_on(client, started) -> None:  # type: ignore[no-untyped-def]
    page = client.get(SECTION).get_data(as_text=True)
    # Every field is in the page (the script only folds them): the form works without it.
    assert 'data-reveal-name="item_CL_1-rating" data-reveal-values="not_applicable"' in page
    assert 'data-reveal-name="item_CL_1-assistance_kind" data-reveal-unless="none"' in page
    assert 'id="item_CL_1-justification"' in page and 'id="item_CL_1-assistance_description"' in page
    assert '<p class="section-jump"><a href="#sections-title">' in page
    data = load(client)
    data.update({"then": "stay", "at_item": "CL-4", "item_CL_4-rating": "full"})
    assert client.post(SECTION, data=data).headers["Location"].endswith(f"{SECTION}#item-CL-4")
    data = load(client)
    data.update({"then": "stay", "at_item": "VP-1", "item_CL_4-rating": "largely"})  # not in this section
    assert client.post(SECTION, data=data).headers["Location"].endswith(SECTION)


def test_the_next_unanswered_item_link(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_1-rating"] = "full"
    client.post(SECTION, data=data)
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "/sections/criminal-law#item-CL-2" in page


def test_unknown_section_is_404(client, started) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"{BASE}/sections/no-such-section").status_code == 404


def test_country_codes_work_in_any_letter_case(client, started) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/cycles/2026/countries/fra/sections/criminal-law").status_code == 200
    assert client.get("/cycles/2026/countries/FrA/").status_code == 200


def test_history_shows_every_change_with_old_and_new_values(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_1-rating"] = "partially"
    client.post(SECTION, data=data)
    data = load(client)
    data["item_CL_1-rating"] = "full"
    client.post(SECTION, data=data)
    page = client.get(f"{BASE}/history?item=CL-1").get_data(as_text=True)
    assert page.count("fra@example.org") >= 2
    assert re.search(r"partially</td>\s*<td class=\"pre\"[^>]*>full", page)
    assert client.get(f"{BASE}/history?item=NOPE").status_code == 404


def _answers(client: Any, section: str, ratings: dict[str, str]) -> None:
    url = f"{BASE}/sections/{section}"
    data = load(client, url)
    for item, rating in ratings.items():
        data[f"item_{item.replace('-', '_')}-rating"] = rating
        data[f"item_{item.replace('-', '_')}-description"] = f"{item} is in place."
    assert client.post(url, data=data).status_code == 302


def test_service_save_refuses_a_stale_version(app, started, users) -> None:  # type: ignore[no-untyped-def]
    assessment = db.session.get(Assessment, started.id)
    user = users["fra"]
    services.save_answer(user, assessment, "CL-1", services.make_input(rating="full"), 0)
    with pytest.raises(services.StaleAnswer) as stale:
        services.save_answer(user, assessment, "CL-1", services.make_input(rating="none"), 0)
    assert stale.value.current.rating == "full"
    assert stale.value.current.version == 1


def test_service_save_of_an_unknown_item(app, started, users) -> None:  # type: ignore[no-untyped-def]
    assessment = db.session.get(Assessment, started.id)
    with pytest.raises(services.UnknownChecklistItem, match="no checklist item 'ZZ-1'"):
        services.save_answer(users["fra"], assessment, "ZZ-1", services.make_input(rating="full"), 0)


def test_a_partial_post_leaves_items_it_does_not_mention_alone(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_1-rating"] = "full"
    client.post(SECTION, data=data)
    partial = {"csrf_token": data["csrf_token"], "item_CL_2-rating": "none", "item_CL_2-version": "0"}
    assert client.post(SECTION, data=partial).status_code == 302
    assert stored("CL-1").rating == "full"
    assert stored("CL-2").rating == "none"


def test_cached_pages_carry_each_sessions_own_security_token(make_client, started) -> None:  # type: ignore[no-untyped-def]
    first, second = make_client(), make_client()
    first.login("fra@example.org")
    second.login("fra@example.org")
    a, b = load(first), load(second)  # the second is served from the cache
    assert a["csrf_token"] != b["csrf_token"]
    assert "__thbq_csrf_" not in first.get(SECTION).get_data(as_text=True)
    b["item_CL_1-rating"] = "full"
    assert second.post(SECTION, data=b).status_code == 302
    a["item_CL_2-rating"] = "full"
    a["csrf_token"] = b["csrf_token"]  # another session's token is refused
    assert first.post(SECTION, data=a).status_code == 400
    assert stored("CL-2") is None


def test_a_reviewer_never_gets_the_respondents_editable_page(make_client, started) -> None:  # type: ignore[no-untyped-def]
    respondent = make_client()
    respondent.login("fra@example.org")
    load(respondent)  # cached: the editable variant
    respondent.post_form(f"{BASE}/submit", DECLARATION, page=f"{BASE}/")
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    page = reviewer.get(SECTION).get_data(as_text=True)
    assert 'type="radio"' not in page
    assert "read only" in page


def test_autosave_never_turns_an_untouched_stale_answer_into_an_overwrite(make_client, started) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_client(), make_client()
    alice.login("fra@example.org")
    bob.login("fra@example.org")
    a, b = load(alice), load(bob)
    a["item_CL_1-rating"] = "full"
    assert alice.post(SECTION, data=a, headers={"X-Autosave": "1"}).status_code == 200
    b["item_CL_2-rating"] = "partially"  # Bob never touches CL-1
    reply = bob.post(SECTION, data=b, headers={"X-Autosave": "1"}).get_json()
    assert reply["saved"] == ["CL-2"]
    assert "CL-1" not in reply["versions"]  # Bob's page keeps treating CL-1 as untouched
    for item, version in reply["versions"].items():
        b[f"item_{item.replace('-', '_')}-version"] = str(version)
        b[f"item_{item.replace('-', '_')}-original"] = reply["originals"][item]
    b["item_CL_2-description"] = "More detail."
    assert bob.post(SECTION, data=b, headers={"X-Autosave": "1"}).status_code == 200
    assert stored("CL-1").rating == "full"
    assert stored("CL-2").description == "More detail."


def test_autosave_keeps_the_valid_answers_when_another_needs_attention(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_1-rating"] = "full"
    data["item_CL_2-evidence_links"] = "javascript:alert(1)"
    reply = client.post(SECTION, data=data, headers={"X-Autosave": "1"})
    assert reply.status_code == 422
    body = reply.get_json()
    assert body["saved"] == ["CL-1"]
    assert body["versions"]["CL-1"] == 1
    assert "must start with http:// or https://" in body["errors"]["CL-2"]["evidence_links"]
    assert stored("CL-1").rating == "full"
    assert stored("CL-2") is None
    # the Save button still saves nothing until every answer is right
    data = load(client)
    data["item_CL_1-rating"] = "largely"
    data["item_CL_2-evidence_links"] = "javascript:alert(1)"
    assert client.post(SECTION, data=data).status_code == 422
    assert stored("CL-1").rating == "full"


def test_a_save_answers_in_the_users_language_without_reading_the_user_again(client, started, users) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    from questionnaire.models import User

    user = db.session.get(User, users["fra"].id)
    user.locale = "fr"
    db.session.commit()
    data = load(client)
    data["item_CL_3-rating"] = "initial"
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post(SECTION, data=data, headers={"X-Autosave": "1"})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert response.get_json()["message"] == "Toutes les modifications sont enregistrées"
    # The session's user is read once, before the save; not again to translate the reply.
    assert sum("FROM user_account" in s for s in statements) == 1, statements


# --------------------------------------------------------------------------
# Sending a comment saves the typed answers with it; Save says what autosave stored
# --------------------------------------------------------------------------


def _comments() -> list[tuple[str, str]]:
    from questionnaire.models import Comment

    db.session.expire_all()
    return [(c.item_id, c.body) for c in db.session.scalars(select(Comment).order_by(Comment.id))]


def test_sending_a_comment_saves_the_answers_typed_on_the_page(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data.update(
        {
            "item_CL_1-description": "Typed just before sending the comment.",
            "item_CL_2-comment": "Which article should we cite?",
            "comment_on": "CL-2",
        }
    )
    response = client.post(SECTION, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{SECTION}#thread-CL-2")
    assert stored("CL-1").description == "Typed just before sending the comment."
    assert _comments() == [("CL-2", "Which article should we cite?")]
    page = client.get(SECTION).get_data(as_text=True)
    assert "Saved 1 answer" in page and "Your comment on CL-2 was added." in page


def test_a_comment_waits_while_the_typed_answers_need_correcting(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data.update(
        {
            "item_CL_1-evidence_links": "javascript:alert(1)",
            "item_CL_1-description": "Kept while the link is fixed.",
            "item_CL_2-comment": "A question for the reviewers.",
            "comment_on": "CL-2",
        }
    )
    response = client.post(SECTION, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not sent yet: the answers on this page must be saved with it first" in page
    assert "A question for the reviewers.</textarea>" in page  # the comment is kept
    assert "Kept while the link is fixed.</textarea>" in page  # and so are the answers
    assert stored("CL-1") is None and _comments() == []


def test_an_empty_comment_box_still_saves_the_answers_and_says_no_comment_was_sent(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data.update({"item_CL_1-rating": "full", "item_CL_1-comment": "  ", "comment_on": "CL-1"})
    response = client.post(SECTION, data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert stored("CL-1").rating == "full"
    assert "Your comment on CL-1 was not sent: Write something before sending the comment." in page
    assert _comments() == []


def test_a_comment_on_an_item_of_another_section_is_not_found(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data.update({"item_CL_1-rating": "full", "comment_on": "VP-1"})
    assert client.post(SECTION, data=data).status_code == 404
    assert stored("CL-1") is None


def test_a_reviewer_comments_through_the_comment_form_as_before(make_client, started, users) -> None:  # type: ignore[no-untyped-def]
    from questionnaire import services

    services.submit(users["fra"], services.find_assessment("2026", "FRA"))
    reviewer = make_client()
    reviewer.login("reviewer@example.org")
    page = reviewer.get(SECTION).get_data(as_text=True)
    assert 'form="comment-form-CL-1"' in page and 'name="comment_on"' not in page
    reply = reviewer.post_form(f"{BASE}/items/CL-1/comments", {"body": "Please cite the law."}, page=SECTION)
    assert reply.status_code == 302 and _comments() == [("CL-1", "Please cite the law.")]


def test_autosave_says_which_field_it_refused_and_why(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_2-rating"] = "not_applicable"
    reply = client.post(SECTION, data=data, headers={"X-Autosave": "1"})
    assert reply.status_code == 422
    body = reply.get_json()
    assert set(body["errors"]["CL-2"]) == {"justification"}
    assert "CL-2" in body["message"] and "beside the fields" in body["message"]


def test_a_conflict_found_by_autosave_is_named_and_shows_the_other_version(make_client, started) -> None:  # type: ignore[no-untyped-def]
    alice, bob = make_client(), make_client()
    alice.login("fra@example.org")
    bob.login("fra@example.org")
    a, b = load(alice), load(bob)
    a.update({"item_CL_2-rating": "full", "item_CL_2-description": "Alice's <b>version</b>."})
    assert alice.post(SECTION, data=a).status_code == 302
    b.update({"item_CL_2-description": "Bob's typing."})
    reply = bob.post(SECTION, data=b, headers={"X-Autosave": "1"})
    assert reply.status_code == 409
    body = reply.get_json()
    assert "someone else saved CL-2 while you were typing" in body["message"]
    html = body["conflicts"]["CL-2"]
    assert "The version saved by someone else" in html and 'data-conflict="CL-2"' in html
    assert "Alice&#39;s &lt;b&gt;version&lt;/b&gt;." in html  # escaped, as on the page
    assert stored("CL-2").description == "Alice's <b>version</b>."


def test_save_after_autosave_says_exactly_what_is_stored_and_what_is_not(client, started) -> None:  # type: ignore[no-untyped-def]
    data = load(client)
    data["item_CL_1-rating"] = "full"
    data["item_CL_2-evidence_links"] = "ftp://not-a-web-link"
    reply = client.post(SECTION, data=data, headers={"X-Autosave": "1"}).get_json()
    assert reply["saved"] == ["CL-1"] and "Saved automatically: CL-1" in reply["message"]
    # the page takes in the new version and fingerprint, as the script does
    data["item_CL_1-version"] = str(reply["versions"]["CL-1"])
    data["item_CL_1-original"] = reply["originals"]["CL-1"]
    data["autosaved"] = "CL-1"
    data["item_CL_3-rating"] = "partially"  # typed after the autosave
    response = client.post(SECTION, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved: 1 answer needs correcting" in page
    assert "Already saved automatically while you typed, and kept: CL-1." in page
    assert "Not saved yet, and kept on this page until you save again: CL-3." in page
    assert stored("CL-1").rating == "full" and stored("CL-3") is None
    # once the link is fixed, Save says it saved the rest and that CL-1 was stored before
    data["item_CL_2-evidence_links"] = "https://example.org/law"
    done = client.post(SECTION, data=data, follow_redirects=True).get_data(as_text=True)
    assert (
        "Saved 2 answers in “Criminal law and international instruments”; CL-1 had been saved automatically before."
        in done
    )
    nothing_new = load(client)
    nothing_new["autosaved"] = "CL-1 CL-9 <script>"  # unknown ids are ignored
    again = client.post(SECTION, data=nothing_new, follow_redirects=True).get_data(as_text=True)
    assert "Everything is saved: CL-1 was saved automatically as you typed; nothing else had changed." in again
