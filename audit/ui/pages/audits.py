"""An audit (?id=…) or the person's audits and drafts."""

from audit.ui import audit_list

audit_list.render()
