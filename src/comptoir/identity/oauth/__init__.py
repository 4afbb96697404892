"""Comptoir's OAuth 2 / OpenID Connect authorization server: API clients, tokens, signing keys,
the consent screen and the bearer authentication of the admin API. See docs/oauth.md."""
