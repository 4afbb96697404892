"""The catalogue: products, variants, tax classes, price lists, promotions and coupons."""
