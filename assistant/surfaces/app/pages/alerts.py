# A page script for st.navigation (app.py); the page itself lives in assistant.surfaces.app.alerts.
from assistant.surfaces.app.alerts import alerts_page

alerts_page()
