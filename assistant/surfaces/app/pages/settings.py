# A page script for st.navigation (app.py); the page itself lives in assistant.surfaces.app.settings_page.
from assistant.surfaces.app.settings_page import settings_page

settings_page()
