"""Planning a study before it goes out: draft it, review it, approve a version (then pilot it)."""
