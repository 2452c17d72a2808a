"""interviewer: AI-led qualitative research interviews in Slack and Discord direct messages."""

__version__ = "0.1.0"
