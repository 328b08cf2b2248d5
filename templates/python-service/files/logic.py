"""The reply {{name}} publishes for each event it consumes: the same key, the
event's headers with `type` set to {{name_pascal}}Processed, and the value
    {"type":"{{name_pascal}}Processed","source":<the event's value>}
where the source is embedded as JSON when it parses, else as a string."""
import json

REPLY_TYPE = "{{name_pascal}}Processed"


def make_reply(key, value, headers):
    """(key, value, headers) of the reply; headers is a list of (str, bytes)."""
    if value is None:
        source = None
    else:
        try:
            source = json.loads(value)
        except ValueError:
            source = value.decode("utf-8", "replace")
    body = json.dumps({"type": REPLY_TYPE, "source": source}, separators=(",", ":"), ensure_ascii=False)
    out_headers = [(k, v) for k, v in headers if k != "type"] + [("type", REPLY_TYPE.encode())]
    return key, body.encode("utf-8"), out_headers
