// The contract check must be able to fail: deliberately wrong records against docs/openapi.json.
//   node --test contract.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { checkRecords } from './contract.mjs';

const spec = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
const ITEM = '0190f3a4-1b2c-7d3e-8f40-5a6b7c8d9e0f';
const CURSOR = 'AQGAZOM1bNQtKYMABg75E6zIAAGQsfJ8On1Oj1prfI2eDxA';
const item = {
  id: ITEM, name: 'Vintage Camera', description: '', sellerId: 'user-123', currencyCode: 'USD',
  startPrice: '100.00', currentPrice: '100.00', bidIncrement: '5.00', startDate: '2030-01-15T10:00:00Z',
  endDate: '2030-01-20T10:00:00Z', status: 'active', buyerId: null, categoryIds: [],
  createdAt: '2030-01-15T09:58:12.52Z', updatedAt: '2030-01-15T09:58:12.52Z',
};
const problem = (status, title, instance) => ({
  type: `https://httpstatuses.io/${status}`, title, status, detail: 'x', instance,
});
const record = (method, target, status, contentType, body, headers) => ({
  method, target, requestContentType: '', status, contentType, body: typeof body === 'string' ? body : JSON.stringify(body),
  ...(headers ? { headers } : {}),
});
const failuresOf = (...records) => checkRecords(spec, records).failures;

test('correct exchanges pass', () => {
  assert.deepEqual(failuresOf(
    record('GET', `/api/v1/items/${ITEM}`, 200, 'application/json', item),
    record('GET', '/api/v1/items?page=1&limit=1', 200, 'application/json', { items: [item], page: 1, limit: 1, total: 2, totalPages: 2, nextCursor: CURSOR }),
    record('GET', '/api/v1/items?page=2&limit=1', 200, 'application/json', { items: [item], page: 2, limit: 1, total: 2, totalPages: 2, nextCursor: null }),
    record('GET', `/api/v1/items?limit=1&cursor=${CURSOR}`, 200, 'application/json', { items: [item], limit: 1, nextCursor: null }),
    record('DELETE', `/api/v1/items/${ITEM}`, 204, '', ''),
    record('GET', `/api/v1/items/${ITEM}`, 404, 'application/problem+json', problem(404, 'Not Found', `/api/v1/items/${ITEM}`)),
    record('GET', '/nope', 404, 'application/problem+json', problem(404, 'Not Found', '/nope')),
    record('PATCH', '/api/v1/items', 405, 'application/problem+json', problem(405, 'Method Not Allowed', '/api/v1/items')),
  ), []);
});

test('an undocumented status fails', () => {
  const [f] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 418, 'application/problem+json', problem(418, 'x', '/')));
  assert.match(f.errors[0], /status 418 is not documented/);
});

test('a different content type fails', () => {
  const [f] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 200, 'text/plain', item));
  assert.match(f.errors[0], /content type "text\/plain" is not documented/);
  const [g] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 200, 'application/json; charset=latin1', item));
  assert.match(g.errors[0], /is not documented/);
});

test('a body missing a required field, with an extra one, or of a wrong type fails', () => {
  const { buyerId, ...withoutBuyer } = item;
  void buyerId;
  const [missing] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 200, 'application/json', withoutBuyer));
  assert.match(missing.errors[0], /must have required property 'buyerId'/);
  const [extra] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 200, 'application/json', { ...item, price: 1 }));
  assert.match(extra.errors[0], /must NOT have additional properties \(price\)/);
  const [number] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 200, 'application/json', { ...item, startPrice: 100 }));
  assert.match(number.errors[0], /\/startPrice must be string/);
  const [format] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 200, 'application/json', { ...item, createdAt: 'yesterday' }));
  assert.match(format.errors[0], /\/createdAt must match format "date-time"/);
});

test('a list answer without nextCursor, or mixing page and cursor mode, fails', () => {
  const [missing] = failuresOf(record('GET', '/api/v1/items', 200, 'application/json', { items: [item], page: 1, limit: 1, total: 2, totalPages: 2 }));
  assert.match(missing.errors[0], /must have required property 'nextCursor'/);
  const [mixed] = failuresOf(record('GET', `/api/v1/items?cursor=${CURSOR}`, 200, 'application/json', { items: [item], limit: 1, total: 2, nextCursor: null }));
  assert.match(mixed.errors[0], /must have properties page, totalPages when property total is present/);
});

test('a problem with the wrong status or a body on a 204 fails', () => {
  const [wrong] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 404, 'application/problem+json', problem(400, 'Bad Request', '/')));
  assert.match(wrong.errors[0], /\/status must be equal to constant/);
  const [body] = failuresOf(record('DELETE', `/api/v1/items/${ITEM}`, 204, 'application/json', '{}'));
  assert.match(body.errors[0], /documented without a body/);
});

test('the router answers must be 404/405 problems', () => {
  const [unknown] = failuresOf(record('GET', '/api/v2/items', 200, 'application/json', {}));
  assert.match(unknown.errors[0], /router must answer 404/);
  const [method] = failuresOf(record('PATCH', '/api/v1/items', 200, 'application/json', item));
  assert.match(method.errors[0], /router must answer 405/);
});

test('conditional requests: ETag on item answers, 304 without a body, 412 with the current ETag', () => {
  const etag = { etag: '"v7"', 'x-trace-id': 't' };
  assert.deepEqual(failuresOf(
    record('GET', `/api/v1/items/${ITEM}`, 200, 'application/json', item, etag),
    record('POST', '/api/v1/items', 201, 'application/json', item, { ...etag, location: `/api/v1/items/${ITEM}` }),
    record('GET', `/api/v1/items/${ITEM}`, 304, '', '', etag),
    record('PUT', `/api/v1/items/${ITEM}`, 412, 'application/problem+json', problem(412, 'Precondition Failed', `/api/v1/items/${ITEM}`), etag),
    record('DELETE', `/api/v1/items/${ITEM}`, 412, 'application/problem+json', problem(412, 'Precondition Failed', `/api/v1/items/${ITEM}`), etag),
    record('DELETE', `/api/v1/items/${ITEM}`, 204, '', '', {}),
  ), []);
});

test('a missing required header or a header against its schema fails', () => {
  const [missing] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 200, 'application/json', item, { 'x-trace-id': 't' }));
  assert.match(missing.errors[0], /required header ETag is missing/);
  const [weak] = failuresOf(record('PUT', `/api/v1/items/${ITEM}`, 200, 'application/json', item, { ETag: 'W/"v7"' }));
  assert.match(weak.errors[0], /header ETag: .* must match pattern/);
  const [notModified] = failuresOf(record('GET', `/api/v1/items/${ITEM}`, 304, '', '', {}));
  assert.match(notModified.errors[0], /required header ETag is missing/);
  const [location] = failuresOf(record('POST', '/api/v1/items', 201, 'application/json', item, { etag: '"v1"', location: 'not a uri ref' }));
  assert.match(location.errors[0], /header Location/);
});

test('unexercised operations are reported', () => {
  const { unexercised, operations } = checkRecords(spec, [record('GET', '/healthz', 200, 'application/json', { status: 'ok' })]);
  assert.equal(unexercised.length, operations.length - 1);
  assert.ok(unexercised.includes('POST /api/v1/items'));
  assert.ok(!unexercised.includes('GET /healthz'));
});
