"""What every feature shares and that imports no feature: the request path (admission, routing,
request ids, limits, headers), schema bases, ids, clock, pagination, idempotency,
background-work types and wake-up signals.
"""
