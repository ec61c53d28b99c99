import { Property } from '@activepieces/pieces-framework';
import { recruitiqAuth, clientFor } from './auth';
import { RecruitIQError } from './client';

type Option = { label: string; value: string };
type DropdownState = { disabled?: boolean; placeholder?: string; options: Option[] };

const NOT_CONNECTED: DropdownState = { disabled: true, placeholder: 'Connect your RecruitIQ account first', options: [] };

/** A dropdown that cannot load says why instead of failing the builder's form. */
async function loadOptions(auth: unknown, load: () => Promise<Option[]>, emptyText: string): Promise<DropdownState> {
  if (!auth) return NOT_CONNECTED;
  try {
    const options = await load();
    return options.length > 0 ? { options } : { disabled: true, placeholder: emptyText, options: [] };
  } catch (err) {
    return { disabled: true, placeholder: err instanceof Error ? err.message : String(err), options: [] };
  }
}

interface JobRow {
  id: string;
  title: string;
  status: string;
  department?: string | null;
}

/** Jobs newest first, open ones before drafts and closed ones, paging through up to 500. */
async function jobOptions(auth: unknown): Promise<Option[]> {
  const client = clientFor(auth);
  const jobs: JobRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.get<{ jobs: JobRow[]; nextCursor?: string | null }>('/jobs', { limit: 100, cursor });
    jobs.push(...page.jobs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && jobs.length < 500);
  const rank = (status: string) => ['open', 'draft', 'closed'].indexOf(status);
  return jobs
    .sort((a, b) => rank(a.status) - rank(b.status))
    .map((job) => ({
      label: `${job.title}${job.department ? ` · ${job.department}` : ''} (${job.status})`,
      value: job.id,
    }));
}

export function jobDropdown(options: { required: boolean; description: string; displayName?: string }) {
  return Property.Dropdown<string, boolean, typeof recruitiqAuth>({
    auth: recruitiqAuth,
    displayName: options.displayName ?? 'Job',
    description: options.description,
    required: options.required,
    refreshers: [],
    options: async ({ auth }) => loadOptions(auth, () => jobOptions(auth), 'No jobs yet: create one in RecruitIQ first'),
  });
}

interface StageRow {
  key?: string;
  id?: string;
  stage?: string;
  value?: string;
  name?: string;
  displayName?: string;
  label?: string;
}

async function stageOptions(auth: unknown): Promise<Option[]> {
  const body = await clientFor(auth).get<{ stages: Array<StageRow | string> }>('/pipeline/stages');
  return body.stages.map((row) => {
    if (typeof row === 'string') return { label: row, value: row };
    const value = row.key ?? row.stage ?? row.value ?? row.id ?? '';
    return { label: row.displayName ?? row.name ?? row.label ?? value, value };
  });
}

export function stageDropdown(options: { required: boolean; description: string }) {
  return Property.Dropdown<string, boolean, typeof recruitiqAuth>({
    auth: recruitiqAuth,
    displayName: 'Stage',
    description: options.description,
    required: options.required,
    refreshers: [],
    options: async ({ auth }) => loadOptions(auth, () => stageOptions(auth), 'The pipeline has no stages'),
  });
}

interface UserRow {
  id: string;
  name: string;
  email: string;
  role: string;
  isActive?: boolean;
}

async function hiringManagerOptions(auth: unknown): Promise<Option[]> {
  try {
    const body = await clientFor(auth).get<{ users: UserRow[] }>('/users');
    return body.users
      .filter((user) => user.isActive !== false)
      .map((user) => ({ label: `${user.name} <${user.email}> (${user.role})`, value: user.id }));
  } catch (err) {
    // Listing users is an admin-only endpoint; API keys (what this piece uses) get 401/403.
    if (err instanceof RecruitIQError && (err.status === 401 || err.status === 403)) {
      throw new Error('RecruitIQ lists users to admins only, so this API key cannot; leave empty or map a user id (usr_…) from an earlier step');
    }
    throw err;
  }
}

export function hiringManagerDropdown() {
  return Property.Dropdown<string, boolean, typeof recruitiqAuth>({
    auth: recruitiqAuth,
    displayName: 'Hiring manager',
    description: 'The user who owns the hire.',
    required: false,
    refreshers: [],
    options: async ({ auth }) => loadOptions(auth, () => hiringManagerOptions(auth), 'No active users'),
  });
}

export const applicationIdProp = (description = 'The application id (app_…), usually mapped from the trigger: data.application.id') =>
  Property.ShortText({ displayName: 'Application ID', description, required: true });

export const candidateIdProp = (description = 'The candidate id (cand_…), usually mapped from the trigger: data.application.candidateId') =>
  Property.ShortText({ displayName: 'Candidate ID', description, required: true });

/** Drops empty optional inputs so the API applies its own defaults instead of receiving "" or null. */
export function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || item === null || item === '') continue;
    if (Array.isArray(item) && item.length === 0) continue;
    (out as Record<string, unknown>)[key] = item;
  }
  return out;
}
