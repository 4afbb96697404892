"""Orders: carts and checkout, orders and their timeline, payments, VAT by destination."""
