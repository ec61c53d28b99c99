// The workflow templates in templates/ must import into ActivePieces and run against the
// piece as built: checked with the real zod schemas from @activepieces/shared and against
// the piece's own triggers, actions and props.
const test = require('node:test');
const assert = require('node:assert/strict');
const { readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { FlowVersionTemplate, ImportFlowRequest, FlowAction } = require('@activepieces/shared');

const TEMPLATES_DIR = join(__dirname, '..', 'templates');
const STEP_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Third-party actions the templates use, checked against the npm packages of these versions.
const THIRD_PARTY = {
  '@activepieces/piece-openai': { ask_chatgpt: ['model', 'prompt', 'temperature', 'maxTokens', 'topP', 'frequencyPenalty', 'presencePenalty', 'memoryKey', 'roles'] },
  '@activepieces/piece-slack': { send_channel_message: ['info', 'channel', 'text', 'sendAsBot', 'threadTs', 'username', 'profilePicture', 'iconEmoji', 'file', 'replyBroadcast'] },
};

function loadPiece() {
  const exports = require(join(__dirname, '..', 'src', 'index.js'));
  const piece = Object.values(exports).find((value) => value && value.constructor && value.constructor.name === 'Piece');
  assert.ok(piece, 'the built piece exports a Piece');
  return piece;
}

function templateFiles() {
  return readdirSync(TEMPLATES_DIR).filter((file) => file.endsWith('.json')).sort();
}

/** Every step of a flow with the names of the steps that ran before it. */
function* walk(step, before = ['trigger']) {
  let current = step;
  let seen = [...before];
  while (current) {
    yield { step: current, before: seen };
    seen = [...seen, current.name];
    if (current.type === 'ROUTER') {
      for (const child of current.children ?? []) if (child) yield* walk(child, seen);
    }
    if (current.type === 'LOOP_ON_ITEMS' && current.firstLoopAction) yield* walk(current.firstLoopAction, seen);
    current = current.nextAction;
  }
}

function references(value) {
  const found = [];
  const text = JSON.stringify(value);
  for (const match of text.matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)/g)) found.push(match[1]);
  return found.filter((name) => name !== 'connections');
}

test('templates are up to date with their definitions', async () => {
  const { renderAll } = await import(pathToFileURL(join(TEMPLATES_DIR, 'build.mjs')).href);
  const rendered = renderAll();
  assert.deepEqual(rendered.map((t) => t.file).sort(), templateFiles());
  for (const { file, text } of rendered) {
    assert.equal(readFileSync(join(TEMPLATES_DIR, file), 'utf8'), text, `${file} is stale: run npm run templates`);
  }
});

for (const file of templateFiles()) {
  test(`template ${file} imports and matches the piece`, () => {
    const template = JSON.parse(readFileSync(join(TEMPLATES_DIR, file), 'utf8'));
    assert.equal(typeof template.name, 'string');
    assert.ok(template.description.length > 20, 'a template says what it does');
    assert.ok(Array.isArray(template.flows) && template.flows.length > 0);
    const piece = loadPiece();

    for (const flow of template.flows) {
      const asTemplate = FlowVersionTemplate.safeParse(flow);
      assert.ok(asTemplate.success, `${file}: ${JSON.stringify(asTemplate.error?.issues?.slice(0, 3))}`);
      const asImport = ImportFlowRequest.safeParse({
        displayName: flow.displayName, trigger: flow.trigger, schemaVersion: flow.schemaVersion, notes: flow.notes,
      });
      assert.ok(asImport.success, `${file}: ${JSON.stringify(asImport.error?.issues?.slice(0, 3))}`);

      const trigger = piece.getTrigger(flow.trigger.settings.triggerName);
      assert.ok(trigger, `${file}: the piece has trigger ${flow.trigger.settings.triggerName}`);
      for (const key of Object.keys(flow.trigger.settings.input)) {
        if (key !== 'auth') assert.ok(key in trigger.props, `${file}: trigger prop ${key} exists`);
      }

      const names = new Set(['trigger']);
      for (const { step, before } of walk(flow.trigger.nextAction)) {
        // nextAction is loosely typed in the template schema, so each step is checked here.
        const parsed = FlowAction.safeParse(step);
        assert.ok(parsed.success, `${file} step ${step.name}: ${JSON.stringify(parsed.error?.issues?.slice(0, 3))}`);
        assert.match(step.name, STEP_NAME);
        assert.ok(!names.has(step.name), `${file}: step name ${step.name} is unique`);
        names.add(step.name);
        for (const ref of references(step.settings.input ?? {})) {
          assert.ok(before.includes(ref), `${file} step ${step.name} reads ${ref}, which has not run yet`);
        }
        if (step.type !== 'PIECE') continue;
        const { pieceName, actionName, input } = step.settings;
        const props = pieceName === '@recruitiq/activepieces-piece'
          ? piece.getAction(actionName)?.props
          : Object.fromEntries((THIRD_PARTY[pieceName]?.[actionName] ?? []).map((p) => [p, true]));
        assert.ok(props && Object.keys(props).length, `${file}: ${pieceName} has action ${actionName}`);
        for (const key of Object.keys(input)) {
          if (key !== 'auth') assert.ok(key in props, `${file} step ${step.name}: ${actionName} has prop ${key}`);
        }
        assert.match(input.auth, /^\{\{connections\['[a-z-]+'\]\}\}$/);
      }
    }
  });
}
