"""Restructures: merge, split, move, rename, dissolve or change the kind of units, as one act."""
