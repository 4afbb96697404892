"""Privacy: the audit trail of who changed what (and, later, GDPR export, erasure, retention
and consents)."""
