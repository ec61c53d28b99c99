import { createAction, Property } from '@activepieces/pieces-framework';
import { clientFor, recruitiqAuth } from '../lib/auth';
import { segment } from '../lib/client';
import { compact, jobDropdown } from '../lib/props';

function withoutEnvelope(body: Record<string, unknown>): Record<string, unknown> {
  const { success: _success, ...rest } = body;
  return rest;
}

export const generateReport = createAction({
  auth: recruitiqAuth,
  name: 'generate_report',
  displayName: 'Generate Report',
  description: 'Pipeline report (counts, conversion, time in stage, time to hire, offer acceptance) or per-recruiter report.',
  props: {
    report: Property.StaticDropdown({
      displayName: 'Report',
      required: true,
      defaultValue: 'pipeline',
      options: {
        options: [
          { label: 'Pipeline', value: 'pipeline' },
          { label: 'Recruiters', value: 'recruiters' },
        ],
      },
    }),
    jobId: jobDropdown({ required: false, description: 'Pipeline report only: one job, or leave empty for the whole organization.' }),
    from: Property.DateTime({ displayName: 'From', description: 'Applications created at or after', required: false }),
    to: Property.DateTime({ displayName: 'To', description: 'Applications created before', required: false }),
  },
  async run({ auth, propsValue: p }) {
    const query = compact({ from: p.from, to: p.to, jobId: p.report === 'pipeline' ? p.jobId : undefined });
    const body = await clientFor(auth).get(`/reports/${segment(p.report, 'Report')}`, query);
    return withoutEnvelope(body);
  },
});

const RESOURCES = ['jobs', 'candidates', 'applications', 'interviews', 'offers'] as const;

export const exportData = createAction({
  auth: recruitiqAuth,
  name: 'export_data',
  displayName: 'Export Data',
  description: 'Exports jobs, candidates, applications, interviews or offers as JSON records, CSV or NDJSON (CSV/NDJSON also saved as a file).',
  props: {
    resource: Property.StaticDropdown({
      displayName: 'What to export',
      required: true,
      options: { options: RESOURCES.map((r) => ({ label: r.charAt(0).toUpperCase() + r.slice(1), value: r })) },
    }),
    format: Property.StaticDropdown({
      displayName: 'Format',
      required: true,
      defaultValue: 'json',
      options: {
        options: [
          { label: 'JSON (records usable in later steps)', value: 'json' },
          { label: 'CSV', value: 'csv' },
          { label: 'NDJSON', value: 'ndjson' },
        ],
      },
    }),
    createdAfter: Property.DateTime({ displayName: 'Created after', required: false }),
    updatedAfter: Property.DateTime({ displayName: 'Updated after', required: false }),
  },
  async run(context) {
    const p = context.propsValue;
    const query = compact({ format: p.format, createdAfter: p.createdAfter, updatedAfter: p.updatedAfter });
    const body = await clientFor(context.auth).get<unknown>(`/exports/${segment(p.resource, 'What to export')}`, query);
    if (p.format === 'json') {
      const records = Array.isArray(body) ? body : ((body as Record<string, unknown>)[p.resource] as unknown[]);
      return { resource: p.resource, format: p.format, count: records.length, records };
    }
    const content = String(body);
    const fileName = `recruitiq-${p.resource}.${p.format}`;
    const file = context.files ? await context.files.write({ fileName, data: Buffer.from(content, 'utf8') }) : null;
    return { resource: p.resource, format: p.format, fileName, file, content };
  },
});
