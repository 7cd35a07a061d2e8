// CSV of the export: stable columns, quoting, and no cell a spreadsheet would evaluate.
import { describe, expect, it } from 'vitest';
import { describePaths, toCsv, type ExportRowValue } from '../../../lib/api/export-rows.js';

const row: ExportRowValue = {
  accountId: '557058:ada',
  displayName: '=HYPERLINK("x"), "Ada"',
  role: 'member',
  resourceType: 'repository',
  resourceId: 'b1',
  resourceName: 'api',
  permission: 'write',
  paths: [
    { via: 'group', group: 'devs', permission: 'write' },
    { via: 'project-group', project: 'CORE', group: 'devs', permission: 'write' },
  ],
  explicitGrant: null,
  lastActivity: null,
  firstSeen: '2026-11-01T00:00:00.000Z',
};

describe('export CSV', () => {
  it('describes paths compactly', () => {
    expect(describePaths(row.paths)).toBe('group:devs=write; project-group:CORE/devs=write');
  });

  it('quotes commas and quotes, neutralises formulas, leaves nulls empty', () => {
    const [header, line] = toCsv([row]).split('\r\n');
    expect(header).toBe(
      'accountId,displayName,role,resourceType,resourceId,resourceName,permission,paths,explicitGrant,lastActivity,firstSeen',
    );
    expect(line).toBe(
      `557058:ada,"'=HYPERLINK(""x""), ""Ada""",member,repository,b1,api,write,group:devs=write; project-group:CORE/devs=write,,,2026-11-01T00:00:00.000Z`,
    );
  });
});
