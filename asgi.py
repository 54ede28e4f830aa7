"""The app as one ASGI server: the Streamlit script plus our routes and middleware.

Start it with `streamlit run asgi.py` (the README's command); AppTest drives streamlit_app.py.
"""

from streamlit.starlette import App

from audit.web.lifespan import lifespan
from audit.web.middleware import middleware
from audit.web.routes import routes

app = App("streamlit_app.py", routes=routes(), middleware=middleware(), lifespan=lifespan)
