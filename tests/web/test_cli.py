"""The command-line commands, run through Flask's CLI runner on the test database."""

from __future__ import annotations

import json

import pyotp
from sqlalchemy import select

from companion.models import AuditEvent, Participant, StaffUser
from companion.passwords import verify_password


def test_create_coordinator_prints_the_totp_secret(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-coordinator", "--email", "Lead@Example.org",
                                                "--password-stdin"], input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "lead@example.org"))
    assert f"TOTP secret: {user.totp_secret}" in result.output
    assert "otpauth://totp/" in result.output
    assert pyotp.parse_uri(result.output.split("otpauth URI: ")[1].strip()).secret == user.totp_secret
    assert "a long enough passphrase" not in result.output and user.password_hash.startswith("$argon2id$")


def test_create_coordinator_refuses_a_common_password(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-coordinator", "--email", "x@example.org",
                                                "--password-stdin"], input="password123\n")
    assert result.exit_code == 2
    assert "too common" in result.output
    assert db_session.scalar(select(StaffUser).where(StaffUser.email == "x@example.org")) is None



def test_create_coordinator_without_password_stdin_asks_twice_and_hides_the_password(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-coordinator", "--email", "ask@example.org"],
                                          input="a long enough passphrase\na long enough passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert "a long enough passphrase" not in result.output
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "ask@example.org"))
    assert user is not None and user.password_hash.startswith("$argon2id$")


def test_create_coordinator_refuses_a_password_confirmed_differently(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-coordinator", "--email", "typo@example.org"],
                                          input="a long enough passphrase\na long enough passphrasf\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert db_session.scalar(select(StaffUser).where(StaffUser.email == "typo@example.org")) is None


def test_create_coordinator_with_password_stdin_reads_only_the_first_line(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-coordinator", "--email", "pipe@example.org",
                                                "--password-stdin"], input="a long enough passphrase\nignored\n")
    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "pipe@example.org"))
    assert verify_password(user.password_hash, "a long enough passphrase")

def test_enrol_from_the_command_line(app, db_session):
    result = app.test_cli_runner().invoke(args=[
        "enrol", "--study-id", "BULK-7", "--phone", "+8613800138077", "--start", "2026-12-01", "--weight", "55",
        "--language", "en", "--timezone", "Europe/London"])
    assert result.exit_code == 0, result.output
    participant = db_session.scalar(select(Participant).where(Participant.study_id == "BULK-7"))
    assert participant.timezone == "Europe/London" and participant.language == "en"
    assert len(participant.visits) == 8
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.enrol"))
    assert event.actor_type == "cli"


def test_enrol_reports_every_bad_field(app, db_session):
    result = app.test_cli_runner().invoke(args=[
        "enrol", "--study-id", "!", "--phone", "123", "--start", "someday", "--weight", "9"])
    assert result.exit_code == 2
    for field in ("study_id", "phone_e164", "day1", "weight_kg"):
        assert f"error: {field}:" in result.output
    assert db_session.scalar(select(Participant)) is None


def test_protocol_preview_json(app):
    result = app.test_cli_runner().invoke(args=["protocol", "preview", "--start", "2026-03-02", "--json"])
    assert result.exit_code == 0, result.output
    visits = json.loads(result.output)
    assert [v["study_day"] for v in visits] == [1, 15, 29, 57, 85, 113, 141, 169]
    assert {"study_day", "week", "date", "window_start", "window_end", "infusion"} <= set(visits[0])
    assert visits[-1]["date"] == "2026-08-17" and visits[-1]["infusion"] is False
    assert visits[3] == {**visits[3], "week": 8, "date": "2026-04-27", "window_start": "2026-04-24",
                         "window_end": "2026-04-30", "infusion": True}


def test_protocol_preview_table_and_reading_a(app):
    result = app.test_cli_runner().invoke(args=["protocol", "preview", "--start", "2026-03-02", "--reading", "A"])
    assert result.exit_code == 0
    assert "reading A" in result.output
    last = result.output.strip().splitlines()[-1].split()
    assert last[:4] == ["8", "169", "24", "2026-08-17"] and "yes" in last


def test_protocol_preview_does_not_touch_the_database(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'never.db'}", DATABASE_BIND=None)
    result = app.test_cli_runner().invoke(args=["protocol", "preview", "--start", "2026-03-02", "--json"])
    assert result.exit_code == 0
    assert not (tmp_path / "never.db").exists()


def test_protocol_preview_rejects_a_bad_date(app):
    result = app.test_cli_runner().invoke(args=["protocol", "preview", "--start", "02/03/2026"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_site_settings_are_changed_and_audited(app, db_session):
    result = app.test_cli_runner().invoke(args=["site-settings", "--emergency-number", "999",
                                                "--emergency-department", "City Hospital A&E"])
    assert result.exit_code == 0, result.output
    assert "emergency_number: 999" in result.output
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "site.settings"))
    assert event.changes["emergency_number"] == ["120", "999"]


def test_seed_demo_twice_gives_the_same_data(app, db_session):
    from companion.models import DiaryEntry, SteroidDose

    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    counts = [db_session.query(m).count() for m in (Participant, DiaryEntry, SteroidDose, StaffUser)]
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "coordinator@demo.example" in result.output
    assert [db_session.query(m).count() for m in (Participant, DiaryEntry, SteroidDose, StaffUser)] == counts
    assert counts[0] == 4 and counts[1] == 9


def test_seed_demo_names_the_address_dev_sh_serves(app, db_session, monkeypatch):
    monkeypatch.setenv("PORT", "5077")
    monkeypatch.delenv("HOST", raising=False)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "http://127.0.0.1:5077/" in result.output
    assert "mobile numbers" in result.output


def test_seed_demo_prints_commands_that_work_as_printed(app, db_session):
    import shlex
    import subprocess

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    line = next(line for line in result.output.splitlines() if "totp-now" in line)
    command = shlex.split(line.split("or run: ", 1)[1].rstrip(")"))
    assert command[0] != "flask", "a bare flask only works in an activated virtualenv"
    assert subprocess.run([command[0], "--version"], capture_output=True, check=False).returncode == 0


def test_demo_commands_refuse_production(make_app):
    app = make_app(APP_ENV="production", SMS_BACKEND="fake")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "development only" in result.output
