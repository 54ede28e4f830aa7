"""Reviewers and HQ: mystery audits waiting for review."""

from audit.ui import visits

visits.render_review_queue()
