"""Customer-journey audits: checklists, scoring, storage, photos, reports and analytics."""
