"""Pure clinical rules of the companion (see DOMAIN.md).

Modules here import only the standard library and other ``companion.domain`` modules, and never read the
clock: callers pass ``today``/``now``, the time zone and the protocol explicitly.
"""
