"""HTTP building blocks: the request transaction, request context, problem pages."""
