"""The audit log: who changed what, recorded from every flush of a signed-in request, kept for
the retention period.
"""
