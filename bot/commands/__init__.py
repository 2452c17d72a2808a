"""Researcher and organizer commands (`/interviewer ...`), the same on every platform."""
