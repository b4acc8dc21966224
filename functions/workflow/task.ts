/**
 * Shared shape of the workflow Lambdas: validate the state's input (the ASL's Parameters), run the task.
 */
import middy from '@middy/core';
import { parseOrThrow } from '../domain/validation';
import type * as z from '../domain/zod';

export function taskHandler<S extends z.core.$ZodType, R>(schema: S, task: (input: z.output<S>) => Promise<R>) {
  return middy<unknown, R>().handler(async (event) => task(parseOrThrow(schema, event, 'task input')));
}
