# A page script for st.navigation (app.py); the page itself lives in assistant.ui.trace_page.
from assistant.ui.trace_page import trace_page

trace_page()
