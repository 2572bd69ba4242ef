// Hand-written types of GET /status and GET /alerts (docs/api.md, "Pipeline status" and "Alerts"); to be replaced by
// the types generated from the OpenAPI document.

export type PipelineState = 'live' | 'lagging' | 'stalled';

export interface NewestSale {
  sold_at: string;
  ingested_at: string;
  age_seconds: number;
}

export interface DeadLetterCount {
  reason: string;
  count: number;
}

export interface StatusThresholds {
  heartbeat_timeout_seconds: number;
  stalled_after_seconds: number;
  lagging_above_messages: number;
  lagging_delay_seconds: number;
}

/** `GET /status`, and the data of the live stream's `status` event. */
export interface PipelineStatus {
  as_of: string;
  state: PipelineState;
  reason: string;
  newest_sale: NewestSale | null;
  consumer_lag: number;
  sales_per_minute: number;
  consumers: number;
  last_heartbeat_at: string | null;
  dead_letters_last_hour: DeadLetterCount[];
  thresholds: StatusThresholds;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';

/** One alert of `GET /alerts`; the live stream's `alerts` event is the list of open ones. */
export interface Alert {
  alert_id: number;
  rule: string;
  subject: string;
  severity: AlertSeverity;
  message: string;
  details: Record<string, unknown>;
  raised_at: string;
  resolved_at: string | null;
}
