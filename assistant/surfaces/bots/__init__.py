"""Chat bots: the assistant where managers already talk (Slack, Feishu/Lark, DingTalk, WeCom, Teams).

`engine.ChatEngine` answers an `Incoming` message with a `reply.ChatReply`; each platform module
verifies its platform's signature, turns events into `Incoming` and lays the reply out in that
platform's message format. Nothing here knows a metric or a table: it all comes from the layer.
"""
