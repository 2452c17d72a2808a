"""Redaction of direct identifiers: the detectors `bot.records.redact` runs, and the word lists they read."""
