/**
 * zod for Lambda code: its functional build (`zod/mini`), which a bundle carries at about a fifth of
 * the size of the chained API, with the English messages the chained API loads by itself (zod/mini
 * loads none: every issue would read "Invalid input"). Every schema in functions/ imports zod from
 * here, as a namespace (`import * as z`), so a bundle keeps only the parts its schemas use.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
