"""Slack: events and clicks in as `Inbound`s, `Outbound`s out as DM posts with Block Kit buttons."""
