"""Interviews: scheduling, rescheduling, cancelling, completing and the interviewers' feedback."""
