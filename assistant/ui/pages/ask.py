# A page script for st.navigation (app.py); the page itself lives in assistant.ui.ask.
from assistant.ui.ask import ask_page

ask_page()
