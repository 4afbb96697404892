"""Shopper accounts: the people who buy on the shop's channels sign up, sign in and manage
their account through ``/store/v1/account``."""
