"""The app as one ASGI server: the Streamlit script plus our routes and middleware.

Start it with `streamlit run asgi.py` (the README's command); AppTest drives streamlit_app.py.
"""

from starlette.routing import Mount
from streamlit.starlette import App

from audit.api.app import create_api
from audit.web.lifespan import lifespan
from audit.web.marks import WholePages
from audit.web.middleware import middleware
from audit.web.routes import routes

app = App("streamlit_app.py", routes=[*routes(), Mount("/api/v1", app=WholePages(create_api()))],
          middleware=middleware(), lifespan=lifespan)
