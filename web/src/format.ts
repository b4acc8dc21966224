/**
 * How times, durations, people and statuses read on every page, so the terminal, the inbox and the
 * sessions log describe the same session in the same words. Times are shown in the viewer's time zone
 * and always carried in a <time datetime> element holding the exact ISO instant.
 */
import { h } from './dom';
import type { EventActor } from './types';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** "3 min ago", "in 59 min": the distance from now, to the coarsest unit that is still useful. */
export function relative(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const ms = Date.parse(iso) - now;
  if (Number.isNaN(ms)) return '';
  const seconds = Math.round(Math.abs(ms) / 1000);
  // Each unit is chosen by the rounded figure, so 59 min 40 s reads "1 h", never "60 min".
  const minutes = Math.round(seconds / 60);
  const hours = Math.round(seconds / 360) / 10;
  const text =
    seconds < 60 ? `${seconds} s` : minutes < 60 ? `${minutes} min` : hours < 24 ? `${hours} h` : `${Math.round(seconds / 8640) / 10} d`;
  return ms < 0 ? `${text} ago` : `in ${text}`;
}

export const timeEl = (iso: string | undefined, withRelative = false): HTMLElement =>
  iso
    ? h('time', { datetime: iso, title: iso }, formatTime(iso), withRelative ? ` (${relative(iso)})` : '')
    : h('span', { class: 'muted' }, '—');

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A window's length or time left, in whole units: "45 s", "30 min", "1 h 5 min" (never below zero). */
export function lengthText(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds)) || 0;
  if (whole < 60) return `${whole} s`;
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  return hours ? (minutes ? `${hours} h ${minutes} min` : `${hours} h`) : `${minutes} min`;
}

export const actorName = (actor: EventActor | undefined): string =>
  !actor ? 'unknown' : 'system' in actor ? `${actor.system} (system)` : actor.name || actor.email || actor.sub || 'unknown';

/** Name and email, the way a reviewer or an auditor needs to tell two people apart. */
export const personEl = (actor: EventActor | undefined): HTMLElement =>
  h('span', { class: 'person' }, actorName(actor), actor && 'email' in actor && actor.email && actor.email !== actor.name ? h('span', { class: 'email' }, ` <${actor.email}>`) : null);

export const statusLabel = (status: string): string => status.replace(/_/g, ' ');

export const statusBadge = (status: string): HTMLElement => h('span', { class: ['status', `status-${status}`], 'data-status': status }, statusLabel(status));

export const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

export const groupChips = (groups: readonly string[] | undefined): HTMLElement =>
  groups?.length ? h('ul', { class: 'chips', 'aria-label': 'groups' }, groups.map((group) => h('li', {}, group))) : h('span', { class: 'muted' }, 'no groups');
