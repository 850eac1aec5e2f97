// Plays one OCPP 2.0.1 charging station against the gateway with ocpp-rpc in strict mode: every CALLRESULT the
// gateway sends back and every CALL it makes is validated against the official 2.0.1 schemas bundled by ocpp-rpc.
// Usage: node station.js <ws://host:port/ocpp> <stationId> <password> <centralIdToken>
// Prints one JSON line per step; the last line is {"step":"done",...}. Exit code 0 only if every step held.
'use strict';
const { RPCClient } = require('ocpp-rpc');

const [endpoint, identity, password, centralToken] = process.argv.slice(2);
const base = Date.parse('2026-12-06T08:00:00Z');
const at = (seconds) => new Date(base + seconds * 1000).toISOString();
const report = (step, data) => process.stdout.write(JSON.stringify({ step, ...data }) + '\n');
const received = [];

function client(pass) {
  const c = new RPCClient({ endpoint, identity, password: pass, protocols: ['ocpp2.0.1'], strictMode: true, reconnect: false });
  // Commands the gateway may push (power budget TxProfiles); strict mode has already checked them against the schema.
  c.handle('SetChargingProfile', ({ params }) => { received.push({ action: 'SetChargingProfile', params }); return { status: 'Accepted' }; });
  c.handle('ClearChargingProfile', ({ params }) => { received.push({ action: 'ClearChargingProfile', params }); return { status: 'Accepted' }; });
  return c;
}

function energy(wh, seconds) {
  return [{ timestamp: at(seconds), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
}

function txEvent(eventType, seqNo, seconds, triggerReason, chargingState, wh, extra = {}) {
  const transactionInfo = { transactionId: 'TX-NODE-1' };
  if (chargingState) transactionInfo.chargingState = chargingState;
  if (extra.stoppedReason) transactionInfo.stoppedReason = extra.stoppedReason;
  const payload = { eventType, timestamp: at(seconds), triggerReason, seqNo, transactionInfo, evse: { id: 1, connectorId: 1 }, meterValue: energy(wh, seconds) };
  if (extra.offline) payload.offline = true;
  if (extra.idToken) payload.idToken = extra.idToken;
  return payload;
}

async function main() {
  // A wrong password is refused before the WebSocket upgrade.
  const intruder = client(password + '-wrong');
  try {
    await intruder.connect();
    report('wrongPassword', { refused: false });
    process.exitCode = 1;
    await intruder.close({ force: true });
  } catch (err) {
    report('wrongPassword', { refused: true, error: String(err.message || err) });
  }

  let station = client(password);
  await station.connect();
  report('connected', { protocol: station.protocol });

  const boot = await station.call('BootNotification', {
    reason: 'PowerUp',
    chargingStation: { model: 'EP-Node-150', vendorName: 'EasyParkTest', firmwareVersion: '1.2.3', serialNumber: 'SN-NODE-1' },
  });
  report('boot', boot);
  report('heartbeat', await station.call('Heartbeat', {}));
  report('status', await station.call('StatusNotification', { timestamp: at(1), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 }));
  const idToken = { idToken: centralToken, type: 'Central' };
  report('authorize', await station.call('Authorize', { idToken }));
  report('authorizeUnknown', await station.call('Authorize', { idToken: { idToken: 'DEADBEEF01', type: 'ISO14443' } }));

  report('started', await station.call('TransactionEvent', txEvent('Started', 0, 10, 'Authorized', 'Charging', 0, { idToken })));
  report('meterValues', await station.call('MeterValues', { evseId: 1, meterValue: energy(2500, 300) }));
  report('updated1', await station.call('TransactionEvent', txEvent('Updated', 1, 600, 'MeterValuePeriodic', 'Charging', 5000)));

  // Connection lost mid-transaction: the station queues events and replays them (one twice) after reconnecting.
  await station.close({ force: true });
  report('disconnected', {});
  station = client(password);
  await station.connect();
  report('reconnected', {});
  report('replay2', await station.call('TransactionEvent', txEvent('Updated', 2, 1200, 'ChargingStateChanged', 'SuspendedEV', 12000, { offline: true })));
  report('replay1again', await station.call('TransactionEvent', txEvent('Updated', 1, 600, 'MeterValuePeriodic', 'Charging', 5000, { offline: true })));
  report('replay2again', await station.call('TransactionEvent', txEvent('Updated', 2, 1200, 'ChargingStateChanged', 'SuspendedEV', 12000, { offline: true })));
  report('updated3', await station.call('TransactionEvent', txEvent('Updated', 3, 1500, 'ChargingStateChanged', 'EVConnected', 12000)));
  report('ended', await station.call('TransactionEvent', txEvent('Ended', 4, 1800, 'EVDeparted', 'Idle', 12500, { stoppedReason: 'EVDisconnected' })));
  report('statusAvailable', await station.call('StatusNotification', { timestamp: at(1801), connectorStatus: 'Available', evseId: 1, connectorId: 1 }));
  await station.close();
  report('done', { received });
}

main().catch((err) => {
  report('failed', { error: String(err && (err.stack || err.message) || err), details: err && err.details });
  process.exitCode = 1;
});
