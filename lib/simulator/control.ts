// The control API under /_simulator/: ground truth, request counts, mutations, faults, clock, reset.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { FaultsBody } from './faults.js';
import { HttpError, parseJsonBody, readBody, sendJson } from './http.js';
import { MutationsBody } from './mutation-schema.js';
import { applyMutations } from './mutations.js';
import type { Simulator } from './server.js';

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new HttpError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export async function handleControl(
  sim: Simulator,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
  const body = () => readBody(req).then(parseJsonBody);
  switch (route) {
    case 'GET /_simulator/state':
      return sendJson(res, 200, sim.state.toSeed());
    case 'GET /_simulator/requests':
      return sendJson(res, 200, sim.requests.snapshot());
    case 'DELETE /_simulator/requests':
      sim.requests.clear();
      return sendJson(res, 204, undefined);
    case 'POST /_simulator/mutations': {
      const { mutations } = parse(MutationsBody, await body());
      const events = applyMutations(sim.state, mutations, sim.origin, sim.now);
      for (const event of events) {
        const ws = sim.state.findWorkspace(event.workspace);
        if (ws) sim.hooks.dispatch(ws, event);
      }
      return sendJson(res, 200, { applied: mutations.length, events: events.map((e) => e.key) });
    }
    case 'GET /_simulator/faults':
      return sendJson(res, 200, { faults: sim.faults.list() });
    case 'POST /_simulator/faults': {
      const { faults } = parse(FaultsBody, await body());
      sim.faults.add(faults);
      return sendJson(res, 200, { faults: sim.faults.list() });
    }
    case 'DELETE /_simulator/faults':
      sim.faults.clear();
      return sendJson(res, 204, undefined);
    case 'POST /_simulator/clock': {
      const { advanceMs } = parse(z.object({ advanceMs: z.number().int().nonnegative() }), await body());
      if (!sim.advanceClock(advanceMs))
        throw new HttpError(409, 'the clock was injected by the caller and cannot be moved here');
      return sendJson(res, 200, { now: sim.now() });
    }
    case 'POST /_simulator/reset':
      await sim.reset();
      return sendJson(res, 200, { reset: true });
    case 'GET /_simulator/deliveries':
      // `?settle=true` waits for deliveries in flight, so tests need no polling.
      if (url.searchParams.get('settle') === 'true') await sim.hooks.settle();
      return sendJson(res, 200, { deliveries: sim.hooks.deliveries() });
    default:
      throw new HttpError(404, `no control endpoint ${route}`);
  }
}
