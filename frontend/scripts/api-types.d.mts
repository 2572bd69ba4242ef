// Types of scripts/api-types.mjs, for src/api/schema.test.ts.
export declare const DOCUMENT: string;
export declare const SCHEMA: string;
export declare function generateApiTypes(): Promise<string>;
