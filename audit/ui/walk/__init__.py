"""The walkthrough: the page (page.py) and its components-v2 element (component.py, walk.*)."""
