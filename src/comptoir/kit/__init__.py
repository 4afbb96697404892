"""Technical building blocks shared by every module. No business words live here."""
