// Contract check: holds recorded HTTP exchanges against docs/openapi.json.
//
//   node contract.mjs [--spec ../../docs/openapi.json] <AUCTION_CONTRACT_DIR or a http.jsonl file>
//
// The integration tests append one JSON line per exchange to $AUCTION_CONTRACT_DIR/http.jsonl
// ({method, target, requestContentType, status, contentType, headers, body}; tests/support/test_env.cpp). Each
// record is matched to its operation (path template + method) and fails when its status is not documented for that
// operation, when its Content-Type is not the documented one, when its body does not validate against the
// documented schema (JSON Schema 2020-12, as OpenAPI 3.1 uses), when a response header the document marks
// `required` is missing, or when a documented header's value does not validate against its schema. Requests no operation takes must be the
// router's problem answers: 404 for an unknown path, 405 for a method the path does not take.
// Prints records per operation and the operations never exercised; exits 1 on any failure.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const COMPONENTS_ID = 'https://auction.invalid/openapi/components.json';
const SCHEMA_PREFIX = '#/components/schemas/';

// "Type/Sub; A=b" -> {essence: "type/sub", params: "a=b"}: parameter names and values compared as sent,
// except that names and the essence are case-insensitive (RFC 9110).
export function parseMediaType(text) {
  const [essence, ...rest] = String(text ?? '').split(';');
  const params = rest
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? p.toLowerCase() : `${p.slice(0, eq).trim().toLowerCase()}=${p.slice(eq + 1).trim()}`;
    })
    .sort();
  return { essence: essence.trim().toLowerCase(), params: params.join('; ') };
}

function sameMediaType(a, b) {
  const x = parseMediaType(a);
  const y = parseMediaType(b);
  return x.essence === y.essence && x.params === y.params;
}

function isJsonMediaType(type) {
  const { essence } = parseMediaType(type);
  return essence === 'application/json' || essence.endsWith('+json');
}

// Schema refs ("#/components/schemas/X") point into the document; the validator holds the component schemas
// as the $defs of one schema resource of their own, so refs are rewritten to point there.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] =
        k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_PREFIX)
          ? `${COMPONENTS_ID}#/$defs/${v.slice(SCHEMA_PREFIX.length)}`
          : rewriteRefs(v);
    }
    return out;
  }
  return node;
}

function resolve(spec, node) {
  let current = node;
  for (let hops = 0; current && current.$ref; hops += 1) {
    if (hops > 10 || !current.$ref.startsWith('#/')) throw new Error(`cannot resolve ${current.$ref}`);
    current = current.$ref
      .slice(2)
      .split('/')
      .reduce((o, key) => o?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return current;
}

function templateRegex(template) {
  const pattern = template
    .split('/')
    .map((seg) => (/^\{[^}]+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`);
}

/** A checker for one OpenAPI document: check(record) -> {key, errors}. */
export function createChecker(spec) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, validateFormats: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'example', schemaType: ['object', 'array', 'string', 'number', 'boolean', 'null'] });
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(spec.components?.schemas ?? {}) });
  const compiled = new Map();
  const validatorFor = (schema) => {
    if (!compiled.has(schema)) compiled.set(schema, ajv.compile(rewriteRefs(schema)));
    return compiled.get(schema);
  };
  // Templates with more literal segments first, so /docs/{asset} never shadows a literal path.
  const templates = Object.keys(spec.paths ?? {})
    .map((template) => ({
      template,
      regex: templateRegex(template),
      literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
    }))
    .sort((a, b) => b.literals - a.literals);
  const problemSchema = spec.components?.schemas?.Problem ? { $ref: '#/components/schemas/Problem' } : null;

  const operations = [];
  for (const { template } of templates) {
    for (const method of METHODS) {
      if (spec.paths[template][method]) operations.push(`${method.toUpperCase()} ${template}`);
    }
  }

  function checkBody(record, mediaKey, schema, errors) {
    if (!isJsonMediaType(mediaKey)) {
      // Text is validated as a string; binary bodies (images) are recorded lossily, only their type counts.
      if (parseMediaType(mediaKey).essence.startsWith('text/') && schema) {
        const validate = validatorFor(schema);
        if (!validate(record.body)) errors.push(`body: ${ajv.errorsText(validate.errors)}`);
      }
      return;
    }
    let body;
    try {
      body = JSON.parse(record.body);
    } catch (e) {
      errors.push(`body is not JSON (${e.message}): ${String(record.body).slice(0, 200)}`);
      return;
    }
    if (!schema) return;
    const validate = validatorFor(schema);
    if (!validate(body)) {
      const details = validate.errors.map((e) => {
        const extra = e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : '';
        return `${e.instancePath || '/'} ${e.message}${extra}`;
      });
      errors.push(`body does not match the schema: ${details.join('; ')}`);
    }
  }

  // Response headers (names case-insensitive); records without `headers` (older recordings) are not checked.
  function checkHeaders(record, response, errors) {
    if (!record.headers || typeof record.headers !== 'object') return;
    const sent = new Map(Object.entries(record.headers).map(([name, value]) => [name.toLowerCase(), value]));
    for (const [name, documented] of Object.entries(response.headers ?? {})) {
      if (name.toLowerCase() === 'content-type') continue; // OpenAPI ignores it among the headers
      const header = resolve(spec, documented);
      const value = sent.get(name.toLowerCase());
      if (value === undefined) {
        if (header.required) errors.push(`required header ${name} is missing`);
        continue;
      }
      if (header.schema) {
        const validate = validatorFor(header.schema);
        if (!validate(value)) errors.push(`header ${name}: ${JSON.stringify(value)} ${ajv.errorsText(validate.errors, { dataVar: 'value' })}`);
      }
    }
  }

  function checkRouterProblem(record, expected, errors) {
    if (record.status !== expected) {
      errors.push(`no operation takes this request, so the router must answer ${expected}; got ${record.status}`);
      return;
    }
    if (!sameMediaType(record.contentType, 'application/problem+json')) {
      errors.push(`content type ${JSON.stringify(record.contentType)}, documented application/problem+json`);
      return;
    }
    checkBody(record, 'application/problem+json', problemSchema, errors);
  }

  function check(record) {
    const errors = [];
    const method = String(record.method ?? '').toLowerCase();
    const target = String(record.target ?? '');
    const pathname = target.split('?')[0].split('#')[0];
    const match = templates.find((t) => t.regex.test(pathname));
    if (!match) {
      checkRouterProblem(record, 404, errors);
      return { key: '(router) unknown path -> 404', errors };
    }
    const operation = spec.paths[match.template][method];
    if (!operation) {
      checkRouterProblem(record, 405, errors);
      return { key: `(router) ${method.toUpperCase()} ${match.template} -> 405`, errors };
    }
    const key = `${method.toUpperCase()} ${match.template}`;
    const responses = operation.responses ?? {};
    const status = String(record.status);
    const documented =
      responses[status] ?? responses[`${status[0]}XX`] ?? responses[`${status[0]}xx`] ?? responses.default;
    if (!documented) {
      errors.push(`status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`);
      return { key, errors };
    }
    const response = resolve(spec, documented);
    checkHeaders(record, response, errors);
    const content = response.content ?? {};
    const mediaKeys = Object.keys(content);
    if (mediaKeys.length === 0) {
      if (record.body) errors.push(`status ${status} is documented without a body, got ${record.body.length} bytes`);
      return { key, errors };
    }
    const mediaKey = mediaKeys.find((k) => sameMediaType(k, record.contentType));
    if (!mediaKey) {
      const type = JSON.stringify(record.contentType);
      errors.push(`content type ${type} is not documented for ${status} (documented: ${mediaKeys.join(', ')})`);
      return { key, errors };
    }
    checkBody(record, mediaKey, content[mediaKey].schema, errors);
    return { key, errors };
  }

  return { check, operations };
}

export function readRecords(source) {
  const file = statSync(source).isDirectory() ? path.join(source, 'http.jsonl') : source;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      try {
        return JSON.parse(line);
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not JSON (${e.message})`);
      }
    });
}

/** Checks every record; returns {failures, byOperation, unexercised}. */
export function checkRecords(spec, records) {
  const { check, operations } = createChecker(spec);
  const byOperation = new Map();
  const failures = [];
  for (const record of records) {
    const { key, errors } = check(record);
    const entry = byOperation.get(key) ?? { count: 0, statuses: {} };
    entry.count += 1;
    entry.statuses[record.status] = (entry.statuses[record.status] ?? 0) + 1;
    byOperation.set(key, entry);
    if (errors.length) failures.push({ record, key, errors });
  }
  const unexercised = operations.filter((op) => !byOperation.has(op));
  return { failures, byOperation, unexercised, operations };
}

function main(argv) {
  let specPath = path.join(HERE, '..', '..', 'docs', 'openapi.json');
  const args = [...argv];
  const at = args.indexOf('--spec');
  if (at >= 0) {
    specPath = args[at + 1];
    args.splice(at, 2);
  }
  const source = args[0] ?? process.env.AUCTION_CONTRACT_DIR;
  if (!source) {
    console.error('usage: node contract.mjs [--spec openapi.json] <AUCTION_CONTRACT_DIR | http.jsonl>');
    return 2;
  }
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  const records = readRecords(source);
  if (records.length === 0) {
    console.error(`contract: no HTTP records in ${source}`);
    return 1;
  }
  const { failures, byOperation, unexercised, operations } = checkRecords(spec, records);
  console.log(`contract: ${records.length} HTTP exchanges against ${path.relative(process.cwd(), specPath)}`);
  const keys = [...byOperation.keys()].sort();
  for (const key of keys) {
    const { count, statuses } = byOperation.get(key);
    const by = Object.entries(statuses).map(([s, n]) => `${s}x${n}`).join(' ');
    console.log(`  ${String(count).padStart(5)}  ${key.padEnd(58)} ${by}`);
  }
  const exercised = operations.length - unexercised.length;
  console.log(`contract: ${exercised}/${operations.length} operations exercised`);
  for (const op of unexercised) console.log(`  never exercised: ${op}`);
  if (failures.length) {
    console.log(`contract: FAILED, ${failures.length} of ${records.length} exchanges break the document:`);
    for (const { record, key, errors } of failures.slice(0, 50)) {
      const type = record.contentType || '(no type)';
      console.log(`  ${record.method} ${record.target} -> ${record.status} ${type} [${key}]`);
      for (const e of errors) console.log(`      ${e}`);
    }
    if (failures.length > 50) console.log(`  ... and ${failures.length - 50} more`);
    return 1;
  }
  console.log('contract: OK, every exchange matches the document');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
