"""Use cases. Each takes the session, the clock (``now``/``today``) and adapters explicitly and
owns its transaction; views call one of these and render the result."""
