/** Task "Record": records the final state and tells the people involved. */
import { record } from '../app/workflow-tasks';
import { deps } from '../wiring';
import { recordInput } from './inputs';
import { taskHandler } from './task';

export const handler = taskHandler(recordInput, (input) => record(deps(), input));
