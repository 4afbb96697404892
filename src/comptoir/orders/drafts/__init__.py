"""Draft orders and quotes prepared in the back office (phone and business orders)."""
