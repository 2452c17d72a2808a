"""Redaction of direct identifiers: the detectors `bot.redact` runs, and the word lists they read."""
