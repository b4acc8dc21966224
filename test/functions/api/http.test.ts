import { describe, expect, it } from 'vitest';
import { parseGroups } from '../../../functions/api/http';

describe('parseGroups', () => {
  it('reads API Gateway\'s flattened array claim', () => {
    expect(parseGroups('[dba dba-approvers]')).toEqual(['dba', 'dba-approvers']);
    expect(parseGroups('[]')).toEqual([]);
  });
  it('reads real arrays, JSON arrays and comma lists', () => {
    expect(parseGroups(['a', 'b'])).toEqual(['a', 'b']);
    expect(parseGroups('["a","b c"]')).toEqual(['a', 'b c']);
    expect(parseGroups('a, b')).toEqual(['a', 'b']);
  });
  it('treats a missing claim as no groups', () => {
    expect(parseGroups(undefined)).toEqual([]);
    expect(parseGroups(42)).toEqual([]);
  });
});
