/** Task "Execute": checks the approved command's SHA-256, runs it through the RDS Data API, stores the rows. */
import { execute } from '../app/workflow-tasks';
import { deps } from '../wiring';
import { sessionInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(sessionInput, ({ sessionId }) => execute(deps(), sessionId));
