"""Coordinator forms (Flask-WTF, CSRF-protected). The rules themselves live in companion.validation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

LANGUAGE_CHOICES = [SelectChoice("zh-CN", "中文 (zh-CN)"), SelectChoice("en", "English (en)")]


class EnrolForm(FlaskForm):
    study_id = StringField(_l("Study ID"), validators=[DataRequired(), Length(max=32)])
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=32)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    language = RadioField(_l("Language"), choices=LANGUAGE_CHOICES, default="zh-CN",
                          validators=[InputRequired()])
    timezone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64)])
    day1 = DateField(_l("Day 1 (first infusion)"), validators=[InputRequired()])
    weight_kg = DecimalField(_l("Weight (kg)"), places=1, validators=[InputRequired()],
                             render_kw={"inputmode": "decimal", "step": "0.1"})
    sms_consent = BooleanField(_l("The participant agrees to receive SMS reminders (see the wording below)"))


class VisitDateForm(FlaskForm):
    visit_id = SelectField(_l("Visit"), coerce=int, validators=[InputRequired()])
    action = SelectField(
        _l("Change"),
        choices=[SelectChoice("record", _l("Took place on")), SelectChoice("move", _l("Move to"))],
        validators=[InputRequired()],
    )
    date = DateField(_l("Date"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class EndSessionsForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)],
                         default="")
