// Event contract check: every event the integration tests saw (recorded in $AUCTION_CONTRACT_DIR/events.jsonl
// by tests/support/test_env.cpp RecordEvent, one JSON object per line) must be a message of docs/asyncapi.yaml:
// its routing key a channel address on that exchange, its body valid against that message's payload schema,
// its content type the documented one, with an AMQP message_id. Prints per-event counts and the documented
// messages no test produced. Exits 1 on any nonconforming or unknown event, or when there are no events.
//
// Usage: node tools/asyncapi/events.mjs [events.jsonl] [--doc docs/asyncapi.yaml]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContract, checkRecord } from './contract.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let docFile = path.join(here, '../../docs/asyncapi.yaml');
let eventsFile;
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === '--doc') {
    docFile = args[(i += 1)];
  } else {
    eventsFile = args[i];
  }
}
if (!eventsFile) {
  const dir = process.env.AUCTION_CONTRACT_DIR;
  if (!dir) {
    console.error('usage: events.mjs EVENTS.jsonl [--doc asyncapi.yaml]  (or set AUCTION_CONTRACT_DIR)');
    process.exit(2);
  }
  eventsFile = path.join(dir, 'events.jsonl');
}

const contract = await loadContract(path.resolve(docFile));
const lines = (await readFile(eventsFile, 'utf8')).split('\n').filter((l) => l.trim() !== '');

const seen = new Map();  // message key -> count
const failures = [];
const maxShown = 20;
lines.forEach((line, index) => {
  let record;
  try {
    record = JSON.parse(line);
  } catch (e) {
    failures.push(`${eventsFile}:${index + 1}: not a JSON record: ${e.message}`);
    return;
  }
  const { message, problems } = checkRecord(contract, record);
  if (message && problems.length === 0) {
    seen.set(message.key, (seen.get(message.key) ?? 0) + 1);
  }
  for (const p of problems) {
    const body = String(record.body ?? '').slice(0, 300);
    failures.push(`${eventsFile}:${index + 1}: ${record.exchange} ${record.routingKey} ` +
      `(message_id ${record.messageId || '-'}): ${p}\n    body: ${body}`);
  }
});

console.log(`asyncapi events: ${lines.length} recorded events checked against ${path.relative(process.cwd(), docFile)}`);
const documented = [...contract.allMessages.values()];
const width = Math.max(...documented.map((m) => `${m.exchange} ${m.address}`.length));
for (const m of documented) {
  const count = seen.get(m.key) ?? 0;
  console.log(`  ${`${m.exchange} ${m.address}`.padEnd(width)}  ${String(count).padStart(5)}  ${m.name}`);
}
const neverSeen = documented.filter((m) => !seen.has(m.key));
if (neverSeen.length > 0) {
  console.log(`asyncapi events: documented but never seen in the tests: ${neverSeen.map((m) => `${m.exchange} ${m.address} (${m.name})`).join(', ')}`);
}
if (failures.length > 0) {
  for (const f of failures.slice(0, maxShown)) {
    console.log(`FAIL ${f}`);
  }
  if (failures.length > maxShown) {
    console.log(`... and ${failures.length - maxShown} more`);
  }
  console.log(`asyncapi events: FAILED: ${failures.length} problems in ${lines.length} events`);
  process.exit(1);
}
if (lines.length === 0) {
  console.log(`asyncapi events: FAILED: ${eventsFile} holds no events (did the integration tests run with AUCTION_CONTRACT_DIR?)`);
  process.exit(1);
}
console.log(`asyncapi events: all ${lines.length} events conform`);
