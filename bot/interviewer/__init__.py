"""Interviewers propose the next move of an interview; `bot.interview.coverage` decides what is allowed."""

from bot.interviewer.base import Guidance, InterviewContext, Interviewer, Move, MoveKind, TopicState, Usage

__all__ = ["Guidance", "Interviewer", "InterviewContext", "Move", "MoveKind", "TopicState", "Usage"]
