"""Admin tuning of the grading policy (issue 6): the editor's form, live preview, version history and recompute."""
