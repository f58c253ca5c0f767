# A page script for st.navigation (app.py); the page itself lives in assistant.surfaces.app.ask.
from assistant.surfaces.app.ask import ask_page

ask_page()
