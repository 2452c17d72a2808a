"""Runs interviews: stores what arrives, applies the state machine's effects, asks the interviewer, and sends what is queued, each exactly once."""
