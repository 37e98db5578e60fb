"""Chinese number formats: counts grouped by thousands with commas, as the cockpit's money already is.

Django's zh_Hans groups nothing (no separator, a 4-digit grouping), so a page set "1220 个客户" beside
"¥2,957,756.85"; Chinese business software and the distributor's own reports write 1,220. Only the numbers change:
every other format is Django's (FORMAT_MODULE_PATH falls back to it name by name).
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
