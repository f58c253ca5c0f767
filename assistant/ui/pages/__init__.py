"""Page scripts run by st.navigation; each is a thin call into assistant.ui. Never import these."""
