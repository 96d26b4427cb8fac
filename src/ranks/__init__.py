"""Ranks: developing party members down an effective-dated organisation tree."""
