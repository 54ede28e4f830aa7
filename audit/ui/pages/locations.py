"""A location's page (?id=…) or the list of locations."""

from audit.ui import dashboard

dashboard.render_locations()
