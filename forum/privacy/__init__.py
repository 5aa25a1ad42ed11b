"""Privacy: what members write here is health data, so they can take it with them or take it back.

    models.py     exports, username reservations, account deletions, hashed network addresses, purge runs
    iphash.py     keyed hashes of network addresses (the rate limiter and the login records use them)
    exports.py    "Download my data": a ZIP prepared by the worker, served only to its owner for a while
    deletion.py   "Delete my account": one transaction, posts removed or kept anonymised
    identity.py   username and email changes, the admin's audited view of an email address
    redaction.py  the one sanctioned way to take a name out of the append-only audit log
    retention.py  every retention rule, read by `forum purge`, the worker and the /privacy page
    routes.py     the pages: /privacy and the account pages under /settings

Kept light on purpose: forum.extensions imports iphash from here before any model exists.
"""
