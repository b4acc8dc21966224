/** Task "Expire": closes a review whose window passed (an approval that raced the timeout still wins). */
import { expire } from '../app/workflow-tasks';
import { deps } from '../wiring';
import { sessionInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(sessionInput, ({ sessionId }) => expire(deps(), sessionId));
