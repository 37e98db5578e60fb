"""The shared kernel, below every app: the one domain error, money, the API's strict fields, trigger plumbing.

It imports no app and nothing of config (whose settings and URLconfs sit above every app), so any app, and the
pure analytics engine, may import it without carrying a cycle or Django's start-up with it (core.exceptions and
core.money are plain Python).
"""
