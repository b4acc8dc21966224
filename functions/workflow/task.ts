/**
 * Shared shape of the workflow Lambdas: validate the state's input (the ASL's Parameters), run the task.
 */
import middy from '@middy/core';
import type * as z from 'zod';
import { parseOrThrow } from '../domain/validation';

export function taskHandler<S extends z.ZodType, R>(schema: S, task: (input: z.output<S>) => Promise<R>) {
  return middy<unknown, R>().handler(async (event) => task(parseOrThrow(schema, event, 'task input')));
}
