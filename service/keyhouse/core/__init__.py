"""Configuration, database, cryptography and key material."""
