import type { AlertRule } from '../alert.js';
import { accountSecurityWeakened, privilegeGranted } from './accounts.js';
import { mfaFailuresPerAccount, signInFailuresPerAccount, signInFailuresPerIp } from './sign-in-failures.js';
import { tokenCreatedThenUsedElsewhere, tokenNewContext } from './token-context.js';
import { forkUploadProtectedBranch, uploadVolumeSpike, uploadWithoutCi } from './uploads.js';

/** Every rule the evaluator runs (docs/security.md#anomaly-detection-and-alerts has one row each). */
export const ALERT_RULES: readonly AlertRule[] = [
  signInFailuresPerAccount,
  signInFailuresPerIp,
  mfaFailuresPerAccount,
  tokenNewContext,
  tokenCreatedThenUsedElsewhere,
  uploadWithoutCi,
  uploadVolumeSpike,
  forkUploadProtectedBranch,
  privilegeGranted,
  accountSecurityWeakened,
];
