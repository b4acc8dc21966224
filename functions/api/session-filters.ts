/**
 * The query-string filters every session listing accepts (GET /sessions and GET /audit/sessions), in
 * one place so the two listings cannot disagree about a filter's name or format.
 */
import { z } from 'zod';
import { SESSION_STATUSES } from '../domain/session';

export const isoDate = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date or time');

export const sessionFilterFields = {
  status: z.enum(SESSION_STATUSES).optional(),
  resource: z.string().optional(),
  requester: z.string().optional(),
  approver: z.string().optional(),
  forced: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  cursor: z.string().optional(),
};
