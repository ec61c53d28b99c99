"""The OpenAPI document, with real request and response examples for every operation."""
