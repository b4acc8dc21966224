/** Task "AwaitReview" (.waitForTaskToken): stores the token on the session and notifies approvers. */
import { awaitReview } from '../app/workflow-tasks';
import { deps } from '../wiring';
import { awaitReviewInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(awaitReviewInput, ({ sessionId, taskToken }) => awaitReview(deps(), sessionId, taskToken));
