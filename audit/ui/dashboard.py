"""HQ dashboard (filled in with the analytics module)."""

import streamlit as st


def render() -> None:
    st.header("Dashboard")


def render_locations() -> None:
    st.header("Locations")
