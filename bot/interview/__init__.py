"""The interview itself, pure: states, events and effects, the transitions, the texts participants see, coverage and budgets. No database, platform or model is touched here."""
