/** Task "Evaluate": routes on the policy decision frozen on the session. */
import { evaluate } from '../app/workflow-tasks';
import { deps } from '../wiring';
import { sessionInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(sessionInput, ({ sessionId }) => evaluate(deps(), sessionId));
