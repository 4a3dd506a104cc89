"""Forms of the reminder pages (Flask-WTF, CSRF-protected); the rules live in companion.services.reminders."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from companion.coordinator.forms import LANGUAGE_CHOICES

SMS_CHOICES = [SelectChoice("on", _l("On: send me text message reminders")),
               SelectChoice("off", _l("Off: no text messages"))]


class PreferencesForm(FlaskForm):
    sms = RadioField(_l("Text message reminders"), choices=SMS_CHOICES, validators=[InputRequired()])
    language = RadioField(_l("Language of the messages and pages"), choices=LANGUAGE_CHOICES,
                          validators=[InputRequired()])
    reminder_time = TimeField(_l("Reminders 2 days and 1 day before a visit, at"), validators=[InputRequired()])
    morning_time = TimeField(_l("Reminder on the morning of a visit, at"), validators=[InputRequired()])
    quiet_start = TimeField(_l("No messages from"), validators=[InputRequired()])
    quiet_end = TimeField(_l("until"), validators=[InputRequired()])
    diary_nudge = BooleanField(_l("Remind me to fill in my diary on days I have not"))
    diary_nudge_time = TimeField(_l("Diary reminder at"), validators=[Optional()])


class StaffPreferencesForm(PreferencesForm):
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    number_checked = BooleanField(_l("The number has been checked: allow text messages to it again"))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
