"""Discord: DMs and button clicks in as `Inbound`s, `Outbound`s out as DM messages with persistent buttons."""
