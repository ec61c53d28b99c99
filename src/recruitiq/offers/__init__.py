"""Offers: draft, send, accept, decline, withdraw, and expiry by the worker."""
