// The simulator's control API, as the client tests use it: request counts and fault injection.
export interface RouteCount {
  method: string;
  route: string;
  identity: string;
  count: number;
}

export interface RequestCounts {
  total: number;
  byIdentity: Record<string, number>;
  byRoute: RouteCount[];
}

export async function requestCounts(simulatorUrl: string): Promise<RequestCounts> {
  const response = await fetch(`${simulatorUrl}/_simulator/requests`);
  return (await response.json()) as RequestCounts;
}

/** Requests counted for one route template, e.g. `GET /2.0/workspaces/{workspace}/permissions`. */
export async function countFor(simulatorUrl: string, route: string): Promise<number> {
  const counts = await requestCounts(simulatorUrl);
  return counts.byRoute.filter((entry) => entry.route === route).reduce((sum, entry) => sum + entry.count, 0);
}

export async function clearRequestCounts(simulatorUrl: string): Promise<void> {
  await fetch(`${simulatorUrl}/_simulator/requests`, { method: 'DELETE' });
}

/** A fault as lib/simulator/faults.ts's FaultSpec describes it (page-drift and repeated-item act on listings). */
export interface Fault {
  match: { method?: string; pathPrefix?: string; identity?: string };
  kind: 'latency' | 'status' | 'drop' | 'malformed-json' | 'gone' | 'page-drift' | 'repeated-item';
  ms?: number;
  status?: number;
  times?: number;
  retryAfter?: number;
  drift?: 'insert' | 'delete';
  afterPage?: number;
}

export async function injectFaults(simulatorUrl: string, faults: Fault[]): Promise<void> {
  const response = await fetch(`${simulatorUrl}/_simulator/faults`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ faults }),
  });
  if (!response.ok) throw new Error(`faults refused: ${response.status} ${await response.text()}`);
}

export async function resetSimulator(simulatorUrl: string): Promise<void> {
  await fetch(`${simulatorUrl}/_simulator/reset`, { method: 'POST' });
}

export async function simulatorState<T>(simulatorUrl: string): Promise<T> {
  return (await (await fetch(`${simulatorUrl}/_simulator/state`)).json()) as T;
}
