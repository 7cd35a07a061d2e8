// Access requests on the same target stack: a one-hour `write` approved on top of a ten-minute `read`, or
// a `read` for a day approved while a temporary `write` made it `alreadyHeld`. When one of them expires,
// what is left must be what the others still hold, never a temporary permission taken for a standing one,
// and never less than another active request promised.
import { PROJECT_PERMISSIONS } from '../model/index.js';
import type { AccessRequestRecord } from '../store/access-requests.js';

/** Order of permissions of one kind: read < write < create-repo < admin (a group's `member` is 0). */
export function permissionRank(permission: string): number {
  return Math.max(0, (PROJECT_PERMISSIONS as readonly string[]).indexOf(permission));
}

/** The resolved target of a request (`target`), or its selectors for one stored before targets were kept. */
export function targetOf(record: AccessRequestRecord): string {
  return record.target ?? JSON.stringify([record.resource, record.principal]);
}

/** When what an active request promised ends (ms), Infinity for "until revoked". */
function promisedUntil(record: AccessRequestRecord): number {
  if (record.expiresAt !== undefined) return Date.parse(record.expiresAt);
  if (record.durationMinutes !== undefined && record.activatedAt !== undefined)
    return Date.parse(record.activatedAt) + record.durationMinutes * 60_000;
  return Infinity;
}

/** A change to another active request that takes over what the expiring one was answerable for. */
export interface Handover {
  record: AccessRequestRecord;
  changes: Partial<AccessRequestRecord> & { status: 'active' };
}

/**
 * What the expiry of `expiring` must leave on its target at `now` (ms): `keep`, the highest of the standing
 * permission it found (`previousPermission`) and what the other `active` requests on the same target
 * still promise (null: nothing); `holder`, the request promising `keep` when one does; and the handovers
 * that make the others answerable for their own expiry from then on: one stacked on `expiring` restores
 * the standing permission, not the expiring one; an `alreadyHeld` one now holding the access gets its
 * own `expiresAt` (or none: until revoked).
 */
export function stackAfterExpiry(
  expiring: AccessRequestRecord,
  active: readonly AccessRequestRecord[],
  now: number,
): { keep: string | null; holder: AccessRequestRecord | null; handovers: Handover[] } {
  const standing = expiring.previousPermission ?? null;
  const others = active.filter(
    (other) =>
      other.id !== expiring.id && targetOf(other) === targetOf(expiring) && promisedUntil(other) > now,
  );
  let keep = standing;
  let holder: AccessRequestRecord | null = null;
  for (const other of others) {
    if (keep === null || permissionRank(other.permission) > permissionRank(keep)) {
      keep = other.permission;
      holder = other;
    }
  }
  const handovers: Handover[] = [];
  for (const other of others) {
    if (other === holder && other.alreadyHeld) {
      const until = promisedUntil(other);
      handovers.push({
        record: other,
        changes: {
          status: 'active',
          alreadyHeld: false,
          previousPermission: standing,
          ...(Number.isFinite(until) ? { expiresAt: new Date(until).toISOString() } : {}),
        },
      });
    } else if (!other.alreadyHeld && other.previousPermission === expiring.permission) {
      handovers.push({ record: other, changes: { status: 'active', previousPermission: standing } });
    }
  }
  return { keep, holder, handovers };
}
