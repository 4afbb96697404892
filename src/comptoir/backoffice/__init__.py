"""The back office: a server-rendered web UI on top of the same services as the API."""
