"""Corrective actions: my actions, one action (?id=…), an audit's plan (?audit=…)."""

from audit.ui import actions

actions.render()
