/** The dashboard's run-time settings, served by the Vite server as `/config.json` (dashboard.config.ts). */
export interface DashboardSettings {
  identity_url: string;
}

export async function loadDashboardSettings(): Promise<DashboardSettings> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`GET /config.json answered ${response.status}.`);
  const settings = (await response.json()) as Partial<DashboardSettings>;
  if (!settings.identity_url) throw new Error('/config.json names no identity_url.');
  return { identity_url: settings.identity_url };
}
