/** Task "Execute": after the review, runs an approved command (SHA-256 checked, Data API, rows stored) and records the outcome; a denial is only recorded. */
import { executeAndRecord } from '../app/workflow-tasks';
import { deps } from '../wiring';
import { sessionInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(sessionInput, ({ sessionId }) => executeAndRecord(deps(), sessionId));
