"""WTForms: sign-in, accounts, and the questionnaire built from the catalogue's sections.

The questionnaire forms only parse what the browser sent; the rules (scale,
links, justification, lengths) live in `services.answers.validate`, so the form,
the API and the spreadsheet apply the same ones.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)

# WTForms 3.3's named choice; typeshed's WTForms stubs (3.2) do not know it yet.
from wtforms.fields.choices import SelectChoice as SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from .auth import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from .caching import LruCache
from .catalogue import Catalogue, Item
from .services import AnswerInput, make_input
from .services.recommendations import MAX_PER_STEP, RecommendationInput


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)]
    )


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Use between %(min)d and %(max)d characters.", min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH
                ),
            ),
        ],
    )
    confirm = PasswordField(_l("New password again"), validators=[EqualTo("new", _l("The two new passwords differ."))])


class NewPasswordForm(FlaskForm):
    """Choose a password (from an invitation or a password reset link)."""

    password = PasswordField(
        _l("Choose a password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Use between %(min)d and %(max)d characters.", min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH
                ),
            ),
        ],
    )
    confirm = PasswordField(
        _l("The same password again"), validators=[EqualTo("password", _l("The two passwords differ."))]
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)]
    )


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"), validators=[DataRequired(_l("Enter the code your authenticator app shows.")), Length(max=40)]
    )


ROLE_CHOICES = [
    SelectChoice("respondent", _l("Respondent")),
    SelectChoice("contributor", _l("Contributor")),
    SelectChoice("reviewer", _l("Reviewer")),
    SelectChoice("admin", _l("Admin")),
]


class UserForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    country = SelectField(_l("Country (respondents and contributors)"), choices=[], validate_choice=True)


class AccountForm(FlaskForm):
    """An admin's change of an account's name, role and country."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    country = SelectField(_l("Country (respondents and contributors)"), choices=[], validate_choice=True)


class CycleForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter a code, such as 2027.")), Length(max=32)])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    due_date = DateField(_l("Due date"), validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"})


class DueDateForm(FlaskForm):
    due_date = DateField(_l("Due date"), validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"})


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(_l("Write a comment.")), Length(max=5000)])


class DeclarationForm(FlaskForm):
    """Submitting: the declaration (its rules are `services.declarations.check_declaration`'s) and a message."""

    name = StringField(_l("Your name"), id="declaration-name")
    position = StringField(_l("Your position"), id="declaration-position")
    ministry = StringField(_l("Your ministry or agency"), id="declaration-ministry")
    comment = TextAreaField(_l("Message to the reviewers (optional)"), id="submit-comment")


# --------------------------------------------------------------------------
# The questionnaire
# --------------------------------------------------------------------------


def field_name(item_id: str) -> str:
    """Return the form field name of an item (ids may hold '-' and '.')."""
    return "item_" + "".join(c if c.isalnum() else "_" for c in item_id)


class _Lenient(RadioField):
    """A radio group that leaves the choice check to the service (one message for all channels)."""

    def pre_validate(self, form: Any) -> None:
        return None


def _item_form(catalogue: Catalogue) -> type[Form]:
    scale = [SelectChoice(level.id, level.label) for level in catalogue.scale]
    kinds = [SelectChoice("none", _l("No assistance needed"))] + [
        SelectChoice(k.id, k.label) for k in catalogue.assistance_kinds
    ]

    class ItemForm(Form):
        rating = _Lenient(_l("Rating"), choices=scale, validate_choice=False)
        description = TextAreaField(_l("How your country implements this"))
        legal_references = TextAreaField(_l("Legal references (one per line)"))
        evidence_links = TextAreaField(_l("Evidence links (one per line, http or https)"))
        assistance_kind = SelectField(_l("Technical assistance"), choices=kinds, validate_choice=False)
        assistance_description = TextAreaField(_l("Assistance needed"))
        justification = TextAreaField(_l("Justification (required when not applicable)"))
        version = HiddenField()
        original = HiddenField()

        def values(self) -> AnswerInput:
            """Return the answer as typed, cleaned."""
            return make_input(
                rating=self.rating.data,
                description=self["description"].data,
                legal_references=self.legal_references.data,
                evidence_links=self.evidence_links.data,
                assistance_kind=self.assistance_kind.data,
                assistance_description=self.assistance_description.data,
                justification=self.justification.data,
            )

        def based_on(self) -> int:
            """Return the version the typed answer started from (0 for a new answer)."""
            try:
                return max(0, int(self.version.data or 0))
            except (TypeError, ValueError):
                return -1  # tampered: can never match, so the save is refused as stale

    return ItemForm


# Speed: the form classes of each edition's sections (and of the sets of items autosave sends),
# built once per worker.  Building one costs a WTForms class per item and per section: with it
# off, `benchmarks/machinery.py` measured an autosave 1.14x and a section page 1.22x slower
# (median of 5 rounds, 2026-12-03).  Bounded: sets of items are subsets of one section's items.
form_classes: LruCache[tuple[Any, ...], type[Any]] = LruCache(512)


def _item_form_class(catalogue: Catalogue) -> type[Form]:
    key = ("item", catalogue.hash, catalogue.language, catalogue.translation_revision)
    cls = form_classes.get(key)
    if cls is None:
        cls = _item_form(catalogue)
        form_classes.put(key, cls)
    return cls


def section_form_class(catalogue: Catalogue, section_id: str, only: tuple[str, ...] | None = None) -> type[FlaskForm]:
    """Return the form class of one section of one edition, or of some of its items (built once)."""
    key = (catalogue.hash, catalogue.language, catalogue.translation_revision, section_id, only)
    cls = form_classes.get(key)
    if cls is None:
        item_form = _item_form_class(catalogue)
        fields: dict[str, Any] = {
            field_name(item.id): FormField(item_form, label=item.id)
            for item in catalogue.items_in(section_id)
            if only is None or item.id in only
        }
        cls = type(f"Section_{section_id}", (FlaskForm,), fields)
        form_classes.put(key, cls)
    return cls


def item_fields(form: FlaskForm, items: tuple[Item, ...]) -> list[tuple[Item, Any]]:
    """Pair each item with its sub-form."""
    return [(item, form[field_name(item.id)]) for item in items]


def fill(subform: Any, values: AnswerInput, version: int) -> None:
    """Put stored values into an item's sub-form."""
    form = subform.form  # not attribute access: FormField has its own `description`
    form["rating"].data = values.rating
    form["description"].data = values.description
    form["legal_references"].data = "\n".join(values.legal_references)
    form["evidence_links"].data = "\n".join(values.evidence_links)
    form["assistance_kind"].data = values.assistance_kind or "none"
    form["assistance_description"].data = values.assistance_description
    form["justification"].data = values.justification
    form["version"].data = str(version)
    form["original"].data = values.digest()


# --------------------------------------------------------------------------
# Recommendations made when returning or accepting (services.recommendations)
# --------------------------------------------------------------------------


class RecommendationRow(Form):
    """One recommendation typed into the return or accept form; a row left blank is ignored.

    The choices are the view's (the edition's scored obligations, the later cycles) and
    the rules the service's, so the browser and the API refuse the same things.
    """

    obligation = SelectField(_l("Obligation"), choices=[], validate_choice=False)
    text = TextAreaField(_l("Recommendation"))
    priority = SelectField(
        _l("Priority"),
        choices=[
            SelectChoice("high", _l("High")),
            SelectChoice("medium", _l("Medium")),
            SelectChoice("low", _l("Low")),
        ],
        default="medium",
        validate_choice=False,
    )
    target_cycle = SelectField(_l("To be done by"), choices=[], default="", validate_choice=False)

    def values(self) -> RecommendationInput:
        """Return the row as typed."""
        return RecommendationInput(
            obligation=self.obligation.data or "",
            text=self["text"].data or "",
            priority=self.priority.data or "",
            target_cycle=self.target_cycle.data or "",
        )


class ReviewStepForm(FlaskForm):
    """The return or accept form: a comment and any number of recommendation rows."""

    comment = TextAreaField(_l("Comment"))
    recommendations = FieldList(FormField(RecommendationRow), min_entries=1, max_entries=MAX_PER_STEP)

    def typed(self) -> list[tuple[int, RecommendationInput]]:
        """Return the rows not left blank, each with its position in the form."""
        rows = [(n, entry.form.values()) for n, entry in enumerate(self.recommendations)]
        return [(n, values) for n, values in rows if not values.blank]
