"""Benchmark: building the coordinator dashboard for 16 and 500 participants (prints figures, asserts
nothing). Run: .venv/bin/python benchmarks/dashboard.py [DATABASE_URL]  (default: a temporary SQLite file)

Each participant gets a diary entry and a steroid dose for each of the last 14 days and one alert, so
the queries have data to aggregate.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("APP_ENV", "test")

from sqlalchemy import event  # noqa: E402

from companion.db import make_engine, now_utc  # noqa: E402
from companion.migrate import upgrade  # noqa: E402
from companion.protocols import load_protocol  # noqa: E402
from companion.services import alerts, audit, dashboard, diary, enrolment, steroids  # noqa: E402
from companion.services.schedules import local_today  # noqa: E402
from companion.services.staff import get_or_create_site  # noqa: E402


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    from sqlalchemy.orm import Session

    protocol, now = load_protocol(), now_utc()
    today = local_today("Asia/Shanghai", now)
    with Session(engine, expire_on_commit=False) as session:
        site = get_or_create_site(session, code=f"B{int(time.time())}", name="Bench", timezone="Asia/Shanghai",
                                  now=now)
        session.commit()
        made = 0
        for target in (16, 500):
            while made < target:
                person = enrolment.enrol(
                    session, enrolment.Enrolment(study_id=f"{site.code}-{made:04d}", phone=f"+86137{made:08d}",
                                                 day1=today - timedelta(days=40), weight_kg="60"),
                    site=site, protocol=protocol, actor=audit.CLI, now=now, today=today, consent_version="v")
                actor = audit.Actor("participant", person.id)
                for back in range(14):
                    day = today - timedelta(days=back)
                    diary.save_day(session, person, diary.DiaryInput(local_date=day, fatigue=3, joint_pain=2),
                                   actor=actor, today=day, now=now, late_days=3)
                    steroids.add(session, person, steroids.DoseInput(local_date=day, drug="prednisone",
                                                                     strength_mg="5", tablets="1"),
                                 actor=actor, today=day, now=now, late_days=3)
                alerts.raise_alert(session, participant_id=person.id, tier="AMBER", rule="fever",
                                   source_type="bench", source_id=made, now=now)
                session.commit()
                made += 1
            session.expunge_all()
            queries = []
            listener = lambda *_a, q=queries: q.append(1)  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            tracemalloc.start()
            started = time.perf_counter()
            rows = dashboard.build(session, site.id, protocol, today)
            elapsed = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            event.remove(engine, "before_cursor_execute", listener)
            print(f"participants={len(rows):4d}  queries={len(queries):2d}  time={elapsed * 1000:7.1f} ms  "
                  f"peak memory={peak / 1e6:6.1f} MB  ({engine.dialect.name})")
            session.expunge_all()


if __name__ == "__main__":
    main()
