"""The pipeline from source to official member: candidates and their dated stage events."""
