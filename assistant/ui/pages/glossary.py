# A page script for st.navigation (app.py); the page itself lives in assistant.ui.glossary.
from assistant.ui.glossary import glossary_page

glossary_page()
