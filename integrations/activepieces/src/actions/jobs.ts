import { createAction, Property } from '@activepieces/pieces-framework';
import { clientFor, recruitiqAuth } from '../lib/auth';
import { segment } from '../lib/client';
import { compact, hiringManagerDropdown, jobDropdown } from '../lib/props';

type JobBody = { job: Record<string, unknown> & { id: string } };

export const createJob = createAction({
  auth: recruitiqAuth,
  name: 'create_job',
  displayName: 'Create Job Posting',
  description: 'Creates a job (as a draft, or published at once).',
  props: {
    title: Property.ShortText({ displayName: 'Title', required: true }),
    department: Property.ShortText({ displayName: 'Department', required: false }),
    location: Property.ShortText({ displayName: 'Location', required: false }),
    description: Property.LongText({ displayName: 'Description', required: false }),
    employmentType: Property.StaticDropdown({
      displayName: 'Employment type',
      required: false,
      defaultValue: 'full_time',
      options: {
        options: [
          { label: 'Full time', value: 'full_time' },
          { label: 'Part time', value: 'part_time' },
          { label: 'Contract', value: 'contract' },
          { label: 'Internship', value: 'intern' },
        ],
      },
    }),
    salaryMin: Property.Number({ displayName: 'Salary minimum', required: false }),
    salaryMax: Property.Number({ displayName: 'Salary maximum', required: false }),
    currency: Property.ShortText({ displayName: 'Salary currency', description: 'ISO 4217 code, e.g. EUR', required: false }),
    hiringManagerId: hiringManagerDropdown(),
    publish: Property.Checkbox({
      displayName: 'Publish now',
      description: 'Open the job for applications right away (emits job.published).',
      required: false,
      defaultValue: false,
    }),
  },
  async run({ auth, propsValue: p }) {
    const client = clientFor(auth);
    const salaryRange = compact({ min: p.salaryMin, max: p.salaryMax, currency: p.currency });
    const created = await client.post<JobBody>(
      '/jobs',
      compact({
        title: p.title,
        department: p.department,
        location: p.location,
        description: p.description,
        employmentType: p.employmentType,
        salaryRange: Object.keys(salaryRange).length > 0 ? salaryRange : undefined,
        hiringManagerId: p.hiringManagerId,
      }),
    );
    if (!p.publish) return created.job;
    const published = await client.post<JobBody>(`/jobs/${segment(created.job.id, 'job id')}/publish`);
    return published.job;
  },
});

export const updateJobStatus = createAction({
  auth: recruitiqAuth,
  name: 'update_job_status',
  displayName: 'Update Job Status',
  description: 'Opens (publishes), closes or returns a job to draft.',
  props: {
    jobId: jobDropdown({ required: true, description: 'The job to change.' }),
    status: Property.StaticDropdown({
      displayName: 'Status',
      required: true,
      options: {
        options: [
          { label: 'Open (published)', value: 'open' },
          { label: 'Closed', value: 'closed' },
          { label: 'Draft', value: 'draft' },
        ],
      },
    }),
  },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).put<JobBody>(`/jobs/${segment(p.jobId, 'Job')}/status`, { status: p.status });
    return body.job;
  },
});
