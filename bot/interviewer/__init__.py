"""Interviewers propose the next move of an interview; `bot.interview.coverage` decides what is allowed."""
