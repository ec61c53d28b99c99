import { createCustomApiCallAction } from '@activepieces/pieces-common';
import { connectionOf, recruitiqAuth } from '../lib/auth';
import { normalizeBaseUrl } from '../lib/client';

/** Any other endpoint of the API (see /docs on your server); the key is added for you. */
export const customApiCall = createCustomApiCallAction({
  auth: recruitiqAuth,
  baseUrl: (auth) => `${normalizeBaseUrl(connectionOf(auth).baseUrl)}/api/v1`,
  authMapping: async (auth) => ({ Authorization: `Bearer ${connectionOf(auth).apiKey}` }),
  description: 'Calls any RecruitIQ API endpoint with your connection (relative paths like /jobs resolve against /api/v1).',
});
