"""HQ dashboard."""

from audit.ui import dashboard

dashboard.render()
