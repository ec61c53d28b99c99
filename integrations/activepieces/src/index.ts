import { createPiece } from '@activepieces/pieces-framework';
import { PieceCategory } from '@activepieces/shared';
import { addNote, getApplication, rejectApplication, scheduleInterview, setApplicationScore, updateApplicationStage } from './actions/applications';
import { addCandidate, findCandidate, searchCandidates, sendEmail } from './actions/candidates';
import { customApiCall } from './actions/custom';
import { createJob, updateJobStatus } from './actions/jobs';
import { exportData, generateReport } from './actions/reports';
import { recruitiqAuth } from './lib/auth';
import { triggers } from './triggers';

export { recruitiqAuth } from './lib/auth';

export const recruitiq = createPiece({
  displayName: 'RecruitIQ',
  description: 'Recruiting (ATS): signed real-time triggers for every hiring event and an action for every pipeline step.',
  logoUrl: 'https://cdn.activepieces.com/pieces/recruitiq.png',
  authors: ['recruitiq'],
  categories: [PieceCategory.HUMAN_RESOURCES],
  minimumSupportedRelease: '0.82.0',
  auth: recruitiqAuth,
  actions: [
    createJob,
    updateJobStatus,
    addCandidate,
    findCandidate,
    searchCandidates,
    getApplication,
    updateApplicationStage,
    rejectApplication,
    addNote,
    setApplicationScore,
    scheduleInterview,
    sendEmail,
    generateReport,
    exportData,
    customApiCall,
  ],
  triggers,
});
