"""What the workspace pages post: an assessment, an alert acknowledgement, a week's sign-off. The rules
live in companion.services (assessments, alerts, review)."""

from __future__ import annotations

from companion.domain import lldas
from companion.forms import FormInput
from companion.services import assessments

TICKED = "y"


class AssessmentForm(FormInput):
    """The assessment page: SLEDAI-2K descriptors, PGA and the LLDAS inputs (each immunosuppressant as
    ``is-<key>`` with its dose)."""

    FIELDS = ("assessed_on", "variant", "haemolytic_anaemia", "gi_activity", "new_activity", "pga",
              "immunosuppressants_tolerated", "prednisone_mg", "prednisone_reason", "weight_kg", "reason")
    LISTS = ("descriptors",)

    def to_input(self) -> assessments.AssessmentInput:
        doses = {key: self.formdata.get(f"is-{key}") for key in lldas.IMMUNOSUPPRESSANTS}
        return assessments.AssessmentInput(
            assessed_on=self.assessed_on, variant=self.variant, descriptors=tuple(self.descriptors),
            haemolytic_anaemia=self.haemolytic_anaemia == TICKED, gi_activity=self.gi_activity == TICKED,
            new_activity=self.new_activity == TICKED, pga=self.pga,
            immunosuppressants={key: dose for key, dose in doses.items() if dose},
            immunosuppressants_tolerated=self.immunosuppressants_tolerated == TICKED,
            prednisone_mg=self.prednisone_mg, prednisone_reason=self.prednisone_reason,
            weight_kg=self.weight_kg, reason=self.reason,
        )


class AcknowledgeForm(FormInput):
    """``back`` says which page the acknowledgement came from ("participant": the participant's diary)."""

    FIELDS = ("note", "back")


class SignOffForm(FormInput):
    FIELDS = ("note",)
