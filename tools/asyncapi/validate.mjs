// Validates docs/asyncapi.yaml with @asyncapi/parser: the AsyncAPI 3.0 JSON Schema, reference resolution and
// the parser's Spectral ruleset (the same rules `asyncapi validate` applies). Every diagnostic is printed;
// errors fail, and so do warnings unless --allow-warnings is given, so the document stays clean. The parser
// does not check message examples against their payload schemas, so this script does (with Ajv, as
// events.mjs checks real events): an example that contradicts its schema misleads every reader.
//
// Usage: node tools/asyncapi/validate.mjs [path/to/asyncapi.yaml] [--allow-warnings]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import { loadContract, checkExamples } from './contract.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const allowWarnings = args.includes('--allow-warnings');
const file = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(here, '../../docs/asyncapi.yaml'));

const severityName = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
  [DiagnosticSeverity.Hint]: 'hint',
};

const parser = new Parser();
const text = await readFile(file, 'utf8');
const { document, diagnostics } = await parser.parse(text, { source: file });

const counts = { error: 0, warning: 0, info: 0, hint: 0 };
for (const d of diagnostics) {
  const severity = severityName[d.severity] ?? 'error';
  counts[severity] += 1;
  const line = d.range ? `${d.range.start.line + 1}:${d.range.start.character + 1}` : '?';
  const where = d.path && d.path.length ? ` at ${d.path.join('.')}` : '';
  console.log(`${path.relative(process.cwd(), file)}:${line} ${severity} ${d.code}: ${d.message}${where}`);
}
const summary = `${diagnostics.length} diagnostics (${counts.error} errors, ${counts.warning} warnings, ` +
  `${counts.info} infos, ${counts.hint} hints)`;
if (!document || counts.error > 0 || (!allowWarnings && counts.warning > 0)) {
  console.log(`asyncapi: INVALID ${file}: ${summary}`);
  process.exit(1);
}
const examples = checkExamples(await loadContract(file));
for (const p of examples.problems) {
  console.log(`${path.relative(process.cwd(), file)}: error example-does-not-match-payload: ${p}`);
}
if (examples.problems.length > 0) {
  console.log(`asyncapi: INVALID ${file}: ${examples.problems.length} of ${examples.checked} message examples ` +
    `contradict their payload schema; ${summary}`);
  process.exit(1);
}
const version = document.version();
const channels = document.channels().length;
const operations = document.operations().length;
const messages = document.components().messages().length;
console.log(`asyncapi: ${file} is valid AsyncAPI ${version}: ${channels} channels, ${operations} operations, ` +
  `${messages} component messages, ${examples.checked} examples match their schemas; ${summary}`);
