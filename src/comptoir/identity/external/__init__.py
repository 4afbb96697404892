"""Staff sign-in through an external OpenID Connect provider (Keycloak, Entra ID, Google
Workspace...)."""
