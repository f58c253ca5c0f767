"""Page scripts run by st.navigation; each is a thin call into assistant.surfaces.app. Never import these."""
