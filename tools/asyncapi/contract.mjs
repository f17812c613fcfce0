// The event contract of docs/asyncapi.yaml as code: which message a (exchange, routing key) pair is, and
// whether a received event conforms to it. Shared by events.mjs (the recorded events of the integration
// tests), validate.mjs (the document's own examples) and events.selftest.mjs.
//
// Payload schemas are AsyncAPI Schema objects, a superset of JSON Schema draft-07: they are compiled with
// Ajv's draft-07 validator (plus ajv-formats for date-time, uuid and uri), in strict mode, so a keyword the
// validator would silently ignore is an error instead.
import { readFile } from 'node:fs/promises';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A channel address as a matcher for a routing key: `{param}` stands for one dot-free word.
function addressMatcher(address) {
  const parts = address.split(/(\{[^}]+\})/);
  const source = parts.map((p) => (/^\{[^}]+\}$/.test(p) ? '[^.]+' : escapeRegExp(p))).join('');
  return new RegExp(`^${source}$`);
}

function bindingValue(bindings, protocol) {
  const b = bindings.get(protocol);
  return b ? b.value() : undefined;
}

function newAjv() {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  // Added by @asyncapi/parser to every schema it dereferences; not a validation keyword.
  ajv.addKeyword('x-parser-schema-id');
  return ajv;
}

// A payload schema that constrains nothing (only annotations): the body is opaque bytes, e.g. a
// dead-lettered message that may not even be JSON, so it is not parsed.
function isOpaque(schema) {
  const annotations = new Set(['description', 'title', 'examples', '$comment']);
  return Object.keys(schema).every((k) => annotations.has(k) || k.startsWith('x-'));
}

function describeErrors(errors) {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}` +
    (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '')).join('; ');
}

/// Parses the document (failing on any error diagnostic) and compiles one validator per message.
export async function loadContract(file) {
  const text = await readFile(file, 'utf8');
  const { document, diagnostics } = await new Parser().parse(text, { source: file });
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  if (!document || errors.length > 0) {
    throw new Error(`${file} does not parse: ${errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
  }
  const ajv = newAjv();
  const defaultContentType = document.defaultContentType();
  const routes = [];  // {exchange, matcher, channelId, address, messages: [...]}
  const allMessages = new Map();  // "channelId/messageId" -> message entry
  for (const channel of document.channels().all()) {
    const amqp = bindingValue(channel.bindings(), 'amqp');
    if (!amqp || (amqp.is ?? 'routingKey') !== 'routingKey' || !amqp.exchange?.name) {
      continue;  // queues: nothing is published to them by routing key
    }
    // What the channel's operations promise about every message (e.g. deliveryMode 2, timestamp set).
    const operationBindings = channel.operations().all()
      .map((o) => bindingValue(o.bindings(), 'amqp') ?? {});
    const messages = channel.messages().all().map((m) => {
      const amqpMessage = bindingValue(m.bindings(), 'amqp') ?? {};
      const properties = m.extensions().get('x-amqp-properties')?.value() ?? {};
      const entry = {
        key: `${channel.id()}/${m.id()}`,
        channelId: channel.id(),
        messageId: m.id(),
        name: m.name() ?? m.id(),
        exchange: amqp.exchange.name,
        address: channel.address(),
        contentType: m.contentType() ?? defaultContentType,
        messageType: amqpMessage.messageType,
        deliveryMode: operationBindings.find((b) => b.deliveryMode !== undefined)?.deliveryMode,
        timestamp: operationBindings.some((b) => b.timestamp === true),
        properties,
        opaqueBody: isOpaque(m.payload()?.json() ?? {}),
        validate: ajv.compile(m.payload()?.json() ?? {}),
        validateHeaders: m.hasHeaders() ? ajv.compile(m.headers().json()) : null,
        examples: m.examples().all().map((e) => ({ name: e.name(), payload: e.payload(), headers: e.headers() })),
      };
      allMessages.set(entry.key, entry);
      return entry;
    });
    routes.push({
      exchange: amqp.exchange.name,
      matcher: addressMatcher(channel.address()),
      channelId: channel.id(),
      address: channel.address(),
      messages,
    });
  }
  return { document, routes, allMessages };
}

/// The channel(s) a routing key on an exchange belongs to.
export function routeFor(contract, exchange, routingKey) {
  return contract.routes.filter((r) => r.exchange === exchange && r.matcher.test(routingKey));
}

/// Checks one recorded event ({exchange, routingKey, messageId, contentType, body, and optionally type,
/// appId, correlationId, deliveryMode, timestamp, headers}). Returns {message, problems}: the matched message entry
/// (or null) and what is wrong (empty when the event conforms).
export function checkRecord(contract, record) {
  const problems = [];
  const routes = routeFor(contract, record.exchange, record.routingKey);
  if (routes.length === 0) {
    return { message: null, problems: [`no channel documents routing key "${record.routingKey}" on exchange "${record.exchange}"`] };
  }
  if (routes.length > 1) {
    return { message: null, problems: [`routing key "${record.routingKey}" on "${record.exchange}" matches several channels: ${routes.map((r) => r.channelId).join(', ')}`] };
  }
  const route = routes[0];
  let body;
  if (!route.messages.every((m) => m.opaqueBody)) {
    try {
      body = JSON.parse(record.body);
    } catch (e) {
      return { message: route.messages[0] ?? null, problems: [`body is not JSON: ${e.message}`] };
    }
  }
  // A channel may carry several messages: the event is the one whose payload schema it satisfies.
  let message = null;
  const schemaProblems = [];
  for (const m of route.messages) {
    if (m.opaqueBody || m.validate(body)) {
      message = m;
      break;
    }
    schemaProblems.push(`${m.name}: ${describeErrors(m.validate.errors)}`);
  }
  if (!message) {
    problems.push(`body does not match the payload schema of channel ${route.channelId} (${schemaProblems.join(' | ')})`);
    message = route.messages[0] ?? null;
  }
  if (!message) {
    return { message, problems };
  }
  if (message.validateHeaders && !message.validateHeaders(record.headers ?? {})) {
    problems.push(`AMQP headers do not match the documented headers: ${describeErrors(message.validateHeaders.errors)}`);
  }
  if (record.contentType !== message.contentType) {
    problems.push(`content type "${record.contentType}", documented "${message.contentType}"`);
  }
  if (typeof record.messageId !== 'string' || record.messageId === '') {
    problems.push('no AMQP message_id');
  }
  // The AMQP properties below are checked when the recorder captured them.
  if (record.type !== undefined && message.messageType !== undefined && record.type !== message.messageType) {
    problems.push(`AMQP type "${record.type}", documented "${message.messageType}"`);
  }
  if (record.deliveryMode !== undefined && message.deliveryMode !== undefined &&
      record.deliveryMode !== message.deliveryMode) {
    problems.push(`AMQP delivery_mode ${record.deliveryMode}, documented ${message.deliveryMode}`);
  }
  if (record.appId !== undefined && message.properties.app_id !== undefined && !record.appId) {
    problems.push('no AMQP app_id');
  }
  if (record.correlationId !== undefined && message.properties.correlation_id !== undefined &&
      body && typeof body === 'object' && record.correlationId !== body.correlationId) {
    problems.push(`AMQP correlation_id "${record.correlationId}" differs from the envelope's "${body.correlationId}"`);
  }
  if (record.timestamp !== undefined && message.timestamp && body && typeof body.timestamp === 'string') {
    const expected = Math.floor(Date.parse(body.timestamp) / 1000);
    if (record.timestamp !== expected) {
      problems.push(`AMQP timestamp ${record.timestamp}, the envelope's timestamp is ${expected}`);
    }
  }
  return { message, problems };
}

/// Every message example that does not satisfy its own message's payload schema.
export function checkExamples(contract) {
  const problems = [];
  let checked = 0;
  for (const m of contract.allMessages.values()) {
    for (const example of m.examples) {
      if (example.payload === undefined) {
        continue;
      }
      checked += 1;
      if (!m.validate(example.payload)) {
        problems.push(`${m.key} example "${example.name}": ${describeErrors(m.validate.errors)}`);
      }
      if (m.validateHeaders && !m.validateHeaders(example.headers ?? {})) {
        problems.push(`${m.key} example "${example.name}" headers: ${describeErrors(m.validateHeaders.errors)}`);
      }
    }
  }
  return { checked, problems };
}
