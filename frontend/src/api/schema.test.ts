import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SCHEMA, generateApiTypes } from '../../scripts/api-types.mjs';

describe('the generated API types', () => {
  it('are current with the committed OpenAPI document (else run `npm run api:types`)', async () => {
    const committed = await readFile(SCHEMA, 'utf8');
    const regenerated = await generateApiTypes();

    // A failure means src/api/openapi.json changed and src/api/schema.d.ts was not regenerated:
    // run `npm run api:types` in frontend/ and commit src/api/schema.d.ts.
    expect(committed === regenerated, 'src/api/schema.d.ts is stale: run `npm run api:types` in frontend/ and commit it').toBe(true);
  }, 30_000);
});
