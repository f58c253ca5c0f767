"""The Slack bot (slack-bolt): @mentions, direct messages and `/factory`, answered in the thread.

`app.build_app` makes the Bolt app over a `ChatEngine`; `handlers` holds the listeners, `layout`
the Block Kit, `post` the guarded Web API calls, `http_mode` the HTTP server; `__main__` runs it
in Socket Mode or HTTP mode (nothing is imported here, so `python -m` checks its settings before
slack-bolt and the pipeline load). Alerts and briefings reach Slack through assistant/alerts/delivery.
"""
