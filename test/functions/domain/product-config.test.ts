import { describe, expect, it } from 'vitest';
import { parseProductConfig } from '../../../functions/domain/product-config';
import { ordersResource } from '../../fixtures/resource';

const resource = ordersResource('orders');

describe('parseProductConfig', () => {
  it('accepts a valid file and fills rule defaults', () => {
    const config = parseProductConfig({ resources: [resource], rules: [{ name: 'r', resources: ['orders'], approvalGroups: ['dba-approvers'] }] }, 'config.json');
    expect(config.rules[0].approvalsRequired).toBe(1);
  });

  it('names the bad field', () => {
    expect(() => parseProductConfig({ resources: [{ ...resource, clusterArn: 'orders' }] }, 'config.json')).toThrow(
      /config\.json is not a valid accessgate configuration: resources\[0\]\.clusterArn: must be an Aurora cluster ARN/,
    );
  });

  it('refuses rules bound to unknown resources and duplicate names', () => {
    expect(() => parseProductConfig({ resources: [resource], rules: [{ name: 'r', resources: ['nope'], approvalGroups: ['g'] }] }, 'c')).toThrow(
      /rules\[0\]\.resources\[0\]: unknown resource "nope"/,
    );
    expect(() => parseProductConfig({ resources: [resource, resource] }, 'c')).toThrow(/duplicate resource id "orders"/);
  });
});
