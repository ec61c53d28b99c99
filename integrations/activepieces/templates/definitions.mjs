// The workflow template library. Each template is one importable file in templates/.
// Data references use ActivePieces' {{step.path}} syntax; RecruitIQ triggers output the
// event envelope, so event data is under {{trigger.data...}}.
import {
  OPENAI, RECRUITIQ, SLACK, action, apiCall, code, flow, numberGreaterThan, numberLessThan, router,
  template, trigger,
} from './steps.mjs';

const app = '{{trigger.data.application.id}}';
const candidate = '{{trigger.data.application.candidateId}}';

const resumeText = apiCall('get_resume_text', 'Get resume text', 'GET',
  `/candidates/${candidate}/resume/text`, { failsafe: true });

const PARSE_SCORE = `export const code = async (inputs) => {
  // The model is asked for JSON; tolerate prose around it and clamp the score to 0–100.
  const match = String(inputs.answer ?? '').match(/\\{[\\s\\S]*\\}/);
  let parsed = {};
  try { parsed = match ? JSON.parse(match[0]) : {}; } catch { parsed = {}; }
  const score = Math.max(0, Math.min(100, Math.round(Number(parsed.score) || 0)));
  const list = (items) => (Array.isArray(items) ? items.map(String).slice(0, 3) : []);
  return { score, pros: list(parsed.pros), cons: list(parsed.cons), summary: String(parsed.summary ?? '') };
};`;

const aiScreening = template(
  'ai-resume-screening',
  'AI resume screening',
  'New application → OpenAI rates the resume against the job → score saved → strong fits move to Interview and Slack hears about it, weak fits are rejected with a kind e-mail, the rest get a review note.',
  [
    flow(
      'AI resume screening',
      'Brief Appendix B, template 1.',
      trigger('application_received', 'New application received'),
      [
        resumeText,
        action(OPENAI, 'ask_ai', 'ask_chatgpt', 'Rate the resume', {
          model: 'gpt-4o-mini',
          prompt:
            'You screen applicants for the role "{{trigger.data.job.title}}" ({{trigger.data.job.department}}).\n' +
            'Rate the fit from 1 to 100 and list 3 pros and 3 cons. Answer only with JSON: ' +
            '{"score": n, "pros": [...], "cons": [...], "summary": "..."}.\n\nResume:\n{{get_resume_text.body.text}}',
          temperature: 0.2,
          maxTokens: 600,
        }),
        code('parse_score', 'Parse the score', { answer: '{{ask_ai}}' }, PARSE_SCORE),
        action(RECRUITIQ, 'save_score', 'set_application_score', 'Save the score', {
          applicationId: app,
          score: '{{parse_score.score}}',
        }),
        router('route_by_score', 'Route by score', [
          {
            name: 'Strong fit (> 80)',
            when: [[numberGreaterThan('{{parse_score.score}}', '80')]],
            steps: [
              action(RECRUITIQ, 'advance_to_interview', 'update_application_stage', 'Move to Interview', {
                applicationId: app,
                stage: 'interview',
              }),
              action(SLACK, 'tell_hiring_channel', 'send_channel_message', 'Tell #hiring', {
                channel: 'hiring',
                text:
                  ':star: {{trigger.data.application.candidateName}} scored {{parse_score.score}} for ' +
                  '{{trigger.data.job.title}} and moved to Interview.\n{{parse_score.summary}}',
                sendAsBot: true,
              }),
            ],
          },
          {
            name: 'Weak fit (< 50)',
            when: [[numberLessThan('{{parse_score.score}}', '50')]],
            steps: [
              action(RECRUITIQ, 'reject', 'reject_application', 'Reject', {
                applicationId: app,
                reason: 'AI screening score {{parse_score.score}}: {{parse_score.summary}}',
              }),
              action(RECRUITIQ, 'rejection_email', 'send_email_to_candidate', 'Send a kind rejection', {
                candidateId: candidate,
                applicationId: app,
                subject: 'Your application for {{trigger.data.job.title}}',
                text:
                  'Thank you for applying for {{trigger.data.job.title}}. After careful review we will not ' +
                  'be moving forward at this time. We wish you the best in your search.',
              }),
            ],
          },
          {
            name: 'Needs a human',
            when: 'fallback',
            steps: [
              action(RECRUITIQ, 'review_note', 'add_note_to_application', 'Add review note', {
                applicationId: app,
                body:
                  'Needs manual review. AI score {{parse_score.score}}.\nPros: {{parse_score.pros}}\n' +
                  'Cons: {{parse_score.cons}}',
              }),
            ],
          },
        ]),
      ],
    ),
  ],
);

const jobDistribution = template(
  'job-published-announcement',
  'Announce published jobs',
  'Job published → a formatted announcement in Slack #hiring, with a ready-to-post LinkedIn text.',
  [
    flow(
      'Announce published jobs',
      'Brief Appendix B, template 2 (the Slack part; add LinkedIn or X steps with their pieces).',
      trigger('job_published', 'Job published'),
      [
        code(
          'format_post',
          'Format the announcement',
          { job: '{{trigger.data.job}}' },
          `export const code = async ({ job }) => {
  const salary = job.salaryRange && job.salaryRange.min
    ? \` · \${job.salaryRange.currency ?? ''} \${job.salaryRange.min}–\${job.salaryRange.max ?? ''}\`.trim()
    : '';
  const where = [job.department, job.location].filter(Boolean).join(' · ');
  return { text: \`We're hiring: \${job.title}\${where ? \` (\${where})\` : ''}\${salary}\` };
};`,
        ),
        action(SLACK, 'post_to_hiring', 'send_channel_message', 'Post to #hiring', {
          channel: 'hiring',
          text: ':mega: {{format_post.text}}',
          sendAsBot: true,
        }),
      ],
    ),
  ],
);

const interviewInvite = template(
  'interview-stage-invitation',
  'Invite to schedule when an application reaches Interview',
  'Application advanced to Interview → the candidate gets your scheduling link by e-mail and the hiring team is told in Slack.',
  [
    flow(
      'Interview invitation',
      'Brief Appendix B, template 3: replace the link with your Calendly or booking page.',
      trigger('application_advanced', 'Application advanced', { stage: 'interview' }),
      [
        action(RECRUITIQ, 'invite_candidate', 'send_email_to_candidate', 'E-mail the scheduling link', {
          candidateId: candidate,
          applicationId: app,
          subject: 'Next step for {{trigger.data.job.title}}: pick an interview time',
          text:
            'Hi {{trigger.data.application.candidateName}},\n\nWe would love to talk. Please pick a ' +
            'time that suits you: https://cal.example.com/your-team\n\nThank you!',
        }),
        action(SLACK, 'tell_team', 'send_channel_message', 'Tell the hiring team', {
          channel: 'hiring',
          text: '{{trigger.data.application.candidateName}} reached Interview for {{trigger.data.job.title}}; scheduling link sent.',
          sendAsBot: true,
        }),
      ],
    ),
  ],
);

const onboarding = template(
  'new-hire-onboarding',
  'New hire onboarding kick-off',
  'Hire completed → welcome e-mail to the new hire, #people-ops told in Slack, and onboarding marked as started in RecruitIQ.',
  [
    flow(
      'New hire onboarding',
      'Brief use case 5.',
      trigger('hire_completed', 'Hire completed'),
      [
        action(RECRUITIQ, 'welcome_email', 'send_email_to_candidate', 'Send the welcome e-mail', {
          candidateId: candidate,
          applicationId: app,
          subject: 'Welcome aboard!',
          text: 'We are thrilled you are joining as {{trigger.data.job.title}}. Your onboarding buddy will reach out this week.',
        }),
        action(SLACK, 'tell_people_ops', 'send_channel_message', 'Tell #people-ops', {
          channel: 'people-ops',
          text: ':tada: New hire: {{trigger.data.application.candidateName}} as {{trigger.data.job.title}}. Please start onboarding.',
          sendAsBot: true,
        }),
        apiCall('start_onboarding', 'Mark onboarding started', 'POST',
          `/applications/${app}/onboarding`, { failsafe: false }),
      ],
    ),
  ],
);

const offerWatch = template(
  'offer-outcomes-to-slack',
  'Offer outcomes to Slack',
  'Offer accepted, declined or expired → the recruiting channel hears about it at once.',
  ['offer_accepted', 'offer_declined', 'offer_expired'].map((triggerName) => {
    const outcome = triggerName.split('_')[1];
    return flow(
      `Offer ${outcome} → Slack`,
      'One flow per event type: each flow has exactly one trigger.',
      trigger(triggerName, `Offer ${outcome}`),
      [
        action(SLACK, 'notify', 'send_channel_message', 'Post to #recruiting', {
          channel: 'recruiting',
          text: `Offer ${outcome}: {{trigger.data.application.candidateName}} for {{trigger.data.job.title}}.`,
          sendAsBot: true,
        }),
      ],
    );
  }),
);

export const TEMPLATES = [aiScreening, jobDistribution, interviewInvite, onboarding, offerWatch];
