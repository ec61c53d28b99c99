import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CATALOG } from '../src/lib/catalog';

const root = join(__dirname, '..');

// What the engine does: load <package root>/src/index.js and take the export whose
// constructor is named Piece.
const LOADER = `
const piece = Object.values(require(process.argv[1])).find((v) => v && v.constructor && v.constructor.name === 'Piece');
if (!piece) { console.error('no Piece export'); process.exit(1); }
console.log(JSON.stringify({ triggers: Object.keys(piece.triggers()), actions: Object.keys(piece.actions()) }));
`;

test('the npm tarball loads the way the engine loads a piece and lists every trigger and action', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recruitiq-pack-'));
  try {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir]);
    const files = execFileSync('tar', ['-tzf', join(dir, tarball)], { encoding: 'utf8' }).split('\n');
    assert.ok(files.includes('package/src/index.js'));
    assert.ok(files.includes('package/src/generated/catalog.json'));
    assert.ok(!files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'TypeScript sources are not shipped');
    assert.ok(!files.some((f) => f.startsWith('package/test/') || f.includes('node_modules')));
    // Installed dependencies, as `npm install` would place them next to the package.
    symlinkSync(join(root, 'node_modules'), join(dir, 'package', 'node_modules'), 'dir');
    const listed = JSON.parse(execFileSync(process.execPath, ['-e', LOADER, join(dir, 'package', 'src', 'index.js')], { encoding: 'utf8' }));
    assert.equal(listed.triggers.length, CATALOG.length);
    assert.ok(listed.triggers.includes('application_received'));
    assert.deepEqual(listed.actions.sort(), [
      'add_candidate',
      'add_note_to_application',
      'create_job',
      'custom_api_call',
      'export_data',
      'find_candidate',
      'generate_report',
      'get_application',
      'reject_application',
      'schedule_interview',
      'search_candidates',
      'send_email_to_candidate',
      'set_application_score',
      'update_application_stage',
      'update_job_status',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
