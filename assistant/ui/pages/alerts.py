# A page script for st.navigation (app.py); the page itself lives in assistant.ui.alerts.
from assistant.ui.alerts import alerts_page

alerts_page()
