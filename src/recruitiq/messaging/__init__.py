"""E-mail to candidates: queued in the request, sent by the worker over SMTP with retries."""
