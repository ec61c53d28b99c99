#!/usr/bin/env node
// Writes src/generated/catalog.json from the Python event catalog, the single source of the
// triggers. The file is committed so that an npm-only build needs no Python; `--check` fails
// when it is out of date (the test suite runs that).
//
// The interpreter is $RECRUITIQ_PYTHON (the repository's venv python) or `python3`.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'src', 'generated', 'catalog.json');
// webhook.test only exists to ping a subscription; no flow should start from it. The operator
// notices about failing endpoints are not triggers yet: the end-to-end test would have to make
// an endpoint fail ten times to cause one (subscribe to them in RecruitIQ directly).
const EXCLUDED = new Set(['webhook.test', 'webhook.endpoint_failing', 'webhook.endpoint_disabled']);

function pythonCatalog() {
  const python = process.env.RECRUITIQ_PYTHON || 'python3';
  const result = spawnSync(python, ['-m', 'recruitiq.events.catalog'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONWARNINGS: 'ignore' },
  });
  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : result.stderr.trim();
    throw new Error(`${python} -m recruitiq.events.catalog failed: ${reason}\nSet RECRUITIQ_PYTHON to the python that has recruitiq installed.`);
  }
  return JSON.parse(result.stdout);
}

export function renderCatalog(document) {
  const eventTypes = document.eventTypes
    .filter((entry) => !EXCLUDED.has(entry.type))
    .map(({ type, description, sample }) => ({ type, description, sample }));
  return `${JSON.stringify({ eventTypes }, null, 2)}\n`;
}

function main() {
  const rendered = renderCatalog(pythonCatalog());
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== rendered) {
      console.error('src/generated/catalog.json is out of date with the Python event catalog; run `npm run catalog` and commit it.');
      process.exit(1);
    }
    console.log('src/generated/catalog.json is up to date');
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, rendered);
  const count = JSON.parse(rendered).eventTypes.length;
  console.log(`wrote ${count} event types to src/generated/catalog.json`);
}

main();
