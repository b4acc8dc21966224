/** Task "EndWindow": after the Wait, an active window ends; a revoked one is left as it is. */
import { endWindow } from '../app/windows';
import { deps } from '../wiring';
import { sessionInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(sessionInput, ({ sessionId }) => endWindow(deps(), sessionId));
