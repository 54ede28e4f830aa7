"""Streamlit pages, the only code besides audit/ui/* that imports streamlit."""
