import { describe, expect, it } from 'vitest';
import { backendProxy, backendTarget } from '../proxy.config';

describe('vite proxy', () => {
  it('reads the addresses Aspire passes, then the shell-safe names, then the fixed ports', () => {
    expect(
      backendTarget({ 'services__api-ef__http__0': 'http://localhost:5111' }, 'api-ef', 'REELMETRICS_API_EF_URL', 'http://localhost:8002'),
    ).toBe('http://localhost:5111');
    expect(
      backendTarget({ REELMETRICS_API_EF_URL: 'http://localhost:5222' }, 'api-ef', 'REELMETRICS_API_EF_URL', 'http://localhost:8002'),
    ).toBe('http://localhost:5222');
    expect(backendTarget({}, 'api-ef', 'REELMETRICS_API_EF_URL', 'http://localhost:8002')).toBe('http://localhost:8002');
  });

  it('maps /api/dapper and /api/ef to the two APIs and strips the prefix', () => {
    const rules = backendProxy({ 'services__api-dapper__http__0': 'http://localhost:7001' });
    expect(rules['/api/dapper']?.target).toBe('http://localhost:7001');
    expect(rules['/api/ef']?.target).toBe('http://localhost:8002');
    expect(rules['/api/dapper']?.rewrite?.('/api/dapper/theaters/1?x=1')).toBe('/theaters/1?x=1');
    expect(rules['/api/ef']?.rewrite?.('/api/ef')).toBe('/');
  });
});
