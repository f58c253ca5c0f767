# A page script for st.navigation (app.py); the page itself lives in assistant.surfaces.app.glossary.
from assistant.surfaces.app.glossary import glossary_page

glossary_page()
