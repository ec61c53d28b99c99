"""Organizations, users, login tokens, API keys, scopes and the request principal."""
