// Builds the importable workflow templates (templates/*.json) from the definitions in
// definitions.mjs. Run `npm run templates`; a test fails when the JSON is out of date.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATES } from './definitions.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export function renderAll() {
  return TEMPLATES.map((template) => ({
    file: `${template.slug}.json`,
    text: `${JSON.stringify(template.document, null, 2)}\n`,
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { file, text } of renderAll()) {
    writeFileSync(join(here, file), text);
    console.log(`wrote templates/${file}`);
  }
}
