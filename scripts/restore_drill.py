"""Compare a restored database with its source: every table's row count and a checksum of the audit trail.

    .venv/bin/python scripts/restore_drill.py --source URL --target URL

``--source`` defaults to DATABASE_URL (load /etc/companion/companion.env first). URLs may be postgresql://,
postgres:// or postgresql+psycopg://. Prints one line per table of the public schema (alembic_version
included) and the audit checksum, then exits 0 when everything matches, 1 on any difference, 2 when it
cannot run (bad arguments, a database unreachable).

The audit checksum is computed by PostgreSQL itself, the same way on both sides: the md5 of each row's text
(``audit_events t`` cast to text, so every column counts), joined in ``id`` order and hashed again. Both
connections use the same output settings first (UTC, ISO dates, full float precision), because a row's text
depends on them. Hashing each row first keeps the aggregate to 32 characters a row, far below PostgreSQL's
1 GB limit on one value even for millions of audit events.

A live source keeps changing after its dump was taken (sign-ins, diary entries, reminders are all audited),
so against the production database run the drill at a quiet time, right after the backup, with the
scheduler stopped; or compare the dump restored twice.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

import psycopg
from psycopg import sql

AUDIT_TABLE = "audit_events"
SESSION_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "3",
    "bytea_output": "hex",
}
TABLES = "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename"
CHECKSUM = sql.SQL("SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY t.id), '')) FROM {} AS t")


def libpq_url(url: str) -> str:
    """The app's URL forms as libpq takes them: postgresql+psycopg:// loses its driver name."""
    url = re.sub(r"^(postgres|postgresql)\+\w+://", "postgresql://", url)
    if not re.match(r"^postgres(ql)?://", url):
        raise ValueError("not a PostgreSQL URL (postgresql://user@host:5432/name)")
    return url


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    url = re.sub(r"^(postgres(?:ql)?://[^:@/?#]*):[^@/?#]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url)


def snapshot(url: str) -> tuple[dict[str, int], str | None]:
    """Row count of every table of the public schema, and the audit trail's checksum (None: no audit table)."""
    with psycopg.connect(libpq_url(url)) as conn:
        # one read-only snapshot for every count and the checksum, so that they agree with each other
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        for name, value in SESSION_SETTINGS.items():
            conn.execute("SELECT set_config(%s, %s, true)", (name, value))
        tables = [row[0] for row in conn.execute(TABLES)]
        counts = {table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
                  for table in tables}
        checksum = None
        if AUDIT_TABLE in counts:
            checksum = conn.execute(CHECKSUM.format(sql.Identifier(AUDIT_TABLE))).fetchone()[0]
        conn.rollback()
    return counts, checksum


def compare(source: tuple[dict[str, int], str | None], target: tuple[dict[str, int], str | None]) -> list[tuple]:
    """Rows of (what, source value, target value, same?)."""
    (source_counts, source_sum), (target_counts, target_sum) = source, target
    rows = []
    for table in sorted(set(source_counts) | set(target_counts)):
        a, b = source_counts.get(table, "missing"), target_counts.get(table, "missing")
        rows.append((table, a, b, a == b))
    rows.append((f"{AUDIT_TABLE} checksum", source_sum or "missing", target_sum or "missing",
                 source_sum is not None and source_sum == target_sum))
    return rows


def render(rows: list[tuple]) -> str:
    header = ("table", "source", "restored", "")
    lines = [(what, str(a), str(b), "ok" if same else "DIFFERENT") for what, a, b, same in rows]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(3)]
    out = []
    for line in [header, *lines]:
        out.append(f"{line[0]:<{widths[0]}}  {line[1]:>{widths[1]}}  {line[2]:>{widths[2]}}  {line[3]}".rstrip())
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=os.environ.get("DATABASE_URL"),
                        help="the database that was backed up (default: DATABASE_URL)")
    parser.add_argument("--target", required=True, help="the database restored from its dump")
    args = parser.parse_args(argv)
    if not args.source:
        parser.error("--source is required (or set DATABASE_URL)")
    try:
        if libpq_url(args.source) == libpq_url(args.target):
            parser.error("--source and --target are the same database")
        results = []
        for url in (args.source, args.target):
            try:
                results.append(snapshot(url))
            except psycopg.Error as exc:
                print(f"restore_drill: {shown(url)}: {str(exc).strip()}", file=sys.stderr)
                return 2
    except ValueError as exc:
        parser.error(str(exc))
    rows = compare(*results)
    print(f"source:   {shown(args.source)}\nrestored: {shown(args.target)}\n")
    print(render(rows))
    differences = [row[0] for row in rows if not row[3]]
    if differences:
        print(f"\nrestore drill FAILED: {len(differences)} difference(s): {', '.join(differences)}")
        return 1
    print(f"\nrestore drill passed: {len(rows) - 1} tables and the audit checksum match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
