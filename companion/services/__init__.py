"""Use cases. Each takes the session, the clock (``now``/``today``) and adapters explicitly, and flushes but
never commits: the request, the CLI command or the scheduler job commits once (companion/db.py), so use cases
called together land together. The few that commit on their own say why where they do. Views call one of
these and render the result."""
