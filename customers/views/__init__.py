"""Settings pages of people and customers (issue 6): overrides, reassignment, users and tokens, merges."""
