"""The follow-up worklist (issue 8 item 2): selectors, the /worklist/ page."""
