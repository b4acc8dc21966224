/** The preview's one line on the Slack review card. */
import { describe, expect, it } from 'vitest';
import { previewLine } from '../../../functions/domain/preview-line';

describe('previewLine', () => {
  it('puts the ceiling right after the count it bounds, then the flags', () => {
    expect(previewLine({ statements: [{ kind: 'write', tables: ['orders'], flags: [], rowsAffected: 10 }], rowsAffected: 10, rowLimit: 11 })).toBe('write · orders · 10 rows (ceiling 11)');
    expect(previewLine({ statements: [{ kind: 'write', tables: ['orders'], flags: ['delete-without-where'], rowsAffected: 1 }], rowsAffected: 1, rowLimit: 2 })).toBe(
      'write · orders · 1 row (ceiling 2) · delete-without-where',
    );
  });

  it('lists each statement of a script and the total', () => {
    expect(
      previewLine({
        statements: [{ kind: 'write', tables: ['t'], flags: [], rowsAffected: 1 }, { kind: 'write', tables: ['t'], flags: [], rowsAffected: 2 }],
        rowsAffected: 3,
        rowLimit: 4,
      }),
    ).toBe('write · t · 1 row; write · t · 2 rows · 3 rows in all (ceiling 4)');
  });

  it('shows a read\'s estimate, and why a dry run was skipped with the rule\'s ceiling', () => {
    expect(previewLine({ statements: [{ kind: 'read', tables: ['orders'], flags: [], estimatedRows: 3000 }] })).toBe('read · orders · ~3,000 rows (estimate)');
    expect(previewLine({ statements: [{ kind: 'write', tables: ['orders'], flags: ['volatile-function'] }], rowLimit: 50, skipped: 'the statement calls a function' })).toBe(
      'write · orders · volatile-function · at most 50 rows may change · dry run skipped: the statement calls a function',
    );
  });
});
