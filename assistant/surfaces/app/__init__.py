"""The Streamlit app's building blocks (the entry point is app.py at the repository root)."""
