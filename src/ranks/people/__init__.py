"""People, their party memberships and postings to cells, and name search."""
