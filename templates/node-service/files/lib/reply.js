// The reply {{name}} publishes for each event it consumes: the same key, the
// event's headers with `type` set to {{name_pascal}}Processed, and the value
//   {"type":"{{name_pascal}}Processed","source":<the event's value>}
// where the source is embedded as JSON when it parses, else as a string.
'use strict';

const REPLY_TYPE = '{{name_pascal}}Processed';

function makeReply({ key = null, value = null, headers = {} }) {
  let source = null;
  if (value !== null && value !== undefined) {
    const text = value.toString('utf8');
    try {
      source = JSON.parse(text);
    } catch {
      source = text;
    }
  }
  const outHeaders = {};
  for (const [name, v] of Object.entries(headers || {})) {
    if (name !== 'type') outHeaders[name] = v;
  }
  outHeaders.type = REPLY_TYPE;
  return { key, value: JSON.stringify({ type: REPLY_TYPE, source }), headers: outHeaders };
}

module.exports = { REPLY_TYPE, makeReply };
