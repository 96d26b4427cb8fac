"""The organisation tree (effective-dated units), places, and their history."""
