"""The operator portal: one static page and its assets, a client of the public API."""
