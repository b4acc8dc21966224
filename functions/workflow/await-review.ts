/** Task "AwaitReview" (.waitForTaskToken): stores the token on the session and notifies approvers. */
import { awaitReview } from '../app/workflow-tasks';
import { slackDeps } from '../slack-wiring';
import { awaitReviewInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(awaitReviewInput, ({ sessionId, taskToken }) => awaitReview(slackDeps(), sessionId, taskToken));
