"""What the diary pages post: the day (with an optional dose typed in), a steroid dose, a void, a check-in.
The rules live in companion.services (diary, steroids, checkins)."""

from __future__ import annotations

from datetime import date

from companion.forms import FormInput
from companion.services import diary, steroids

#: kept across the steroid buttons in the (signed, not encrypted) session cookie: numbers and item keys only,
#: never the free-text note or reason
DRAFT_FIELDS = ("fatigue", "joint_pain", "temperature_c")
DOSE_FIELDS = ("strength_mg", "tablets", "dose_mg")


class DoseForm(FormInput):
    FIELDS = ("drug", *DOSE_FIELDS)

    def dose_input(self, day: date) -> steroids.DoseInput:
        return steroids.DoseInput(local_date=day, drug=self.drug, strength_mg=self.strength_mg,
                                  tablets=self.tablets, dose_mg=self.dose_mg)

    def draft(self) -> dict:
        """What was tapped on the day's form, to keep while a steroid button reloads the page."""
        values: dict = {name: self.formdata.get(name) for name in DRAFT_FIELDS if self.formdata.get(name)}
        values["symptoms"] = self.formdata.getlist("symptoms")
        return values


class DayForm(DoseForm):
    """The day on one screen; a dose typed in but not added yet comes with it (``typed_dose``)."""

    FIELDS = (*DoseForm.FIELDS, "fatigue", "joint_pain", "temperature_c", "note", "reason")
    LISTS = ("symptoms",)

    def diary_input(self, day: date) -> diary.DiaryInput:
        return diary.DiaryInput(local_date=day, fatigue=self.fatigue, joint_pain=self.joint_pain,
                                temperature_c=self.temperature_c, symptoms=self.symptoms, note=self.note,
                                reason=self.reason)

    def typed_dose(self, day: date) -> steroids.DoseInput | None:
        return self.dose_input(day) if any(getattr(self, name) for name in DOSE_FIELDS) else None


class VoidForm(DoseForm):
    """A void button of the day's doses: an optional reason, and the day's form as it was tapped."""

    FIELDS = (*DoseForm.FIELDS, "reason")


class CheckInForm(FormInput):
    """A check-in's answers, one per question key (the questions depend on the kind)."""

    def answers(self, keys) -> dict:
        return {key: self.formdata.get(key) for key in keys}
