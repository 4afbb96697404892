"""Staff users, roles and scopes, back-office sign-in, sessions and two-step verification."""
