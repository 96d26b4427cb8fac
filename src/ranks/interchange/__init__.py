"""The interchange format (DESIGN.md §8): import and export of every kind, CSV and XLSX."""
