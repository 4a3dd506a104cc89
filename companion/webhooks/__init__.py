"""Twilio's webhook routes (/sms/status, /sms/inbound): check the signature, call the use case, answer."""
