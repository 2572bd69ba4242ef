import type { AlertSeverity } from '../status/types';

/** What the dashboard calls each alert rule. */
export const RULE_LABELS: Record<string, string> = {
  sell_out_watch: 'Sell-out watch',
  quiet_theater: 'Quiet theater',
  pipeline_stalled: 'Pipeline stalled',
  dead_letters_rising: 'Dead letters rising',
};

export const SEVERITY_LABELS: Record<AlertSeverity, string> = { info: 'Info', warning: 'Warning', critical: 'Critical' };

export const ruleLabel = (rule: string): string => RULE_LABELS[rule] ?? rule;

/** An instant in the browser's time zone, e.g. "Mar 14, 7:42 PM". */
export function formatInstant(instant: string): string {
  return new Date(instant).toLocaleString('en-US', { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}
