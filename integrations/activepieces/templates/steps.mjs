// Helpers that build flow steps in the shape ActivePieces imports (FlowVersionTemplate).
// Steps are declared as a list and chained here, so no template hand-writes `nextAction`.

export const RECRUITIQ = { pieceName: '@recruitiq/activepieces-piece', pieceVersion: '~0.1.0' };
export const OPENAI = { pieceName: '@activepieces/piece-openai', pieceVersion: '~0.3.18' };
export const SLACK = { pieceName: '@activepieces/piece-slack', pieceVersion: '~0.17.9' };

// Connections are referenced by external id; the importer asks the user to pick or create one.
export const connection = (externalId) => `{{connections['${externalId}']}}`;
const CONNECTIONS = {
  [RECRUITIQ.pieceName]: 'recruitiq',
  [OPENAI.pieceName]: 'openai',
  [SLACK.pieceName]: 'slack',
};

const STAMP = '2026-11-29T00:00:00.000Z';
const manual = (input) =>
  Object.fromEntries(Object.keys(input).map((key) => [key, { type: 'MANUAL', schema: undefined }]));

export function trigger(triggerName, displayName, input = {}) {
  const fullInput = { auth: connection(CONNECTIONS[RECRUITIQ.pieceName]), ...input };
  return {
    name: 'trigger',
    type: 'PIECE_TRIGGER',
    valid: true,
    displayName,
    lastUpdatedDate: STAMP,
    settings: {
      ...RECRUITIQ,
      triggerName,
      input: fullInput,
      propertySettings: manual(fullInput),
    },
  };
}

export function action(piece, name, actionName, displayName, input) {
  const fullInput = { auth: connection(CONNECTIONS[piece.pieceName]), ...input };
  return {
    name,
    type: 'PIECE',
    valid: true,
    displayName,
    lastUpdatedDate: STAMP,
    settings: {
      ...piece,
      actionName,
      input: fullInput,
      propertySettings: manual(fullInput),
      errorHandlingOptions: { continueOnFailure: { value: false }, retryOnFailure: { value: true } },
    },
  };
}

/** A bodiless call to any RecruitIQ endpoint through the piece's custom API call action. */
export function apiCall(name, displayName, method, path, { failsafe }) {
  return action(RECRUITIQ, name, 'custom_api_call', displayName, {
    url: { url: path },
    method,
    headers: {},
    queryParams: {},
    body_type: 'none',
    body: {},
    failsafe,
  });
}

export function code(name, displayName, input, source) {
  return {
    name,
    type: 'CODE',
    valid: true,
    displayName,
    lastUpdatedDate: STAMP,
    settings: {
      input,
      sourceCode: { packageJson: '{}', code: source },
      errorHandlingOptions: { continueOnFailure: { value: false }, retryOnFailure: { value: false } },
    },
  };
}

/** branches: [{ name, when: [[condition, ...AND], ...OR] | 'fallback', steps: [...] }] */
export function router(name, displayName, branches) {
  return {
    name,
    type: 'ROUTER',
    valid: true,
    displayName,
    lastUpdatedDate: STAMP,
    settings: {
      executionType: 'EXECUTE_FIRST_MATCH',
      branches: branches.map((b) =>
        b.when === 'fallback'
          ? { branchType: 'FALLBACK', branchName: b.name }
          : { branchType: 'CONDITION', branchName: b.name, conditions: b.when },
      ),
    },
    children: branches.map((b) => chain(b.steps) ?? null),
  };
}

export const numberGreaterThan = (firstValue, secondValue) => ({
  operator: 'NUMBER_IS_GREATER_THAN', firstValue, secondValue,
});
export const numberLessThan = (firstValue, secondValue) => ({
  operator: 'NUMBER_IS_LESS_THAN', firstValue, secondValue,
});

export function chain(steps) {
  let next;
  for (const step of [...steps].reverse()) {
    next = next ? { ...step, nextAction: next } : { ...step };
  }
  return next;
}

export function flow(displayName, description, triggerStep, steps) {
  return {
    displayName,
    description,
    schemaVersion: '22',
    valid: true,
    notes: [],
    trigger: { ...triggerStep, nextAction: chain(steps) },
  };
}

export function template(slug, name, description, flows) {
  return { slug, document: { name, description, flows } };
}
