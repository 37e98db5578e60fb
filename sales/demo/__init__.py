"""The demo data set of `manage.py seed_demo`: a deterministic, realistic wholesale distributor (docs/interfaces.md §4).

Modules: `calendar` (months, seasonality, Spring Festival), `people` (regions, salespeople, demo logins),
`catalog` (categories, products), `customers` (customer rows and buying behaviour), `orders` (vectorised orders
and lines per month), `payments`, `visits`, `writer` (ids, money text, COPY) and `run` (the orchestrating service).
Every random draw comes from `numpy.random.default_rng([seed, stage, ...])`, so the same arguments give the
same rows whatever the date, the database or the order in which stages run.
"""
