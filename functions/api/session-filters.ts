/**
 * The query-string filters every session listing accepts (GET /sessions and GET /audit/sessions), in
 * one place so the two listings cannot disagree about a filter's name or format.
 */
import * as z from '../domain/zod';
import { resourceSchema } from '../domain/resource';
import { SESSION_STATUSES } from '../domain/session';

/** The earliest and latest dates a filter may name: no session predates the product, nor outlives the century. */
export const DATE_RANGE = { from: '2000-01-01', to: '2100-12-31' } as const;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 date (`2026-11-30`) or date-time with its offset (`2026-11-30T12:00:00Z`), between
 * DATE_RANGE's bounds. A date stays as given (it compares as a prefix of the recorded times: `to` a
 * date includes that whole day); a date-time becomes UTC, the form every recorded time has.
 * `Date.parse` alone accepts "9999" and "December 17, 2099", which is how a listing once walked
 * months without end.
 */
export const isoDate = z.pipe(
  z.string().check(
    z.maxLength(40),
    z.refine((value) => (ISO_DATE.test(value) || ISO_DATE_TIME.test(value)) && !Number.isNaN(Date.parse(value)), {
      message: 'must be an ISO 8601 date (2026-11-30) or date-time with offset (2026-11-30T12:00:00Z)',
      abort: true,
    }),
    z.refine((value) => value.slice(0, 10) >= DATE_RANGE.from && value.slice(0, 10) <= DATE_RANGE.to, `must be between ${DATE_RANGE.from} and ${DATE_RANGE.to}`),
  ),
  z.transform((value) => (ISO_DATE.test(value) ? value : new Date(value).toISOString())),
);

export const sessionFilterFields = {
  status: z.optional(z.enum(SESSION_STATUSES)),
  resource: z.optional(resourceSchema.shape.id),
  requester: z.optional(z.string().check(z.maxLength(254))),
  approver: z.optional(z.string().check(z.maxLength(254))),
  forced: z.optional(z.pipe(z.enum(['true', 'false']), z.transform((value) => value === 'true'))),
  from: z.optional(isoDate),
  to: z.optional(isoDate),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
};
