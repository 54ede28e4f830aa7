"""HQ administration."""

from audit.ui import admin

admin.render()
