// A GovernanceSource over an in-memory truth that pages like Bitbucket: page-numbered pages of 100 rows
// over a list that can move between two page reads. Each page and each confirmation read takes one unit of
// the call's budget, as a Bitbucket request would. Faults are scripted per listing and consumed per walk.
import { itemIdentity, type GovernanceItem, type ScopeKind } from '../../../../lib/model/index.js';
import type {
  AbsenceCheck,
  GovernanceSource,
  GrantChannel,
  ScopeTarget,
  SourceCall,
} from '../../../../lib/source/index.js';

/** What one API row states (a member is a user and a role). */
export type Row = GovernanceItem[];

export const PAGE_LENGTH = 100;

/**
 * A walk fault: from page `page` (default 2) on, the list the reader pages through has shifted.
 * - `insert`: something was inserted before the reader's position: page `page` starts with the last row
 *   of the page before (a repeat); nothing is missed.
 * - `delete`: something before the position went away: the first row page `page` should hold is skipped.
 * `replace` changes truth at that moment (the repeated row is read again with its new content).
 */
export interface WalkFault {
  drift: 'insert' | 'delete';
  page?: number;
  replace?: { index: number; row: Row };
}

export function listingKey(target: ScopeTarget): string {
  if (target.kind === 'project-grants') return `project-grants/${target.projectId}`;
  if (target.kind === 'repository-grants') return `repository-grants/${target.repositoryId}`;
  return target.kind;
}

export class DriftingSource implements GovernanceSource {
  readonly kinds: readonly ScopeKind[] = [
    'members',
    'groups',
    'projects',
    'repositories',
    'project-grants',
    'repository-grants',
  ];
  /** Every request made, as `list <key> page <n>` or `read <identity>`. */
  readonly requests: string[] = [];
  private readonly truth = new Map<string, Row[]>();
  private readonly faults = new Map<string, WalkFault[]>();

  /** Sets what a listing states now. */
  set(key: string, rows: Row[]): void {
    this.truth.set(key, rows);
  }

  rows(key: string): Row[] {
    return this.truth.get(key) ?? [];
  }

  /** Queues faults for the next walks of a listing, one per walk. */
  drift(key: string, ...faults: WalkFault[]): void {
    this.faults.set(key, [...(this.faults.get(key) ?? []), ...faults]);
  }

  isSnapshot(kind: ScopeKind): boolean {
    return kind === 'groups';
  }

  async listScope(_workspace: unknown, target: ScopeTarget, call: SourceCall): Promise<GovernanceItem[]> {
    const key = listingKey(target);
    const fault = this.faults.get(key)?.shift();
    const served: GovernanceItem[] = [];
    for (let page = 1; ; page++) {
      call.budget?.take({ method: 'GET', path: `/${key}?page=${page}` });
      this.requests.push(`list ${key} page ${page}`);
      let rows: (Row | null)[] = this.rows(key);
      if (fault && page >= (fault.page ?? 2)) {
        if (fault.replace && page === (fault.page ?? 2)) {
          const changed = [...this.rows(key)];
          changed[fault.replace.index] = fault.replace.row;
          this.set(key, changed);
        }
        const now = this.rows(key);
        rows = fault.drift === 'insert' ? [null, ...now] : now.slice(1);
      }
      const pageRows = rows.slice((page - 1) * PAGE_LENGTH, page * PAGE_LENGTH);
      for (const row of pageRows) if (row) served.push(...row);
      if (page * PAGE_LENGTH >= rows.length) return served;
    }
  }

  async confirmAbsent(
    _workspace: unknown,
    target: ScopeTarget,
    missing: readonly GovernanceItem[],
    call: SourceCall,
  ): Promise<AbsenceCheck> {
    const current = new Map(
      this.rows(listingKey(target))
        .flat()
        .map((item) => [itemIdentity(item), item]),
    );
    const check: AbsenceCheck = { gone: [], present: [] };
    // One read answers the whole subject the caller groups (one member, one grant, one resource).
    call.budget?.take({ method: 'GET', path: `/${listingKey(target)}/one` });
    this.requests.push(`read ${missing.map(itemIdentity).join(' ')}`);
    for (const item of missing) {
      const found = current.get(itemIdentity(item));
      if (found) check.present.push(found);
      else check.gone.push(itemIdentity(item));
    }
    return check;
  }

  grantChannel(): GrantChannel {
    throw new Error('provisioning is not part of these tests');
  }
}
