"""Applications: a candidate in a job's pipeline, its stages, review, notes, reject, withdraw
and hire.
"""
