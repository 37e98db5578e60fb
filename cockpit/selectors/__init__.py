"""Reads for the cockpit pages, always through customers.selectors' scope (customer_list, scoped, ...)."""
