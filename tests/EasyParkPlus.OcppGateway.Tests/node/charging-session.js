// Plays one OCPP 2.0.1 charging station through a whole charging session against the real system (gateway, workflow
// worker, Stripe stand-in), with ocpp-rpc in strict mode: every answer and CALL of the gateway is schema-checked here.
// Usage: node charging-session.js <ws://host:port/ocpp> <stationId> <password> <baseTime ISO> <app|charger> <idToken> <idTokenType>
//   app:     waits for the gateway's RequestStartTransaction (the app started the session), starts with its remoteStartId,
//            and ends when the gateway sends RequestStopTransaction (the driver pressed stop in the app).
//   charger: the driver authorises at the charger (Authorize, then TransactionEvent Started with the idToken), charges,
//            lets the car sit idle, and ends by unplugging.
// Both disconnect mid-transaction and replay queued events (one twice) after reconnecting.
// Prints one JSON line per step. At a checkpoint ({"step":..., "checkpoint":true}) it waits for a line on stdin, so the
// test can move the system's clock and look at the workflow before the station goes on. Device times are baseTime +
// the offsets below; the bill follows from them and the register readings (see the C# test for the arithmetic).
'use strict';
const readline = require('node:readline');
const { RPCClient } = require('ocpp-rpc');

const [endpoint, identity, password, baseIso, mode, idTokenValue, idTokenType] = process.argv.slice(2);
const base = Date.parse(baseIso);
const at = (seconds) => new Date(base + seconds * 1000).toISOString();
const report = (step, data = {}) => process.stdout.write(JSON.stringify({ step, ...data }) + '\n');
const idToken = { idToken: idTokenValue, type: idTokenType };
const transactionId = `TX-${mode.toUpperCase()}-${base}`;
const received = [];

// The test answers each checkpoint with one line on stdin.
const input = readline.createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
async function checkpoint(step, data = {}) {
  report(step, { ...data, checkpoint: true });
  const next = await lines.next();
  if (next.done) throw new Error(`stdin closed at checkpoint ${step}`);
}

// A promise the gateway's next CALL of `action` resolves; the handler answers Accepted.
const waiting = {};
function expect(action) {
  return new Promise((resolve) => { waiting[action] = resolve; });
}

function client() {
  const c = new RPCClient({ endpoint, identity, password, protocols: ['ocpp2.0.1'], strictMode: true, reconnect: false });
  for (const action of ['SetChargingProfile', 'ClearChargingProfile', 'RequestStartTransaction', 'RequestStopTransaction']) {
    c.handle(action, ({ params }) => {
      received.push({ action, params });
      if (waiting[action]) {
        const resolve = waiting[action];
        delete waiting[action];
        // Answer first, then let the script send its TransactionEvent (a station does it in that order too).
        setImmediate(() => resolve(params));
      }
      return { status: 'Accepted' };
    });
  }
  return c;
}

function energy(wh, seconds) {
  return [{ timestamp: at(seconds), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
}

function txEvent(eventType, seqNo, seconds, triggerReason, chargingState, wh, extra = {}) {
  const transactionInfo = { transactionId };
  if (chargingState) transactionInfo.chargingState = chargingState;
  if (extra.stoppedReason) transactionInfo.stoppedReason = extra.stoppedReason;
  if (extra.remoteStartId !== undefined) transactionInfo.remoteStartId = extra.remoteStartId;
  const payload = { eventType, timestamp: at(seconds), triggerReason, seqNo, transactionInfo, meterValue: energy(wh, seconds) };
  // OCPP 2.0.1 needs the evse only in the first TransactionEvent of a transaction, and many chargers send it only there.
  if (eventType === 'Started') payload.evse = { id: 1, connectorId: 1 };
  if (extra.offline) payload.offline = true;
  if (extra.idToken) payload.idToken = extra.idToken;
  return payload;
}

// Register readings are the EVSE's lifetime meter (Energy.Active.Import.Register), so they do not start at 0.
const plan = {
  app: { start: 3_400_000, p1: 3_405_000, p2: 3_409_000, p3: 3_412_300, end: 3_412_300 },
  charger: { start: 1_250_000, p1: 1_260_000, p2: 1_265_000, p3: 1_265_000, end: 1_270_000 },
}[mode];

async function main() {
  if (!plan) throw new Error(`unknown mode ${mode}`);
  let station = client();
  await station.connect();
  report('connected', { protocol: station.protocol });
  report('boot', await station.call('BootNotification', {
    reason: 'PowerUp',
    chargingStation: { model: 'EP-System-150', vendorName: 'EasyParkSystemTest', firmwareVersion: '2.0.0' },
  }));
  report('plugged', await station.call('StatusNotification', { timestamp: at(-30), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 }));

  if (mode === 'app') {
    const remoteStart = expect('RequestStartTransaction');
    await checkpoint('ready');
    const request = await remoteStart;
    report('remoteStart', { request });
    report('started', await station.call('TransactionEvent', txEvent('Started', 0, 0, 'RemoteStart', 'Charging', plan.start,
      { remoteStartId: request.remoteStartId, idToken: request.idToken })));
  } else {
    await checkpoint('ready');
    report('authorize', await station.call('Authorize', { idToken }));
    report('started', await station.call('TransactionEvent', txEvent('Started', 0, 0, 'Authorized', 'Charging', plan.start, { idToken })));
  }
  await checkpoint('charging', { transactionId });

  report('meterValues', await station.call('MeterValues', { evseId: 1, meterValue: energy(plan.p1 - 2_000, 300) }));
  report('updated1', await station.call('TransactionEvent', txEvent('Updated', 1, 600, 'MeterValuePeriodic', 'Charging', plan.p1)));

  // Connection lost mid-transaction: the station queues its events and replays them, seqNo 1 a second time, after reconnecting.
  await station.close({ force: true });
  await checkpoint('offline');
  station = client();
  await station.connect();
  report('reconnected');
  // Our own power limit holds the car back for five minutes: SuspendedEVSE is never idle time.
  report('replay2', await station.call('TransactionEvent', txEvent('Updated', 2, 1200, 'ChargingStateChanged', 'SuspendedEVSE', plan.p2, { offline: true })));
  report('replay1again', await station.call('TransactionEvent', txEvent('Updated', 1, 600, 'MeterValuePeriodic', 'Charging', plan.p1, { offline: true })));
  report('replay3', await station.call('TransactionEvent', txEvent('Updated', 3, 1500, 'ChargingStateChanged', 'Charging', plan.p2, { offline: true })));
  await checkpoint('replayed');

  if (mode === 'app') {
    // The car pauses for four minutes (SuspendedEV, within the grace), charges on, and the driver stops from the app.
    report('updated4', await station.call('TransactionEvent', txEvent('Updated', 4, 1800, 'ChargingStateChanged', 'SuspendedEV', plan.p3)));
    report('updated5', await station.call('TransactionEvent', txEvent('Updated', 5, 2040, 'ChargingStateChanged', 'Charging', plan.p3)));
    const remoteStop = expect('RequestStopTransaction');
    await checkpoint('stopWanted');
    report('remoteStop', { request: await remoteStop });
    report('ended', await station.call('TransactionEvent', txEvent('Ended', 6, 2100, 'RemoteStop', 'EVConnected', plan.end, { stoppedReason: 'Remote' })));
  } else {
    // The battery is full: SuspendedEV, then EVConnected (still idle, the session has charged), then the driver unplugs.
    report('updated4', await station.call('TransactionEvent', txEvent('Updated', 4, 2400, 'ChargingStateChanged', 'SuspendedEV', plan.end)));
    report('updated5', await station.call('TransactionEvent', txEvent('Updated', 5, 2700, 'ChargingStateChanged', 'EVConnected', plan.end)));
    await checkpoint('idle');
    report('ended', await station.call('TransactionEvent', txEvent('Ended', 6, 3090, 'EVDeparted', 'Idle', plan.end, { stoppedReason: 'EVDisconnected' })));
  }
  report('unplugged', await station.call('StatusNotification', { timestamp: at(3100), connectorStatus: 'Available', evseId: 1, connectorId: 1 }));
  // Stay connected while the session bills (it releases its power, which the gateway pushes here).
  await checkpoint('endedSent');
  await station.close();
  report('done', { received });
}

main().then(() => input.close(), (err) => {
  report('failed', { error: String((err && (err.stack || err.message)) || err), details: err && err.details });
  process.exitCode = 1;
  input.close();
});
