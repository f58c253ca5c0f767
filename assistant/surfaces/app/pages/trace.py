# A page script for st.navigation (app.py); the page itself lives in assistant.surfaces.app.trace_page.
from assistant.surfaces.app.trace_page import trace_page

trace_page()
