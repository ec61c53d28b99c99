import { createAction, Property } from '@activepieces/pieces-framework';
import { clientFor, recruitiqAuth } from '../lib/auth';
import { segment } from '../lib/client';
import { candidateIdProp, compact } from '../lib/props';

type Candidate = Record<string, unknown> & { id: string };

export const addCandidate = createAction({
  auth: recruitiqAuth,
  name: 'add_candidate',
  displayName: 'Add Candidate',
  description: 'Creates a candidate. An e-mail already in use fails with candidate_exists; use Find Candidate first to upsert.',
  props: {
    firstName: Property.ShortText({ displayName: 'First name', required: true }),
    lastName: Property.ShortText({ displayName: 'Last name', required: true }),
    email: Property.ShortText({ displayName: 'E-mail', required: true }),
    phone: Property.ShortText({ displayName: 'Phone', required: false }),
    location: Property.ShortText({ displayName: 'Location', required: false }),
    currentTitle: Property.ShortText({ displayName: 'Current title', required: false }),
    currentCompany: Property.ShortText({ displayName: 'Current company', required: false }),
    linkedinUrl: Property.ShortText({ displayName: 'LinkedIn URL', required: false }),
    source: Property.ShortText({ displayName: 'Source', description: 'Where the candidate came from, e.g. referral', required: false }),
    tags: Property.Array({ displayName: 'Tags', required: false }),
  },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).post<{ candidate: Candidate }>(
      '/candidates',
      compact({
        firstName: p.firstName,
        lastName: p.lastName,
        email: p.email,
        phone: p.phone,
        location: p.location,
        currentTitle: p.currentTitle,
        currentCompany: p.currentCompany,
        linkedinUrl: p.linkedinUrl,
        source: p.source,
        tags: (p.tags as unknown[] | undefined)?.map(String),
      }),
    );
    return body.candidate;
  },
});

export const findCandidate = createAction({
  auth: recruitiqAuth,
  name: 'find_candidate',
  displayName: 'Find Candidate by E-mail',
  description: 'Looks a candidate up by e-mail (case-insensitive). Returns found: false rather than failing when there is none.',
  props: {
    email: Property.ShortText({ displayName: 'E-mail', required: true }),
  },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).get<{ candidates: Candidate[] }>('/candidates', { email: p.email.trim(), limit: 1 });
    const candidate = body.candidates[0] ?? null;
    return { found: candidate !== null, candidate };
  },
});

export const searchCandidates = createAction({
  auth: recruitiqAuth,
  name: 'search_candidates',
  displayName: 'Search Candidates',
  description: 'Searches candidates by name, e-mail, tags and current title (accents and case ignored).',
  props: {
    query: Property.ShortText({ displayName: 'Search text', required: false }),
    tag: Property.ShortText({ displayName: 'Tag', description: 'Only candidates with this tag', required: false }),
    limit: Property.Number({ displayName: 'Maximum results', description: '1–100, default 25', required: false, defaultValue: 25 }),
  },
  async run({ auth, propsValue: p }) {
    const limit = Math.min(100, Math.max(1, Math.trunc(p.limit ?? 25)));
    const body = await clientFor(auth).get<{ candidates: Candidate[]; nextCursor?: string | null }>(
      '/candidates',
      compact({ q: p.query, tag: p.tag, limit }),
    );
    return { candidates: body.candidates, count: body.candidates.length, hasMore: Boolean(body.nextCursor) };
  },
});

export const sendEmail = createAction({
  auth: recruitiqAuth,
  name: 'send_email_to_candidate',
  displayName: 'Send E-mail to Candidate',
  description: "Queues an e-mail to the candidate's address through RecruitIQ's mail server and records it on the candidate.",
  props: {
    candidateId: candidateIdProp(),
    subject: Property.ShortText({ displayName: 'Subject', required: true }),
    text: Property.LongText({ displayName: 'Text body', required: true }),
    html: Property.LongText({ displayName: 'HTML body', description: 'Optional; the text body is the fallback', required: false }),
    applicationId: Property.ShortText({ displayName: 'Application ID', description: 'Optional: file the message under this application', required: false }),
  },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).post<{ message: Record<string, unknown> }>(
      `/candidates/${segment(p.candidateId, 'Candidate ID')}/emails`,
      compact({ subject: p.subject, text: p.text, html: p.html, applicationId: p.applicationId }),
    );
    return body.message;
  },
});
