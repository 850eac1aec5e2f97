// A charging station through a restore drill (tests/EasyParkPlus.DisasterRecovery.Tests): a session started from the
// app, charging while the database is backed up, destroyed and restored, then stopped from the app against the gateway
// that runs on the restored database. ocpp-rpc in strict mode, so every gateway answer and CALL is schema-checked.
// Usage: node drill-station.js <ws://host:port/ocpp> <stationId> <password>
// Device times are the real clock. Energy is the EVSE's lifetime register (Wh): Started at 2,000,000, Ended at
// 2,012,000, so 12 kWh whatever the gateway kept in between. Prints one JSON line per step; at a checkpoint
// ({"checkpoint":true}) it waits for a line on stdin: "go", or at "reconnect" the gateway's new ocpp endpoint.
'use strict';
const readline = require('node:readline');
const { RPCClient } = require('ocpp-rpc');

const [firstEndpoint, identity, password] = process.argv.slice(2);
const report = (step, data = {}) => process.stdout.write(JSON.stringify({ step, ...data }) + '\n');
const transactionId = `TX-DRILL-${Date.now()}`;
const register = { start: 2_000_000, before: 2_005_000, lost: 2_008_000, after: 2_010_000, end: 2_012_000 };

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function checkpoint(step, data = {}) {
  report(step, { ...data, checkpoint: true });
  const next = await lines.next();
  if (next.done) throw new Error(`stdin closed at checkpoint ${step}`);
  return next.value.trim();
}

const waiting = {};
const expect = (action) => new Promise((resolve) => { waiting[action] = resolve; });

function client(endpoint) {
  const c = new RPCClient({ endpoint, identity, password, protocols: ['ocpp2.0.1'], strictMode: true, reconnect: false });
  for (const action of ['SetChargingProfile', 'ClearChargingProfile', 'RequestStartTransaction', 'RequestStopTransaction']) {
    c.handle(action, ({ params }) => {
      if (waiting[action]) {
        const resolve = waiting[action];
        delete waiting[action];
        setImmediate(() => resolve(params));
      }
      return { status: 'Accepted' };
    });
  }
  return c;
}

function txEvent(eventType, seqNo, triggerReason, chargingState, wh, extra = {}) {
  const timestamp = new Date().toISOString();
  const transactionInfo = { transactionId, chargingState };
  if (extra.stoppedReason) transactionInfo.stoppedReason = extra.stoppedReason;
  if (extra.remoteStartId !== undefined) transactionInfo.remoteStartId = extra.remoteStartId;
  const payload = { eventType, timestamp, triggerReason, seqNo, transactionInfo,
    meterValue: [{ timestamp, sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }] };
  if (eventType === 'Started') payload.evse = { id: 1, connectorId: 1 };
  if (extra.idToken) payload.idToken = extra.idToken;
  return payload;
}

async function main() {
  let station = client(firstEndpoint);
  await station.connect();
  report('boot', await station.call('BootNotification', {
    reason: 'PowerUp', chargingStation: { model: 'EP-Drill-150', vendorName: 'EasyParkDrill', firmwareVersion: '1.0.0' },
  }));
  await station.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  const remoteStart = expect('RequestStartTransaction');
  await checkpoint('plugged');
  const start = await remoteStart;
  report('started', await station.call('TransactionEvent', txEvent('Started', 0, 'RemoteStart', 'Charging', register.start,
    { remoteStartId: start.remoteStartId, idToken: start.idToken })));
  report('updated1', await station.call('TransactionEvent', txEvent('Updated', 1, 'MeterValuePeriodic', 'Charging', register.before)));
  await checkpoint('charging');
  // Acknowledged by the gateway, then lost with the database: the station has no reason to send it again.
  report('updated2', await station.call('TransactionEvent', txEvent('Updated', 2, 'MeterValuePeriodic', 'Charging', register.lost)));
  const endpoint = await checkpoint('reconnect');
  try { await station.close({ force: true }); } catch { /* the old gateway is gone */ }
  station = client(endpoint);
  await station.connect();
  report('reconnected');
  report('updated3', await station.call('TransactionEvent', txEvent('Updated', 3, 'MeterValuePeriodic', 'Charging', register.after)));
  const remoteStop = expect('RequestStopTransaction');
  await checkpoint('stopWanted');
  report('remoteStop', { request: await remoteStop });
  report('ended', await station.call('TransactionEvent', txEvent('Ended', 4, 'RemoteStop', 'EVConnected', register.end, { stoppedReason: 'Remote' })));
  await station.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  await checkpoint('endedSent');
  await station.close();
  report('done');
}

main().then(() => process.exit(0), (err) => {
  report('failed', { error: String((err && (err.stack || err.message)) || err), details: err && err.details });
  process.exit(1);
});
