"""Platform adapters: translate platform events to `Inbound` and render `Outbound`; no interview logic."""
