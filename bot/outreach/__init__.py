"""Reaching people on a schedule: invitations, reminders, expiry, follow-up waves, cohorts and channel posts, and the scheduler that ticks."""
