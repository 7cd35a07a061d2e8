// The facts one effective-access answer needs. The store loads a bounded subset (DESIGN §3: never the
// whole workspace); tests may pass the full picture. The answer must be the same either way.
import type { Grant, Resource } from '../model/index.js';

/** Last time an account was seen acting on a repository (push, pull request…), if recorded. */
export interface ActivityFact {
  accountId: string;
  repositoryId: string;
  lastActivity: string;
}

export interface AccessFacts {
  workspace: { id: string; slug: string };
  /** Users, groups, organization groups, projects and repositories the answer may mention. */
  resources: Resource[];
  /** Workspace roles, group and organization-group memberships, project and repository grants. */
  grants: Grant[];
  activity: ActivityFact[];
  /** DynamoDB items read to assemble these facts (0 for facts built in memory). */
  itemsRead: number;
}
