"""The one Claude client of the bot: model capability table, request shapes, replies, usage and cost."""
