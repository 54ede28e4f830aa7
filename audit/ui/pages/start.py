"""New audit: location, template, mode, language, visit time."""

from audit.ui import start

start.render()
