import type { components } from '../api/schema';

// Types of GET /status and GET /alerts, generated from the OpenAPI document (src/api/schema.d.ts). The document types
// `state` and `severity` as strings; the contract (docs/api.md, "Pipeline status" and "Alerts") allows only the values
// below, so those two fields are narrowed here.

type Schemas = components['schemas'];

export type PipelineState = 'live' | 'lagging' | 'stalled';
export type NewestSale = Schemas['NewestSale'];
export type DeadLetterCount = Schemas['DeadLetterCount'];
export type StatusThresholds = Schemas['StatusThresholds'];

/** `GET /status`, and the data of the live stream's `status` event. */
export type PipelineStatus = Omit<Schemas['PipelineStatus'], 'state'> & { state: PipelineState };

export type AlertSeverity = 'info' | 'warning' | 'critical';

/** One alert of `GET /alerts`; the live stream's `alerts` event is the list of open ones. */
export type Alert = Omit<Schemas['Alert'], 'severity' | 'details'> & {
  severity: AlertSeverity;
  details: Record<string, unknown>;
};
