import { createAction, Property } from '@activepieces/pieces-framework';
import { clientFor, recruitiqAuth } from '../lib/auth';
import { segment } from '../lib/client';
import { applicationIdProp, compact, stageDropdown } from '../lib/props';

type Application = Record<string, unknown> & { id: string };
type ApplicationBody = { application: Application };

const path = (id: unknown, rest = '') => `/applications/${segment(id, 'Application ID')}${rest}`;

export const getApplication = createAction({
  auth: recruitiqAuth,
  name: 'get_application',
  displayName: 'Get Application',
  description: 'Reads an application with its candidate, stage history and resume URL (download it with the same API key).',
  props: { applicationId: applicationIdProp() },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).get<ApplicationBody>(path(p.applicationId));
    return body.application;
  },
});

export const updateApplicationStage = createAction({
  auth: recruitiqAuth,
  name: 'update_application_stage',
  displayName: 'Update Application Stage',
  description: 'Moves an active application to another pipeline stage (emits application.stage_changed, and application.advanced when it moves forward).',
  props: {
    applicationId: applicationIdProp(),
    stage: stageDropdown({ required: true, description: 'The stage to move to.' }),
  },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).put<ApplicationBody>(path(p.applicationId, '/stage'), { stage: p.stage });
    return body.application;
  },
});

export const rejectApplication = createAction({
  auth: recruitiqAuth,
  name: 'reject_application',
  displayName: 'Reject Application',
  description: 'Rejects an active application with a reason (emits application.rejected).',
  props: {
    applicationId: applicationIdProp(),
    reason: Property.LongText({ displayName: 'Reason', description: 'Kept on the application; not sent to the candidate.', required: true }),
  },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).post<ApplicationBody>(path(p.applicationId, '/reject'), { reason: p.reason });
    return body.application;
  },
});

export const addNote = createAction({
  auth: recruitiqAuth,
  name: 'add_note_to_application',
  displayName: 'Add Note to Application',
  description: 'Adds a note to an application, e.g. an AI screening summary.',
  props: {
    applicationId: applicationIdProp(),
    body: Property.LongText({ displayName: 'Note', required: true }),
  },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).post<{ note: Record<string, unknown> }>(path(p.applicationId, '/notes'), { body: p.body });
    return body.note;
  },
});

export const setApplicationScore = createAction({
  auth: recruitiqAuth,
  name: 'set_application_score',
  displayName: 'Set Application Score',
  description: 'Sets the application score (0–100), e.g. from an AI resume screen.',
  props: {
    applicationId: applicationIdProp(),
    score: Property.Number({ displayName: 'Score', description: '0–100; decimals are rounded', required: true }),
  },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).patch<ApplicationBody>(path(p.applicationId), { score: Math.round(p.score) });
    return body.application;
  },
});

/** The engine's timezone list is whatever this Node knows; IANA names are what the API validates. */
const TIMEZONES = Intl.supportedValuesOf('timeZone').map((zone) => ({ label: zone, value: zone }));

export const scheduleInterview = createAction({
  auth: recruitiqAuth,
  name: 'schedule_interview',
  displayName: 'Schedule Interview',
  description: 'Schedules an interview for an active application (emits interview.scheduled).',
  props: {
    applicationId: applicationIdProp(),
    scheduledAt: Property.DateTime({ displayName: 'Start', description: 'Date and time with offset, in the future', required: true }),
    durationMinutes: Property.Number({ displayName: 'Duration (minutes)', description: '15–480', required: true, defaultValue: 45 }),
    timezone: Property.StaticDropdown({
      displayName: 'Time zone',
      description: 'Shown to interviewers and the candidate',
      required: true,
      defaultValue: 'UTC',
      options: { options: TIMEZONES },
    }),
    interviewers: Property.Array({ displayName: 'Interviewers', description: 'User ids (usr_…) or e-mail addresses', required: true }),
    location: Property.ShortText({ displayName: 'Location', required: false }),
    meetingUrl: Property.ShortText({ displayName: 'Meeting URL', required: false }),
  },
  async run({ auth, propsValue: p }) {
    const body = await clientFor(auth).post<{ interview: Record<string, unknown> }>(
      '/interviews',
      compact({
        applicationId: p.applicationId,
        scheduledAt: p.scheduledAt,
        durationMinutes: Math.round(p.durationMinutes),
        timezone: p.timezone,
        interviewers: (p.interviewers as unknown[]).map(String),
        location: p.location,
        meetingUrl: p.meetingUrl,
      }),
    );
    return body.interview;
  },
});
