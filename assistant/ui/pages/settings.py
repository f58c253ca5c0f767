# A page script for st.navigation (app.py); the page itself lives in assistant.ui.settings_page.
from assistant.ui.settings_page import settings_page

settings_page()
