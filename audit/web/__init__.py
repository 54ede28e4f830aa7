"""The ASGI side of the app (st.App): routes beside the Streamlit script, cookie and CSRF, middleware."""
