"""Local fakes of the outside services the bot talks to, for tests that run the real client libraries."""
