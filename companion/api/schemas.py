"""Marshmallow schemas of /api/v1; flask-smorest builds the OpenAPI document from them."""

from marshmallow import Schema, fields


class VisitSchema(Schema):
    number = fields.Integer(required=True)
    key = fields.String(required=True)
    label = fields.String(required=True, metadata={"description": "in the participant's language"})
    study_day = fields.Integer(required=True)
    week = fields.Integer(required=True)
    target_date = fields.Date(required=True, metadata={"description": "protocol target, anchored to day 1"})
    window_start = fields.Date(required=True)
    window_end = fields.Date(required=True)
    scheduled_date = fields.Date(required=True, metadata={"description": "the target, or the moved date"})
    starts_at = fields.DateTime(required=True, metadata={"description": "appointment start, ISO 8601 with offset"})
    actual_date = fields.Date(allow_none=True)
    infusion = fields.Boolean(required=True)
    endpoint = fields.Boolean(required=True)
    state = fields.String(required=True, metadata={"enum": ["done", "missed", "due", "upcoming"]})
    days_to_go = fields.Integer(allow_none=True)


class ScheduleSchema(Schema):
    study_id = fields.String(required=True)
    day1 = fields.Date(required=True)
    study_week = fields.Integer(required=True)
    timezone = fields.String(required=True)
    location = fields.String(required=True)
    next_visit = fields.Nested(VisitSchema, allow_none=True)
    visits = fields.List(fields.Nested(VisitSchema), required=True)


class ErrorSchema(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
