// Self-test of the event contract check: conforming events built from the document's own examples pass, and
// each deliberately wrong event fails for the reason it was made wrong, both through contract.mjs and through
// the events.mjs command line. Also checks that the document's currency list is the one the code accepts
// (domain/money.cpp), since both the published and the consumed schemas rely on it.
//
// Usage: node tools/asyncapi/events.selftest.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContract, checkRecord } from './contract.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '../..');
const docFile = path.join(root, 'docs/asyncapi.yaml');
const contract = await loadContract(docFile);

let failed = 0;
let passed = 0;
function expect(condition, what) {
  if (condition) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAIL ${what}`);
  }
}

function exampleOf(channelId) {
  const m = [...contract.allMessages.values()].find((e) => e.channelId === channelId);
  if (!m || m.examples.length === 0) {
    throw new Error(`no example for channel ${channelId}`);
  }
  const example = m.examples[0];
  return { message: m, body: structuredClone(example.payload), headers: structuredClone(example.headers) };
}

function recordFor(channelId, mutate = () => {}, overrides = {}) {
  const { message, body, headers } = exampleOf(channelId);
  mutate(body, headers);
  const record = {
    exchange: message.exchange,
    routingKey: message.address,
    messageId: '0190b6a0-0000-7000-8000-000000000001',
    contentType: 'application/json',
    type: message.messageType,
    appId: 'auction-test',
    correlationId: body.correlationId ?? '',
    deliveryMode: 2,
    timestamp: typeof body.timestamp === 'string' ? Math.floor(Date.parse(body.timestamp) / 1000) : undefined,
    body: JSON.stringify(body),
  };
  if (headers !== undefined) {
    record.headers = headers;
  }
  return { ...record, ...overrides };
}

// 1. Every documented message's example, sent as the code sends it, conforms.
const goodRecords = [];
for (const m of contract.allMessages.values()) {
  const record = recordFor(m.channelId);
  if (m.exchange !== 'auction.item') {
    record.correlationId = '';  // the bid service's correlation travels in the envelope
  }
  const { problems } = checkRecord(contract, record);
  expect(problems.length === 0, `${m.key} example should conform: ${problems.join('; ')}`);
  goodRecords.push(record);
}
expect(goodRecords.length === 13, `expected 13 published, consumed and dead-lettered messages, found ${goodRecords.length}`);

// A dead-lettered message keeps its original body, which need not be JSON: that is often why it is there.
{
  const { problems } = checkRecord(contract, recordFor('bidPlacedDeadLetter', () => {}, { body: '{not json' }));
  expect(problems.length === 0, `a dead-lettered non-JSON body should conform: ${problems.join('; ')}`);
}

// 2. Deliberately wrong events: each must fail, with a problem that names what is wrong.
const negatives = [
  ['an unknown payload field', recordFor('itemCreated', (b) => { b.payload.secret = 'x'; }), /additional properties/],
  ['a missing payload field', recordFor('itemCreated', (b) => { delete b.payload.sellerId; }), /sellerId/],
  ['money as a JSON number', recordFor('itemCreated', (b) => { b.payload.startPrice = 100; }), /startPrice/],
  ['money with one decimal', recordFor('itemCreated', (b) => { b.payload.currentPrice = '100.5'; }), /currentPrice/],
  ['a currency off the ISO list', recordFor('itemCreated', (b) => { b.payload.currencyCode = 'XYZ'; }), /currencyCode/],
  ['an upper-case item id', recordFor('itemCreated', (b) => { b.payload.id = b.payload.id.toUpperCase(); }), /\/payload\/id/],
  ['a missing envelope field', recordFor('itemDeleted', (b) => { delete b.traceId; }), /traceId/],
  ['an extra envelope field', recordFor('itemDeleted', (b) => { b.extra = 1; }), /additional properties/],
  ['a non-UTC timestamp', recordFor('itemCommentCreated', (b) => { b.payload.createdAt = '2024-01-15T11:00:00+01:00'; }), /createdAt/],
  ['a wrong version', recordFor('itemCommentDeleted', (b) => { b.version = 'v2'; }), /version/],
  ['another event\'s body on a routing key', recordFor('itemCreated', (b) => { b.event = 'item.updated'; }), /\/event/],
  ['an item without buyerId', recordFor('itemUpdated', (b) => { delete b.payload.buyerId; }), /buyerId/],
  ['an unknown item status', recordFor('itemUpdated', (b) => { b.payload.status = 'draft'; }), /status/],
  ['an image URL outside items/', recordFor('itemImageUploaded', (b) => { b.payload.imageUrl = 'http://x/y.png'; }), /imageUrl/],
  ['an empty attribute value', recordFor('itemAttributeCreated', (b) => { b.payload.value = ''; }), /value/],
  ['a bid amount that is not a decimal', recordFor('bidPlaced', (b) => { b.payload.amount = 'abc'; }), /amount/],
  ['a zero bid amount', recordFor('bidPlaced', (b) => { b.payload.amount = '0.00'; }), /amount/],
  ['a bid currency that is not ISO 4217', recordFor('bidPlaced', (b) => { b.payload.currencyCode = 'EURO'; }), /currencyCode/],
  ['a bid item id that is not a UUID', recordFor('bidWon', (b) => { b.payload.itemId = 'item-uuid'; }), /itemId/],
  ['a bid without userId', recordFor('bidWon', (b) => { delete b.payload.userId; }), /userId/],
  ['a bid without the event name', recordFor('bidWon', (b) => { delete b.event; }), /event/],
  ['a wrong content type', recordFor('itemCreated', () => {}, { contentType: 'text/plain' }), /content type/],
  ['no message_id', recordFor('itemCreated', () => {}, { messageId: '' }), /message_id/],
  ['an AMQP type that is not the routing key', recordFor('itemCreated', () => {}, { type: 'item.created' }), /AMQP type/],
  ['a transient delivery mode', recordFor('itemCreated', () => {}, { deliveryMode: 1 }), /delivery_mode/],
  ['a correlation_id unlike the envelope\'s', recordFor('itemCreated', () => {}, { correlationId: 'other' }), /correlation_id/],
  ['an AMQP timestamp unlike the envelope\'s', recordFor('itemCreated', () => {}, { timestamp: 1 }), /AMQP timestamp/],
  ['an unknown routing key', recordFor('itemCreated', () => {}, { routingKey: 'item.exploded.v1' }), /no channel documents/],
  ['a bid event on the item exchange', recordFor('bidPlaced', () => {}, { exchange: 'auction.item' }), /no channel documents/],
  ['a dead-lettered message without its reason', recordFor('bidPlacedDeadLetter', (b, h) => { delete h['x-error-reason']; }), /headers/],
  ['a dead-lettered message with no headers', recordFor('bidWonDeadLetter', () => {}, { headers: undefined }), /headers/],
  ['a body that is not JSON', recordFor('bidPlaced', () => {}, { body: '{not json' }), /not JSON/],
];
for (const [what, record, reason] of negatives) {
  const { problems } = checkRecord(contract, record);
  expect(problems.length > 0, `${what}: accepted, must be refused`);
  expect(problems.length === 0 || problems.some((p) => reason.test(p)),
    `${what}: refused for another reason than ${reason}: ${problems.join('; ')}`);
}

// 3. The command line: exit 0 for conforming events, 1 for one wrong event among good ones.
const dir = mkdtempSync(path.join(os.tmpdir(), 'asyncapi-selftest-'));
try {
  const run = (lines) => {
    const file = path.join(dir, 'events.jsonl');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    try {
      const out = execFileSync(process.execPath, [path.join(here, 'events.mjs'), file, '--doc', docFile],
        { encoding: 'utf8' });
      return { status: 0, out };
    } catch (e) {
      return { status: e.status, out: String(e.stdout) };
    }
  };
  const good = run(goodRecords);
  expect(good.status === 0, `events.mjs on conforming events exits ${good.status}:\n${good.out}`);
  expect(/all 13 events conform/.test(good.out), `events.mjs does not report 13 conforming events:\n${good.out}`);
  // One wrong body and one unknown routing key among the good events: both reported, exit 1.
  const unknownKey = negatives.find(([w]) => w === 'an unknown routing key')[1];
  const bad = run([...goodRecords, negatives[0][1], unknownKey]);
  expect(bad.status === 1, `events.mjs on wrong events exits ${bad.status}, must be 1:\n${bad.out}`);
  expect(/FAILED: 2 problems/.test(bad.out), `events.mjs does not report the two problems:\n${bad.out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// 4. The currency list of the document is the one domain/money.cpp accepts.
const moneySource = readFileSync(path.join(root, 'domain/money.cpp'), 'utf8');
const listStart = moneySource.indexOf('kCodes');
const codeCodes = [...moneySource.slice(listStart, moneySource.indexOf('});', listStart)).matchAll(/"([A-Z]{3})"/g)]
  .map((m) => m[1]);
const docCodes = contract.document.components().schemas().get('CurrencyCode').enum();
expect(codeCodes.length > 100, `could not read the currency list of domain/money.cpp (${codeCodes.length} codes)`);
expect(JSON.stringify([...docCodes].sort()) === JSON.stringify([...codeCodes].sort()),
  `CurrencyCode enum differs from domain/money.cpp: only in the document ` +
  `${docCodes.filter((c) => !codeCodes.includes(c))}, only in the code ${codeCodes.filter((c) => !docCodes.includes(c))}`);

console.log(`asyncapi self-test: ${passed} checks passed, ${failed} failed (${negatives.length} deliberately wrong events refused)`);
process.exit(failed === 0 ? 0 : 1);
