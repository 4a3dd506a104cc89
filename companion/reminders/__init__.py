"""Reminder pages: the participant's own SMS settings, and each participant's messages for coordinators."""
