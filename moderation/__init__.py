"""Moderation: classifier, worker, triage."""
