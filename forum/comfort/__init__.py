"""Comfort: what makes the forum easier for members with MS-related vision, motor and fatigue problems.

drafts.py (never lose a post), preferences.py (text size, theme, font, spacing, motion),
summary.py (the short version of a long thread), read_later.py, routes.py (their pages).
"""
