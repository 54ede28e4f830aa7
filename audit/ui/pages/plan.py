"""HQ: visit plans, the coverage grid, shoppers' grades and timeliness."""

from audit.ui import visits

visits.render_plan()
