/** Task "OpenWindow": an approved access window becomes active; returns its end for the Wait state. */
import { openWindow } from '../app/windows';
import { deps } from '../wiring';
import { sessionInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(sessionInput, ({ sessionId }) => openWindow(deps(), sessionId));
