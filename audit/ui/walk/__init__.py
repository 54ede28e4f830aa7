"""The walkthrough: the page (page.py) and its components-v2 element (component.py, walk.html,
walk.css and the script in js/)."""
