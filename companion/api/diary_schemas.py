"""Schemas of the diary endpoints. Types are strict: "3" is not a number and a number is not text."""

from marshmallow import Schema, fields, validate

CLIENT_ID = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$"),
                          metadata={"description": "client-generated id (e.g. a UUID); resending it creates nothing"})


class RangeQuery(Schema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)


class DiaryEntryIn(Schema):
    client_id = CLIENT_ID
    local_date = fields.Date(required=True)
    fatigue = fields.Integer(required=True, strict=True)
    joint_pain = fields.Integer(required=True, strict=True)
    temperature_c = fields.Decimal(allow_none=True, load_default=None, as_string=True)
    symptoms = fields.List(fields.String(), load_default=list)
    note = fields.String(allow_none=True, load_default=None)


class CorrectionIn(Schema):
    reason = fields.String(required=True)


OPTIONAL_CLIENT_ID = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$"))


class DiaryCorrectionIn(DiaryEntryIn, CorrectionIn):
    client_id = OPTIONAL_CLIENT_ID


class RecordOut(Schema):
    record_id = fields.Integer()
    version = fields.Integer()
    local_date = fields.Date()
    late = fields.Boolean()
    voided = fields.Boolean()
    client_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class DiaryEntryOut(RecordOut):
    fatigue = fields.Integer()
    joint_pain = fields.Integer()
    temperature_c = fields.Decimal(as_string=True, allow_none=True)
    symptoms = fields.List(fields.String())
    note = fields.String(allow_none=True)
    urgent = fields.Boolean(metadata={"description": "true when the entry raised a RED alert: show urgent advice"})


class SteroidDoseIn(Schema):
    client_id = CLIENT_ID
    local_date = fields.Date(required=True)
    drug = fields.String(required=True)
    strength_mg = fields.Decimal(allow_none=True, load_default=None, as_string=True)
    tablets = fields.Decimal(allow_none=True, load_default=None, as_string=True)
    dose_mg = fields.Decimal(allow_none=True, load_default=None, as_string=True)


class SteroidCorrectionIn(SteroidDoseIn, CorrectionIn):
    client_id = OPTIONAL_CLIENT_ID


class SteroidDoseOut(RecordOut):
    drug = fields.String()
    strength_mg = fields.Decimal(as_string=True, allow_none=True)
    tablets = fields.Decimal(as_string=True, allow_none=True)
    dose_mg = fields.Decimal(as_string=True)
    prednisone_equivalent_mg = fields.Decimal(as_string=True)
    urgent = fields.Boolean()


class CheckInIn(Schema):
    client_id = CLIENT_ID
    local_date = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["post_infusion", "phq2", "phq9"]))
    answers = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True), required=True)


class CheckInCorrectionIn(CorrectionIn):
    answers = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True), required=True)


class CheckInOut(RecordOut):
    kind = fields.String()
    answers = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
    urgent = fields.Boolean()
