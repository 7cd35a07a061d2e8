// CSV of the export: stable columns, quoting, and no cell a spreadsheet would evaluate.
import { text } from 'node:stream/consumers';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import {
  csvLine,
  csvOptions,
  csvStream,
  describePaths,
  toCsv,
  type ExportRowValue,
} from '../../../lib/api/export-rows.js';

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

  it('quotes commas and quotes, neutralises formulas, leaves nulls empty', async () => {
    const [header, line] = (await toCsv([row])).split('\r\n');
    expect(header).toBe(
      'accountId,displayName,role,resourceType,resourceId,resourceName,permission,paths,explicitGrant,lastActivity,firstSeen,rolePaths,accessRequests',
    );
    expect(line).toBe(
      `557058:ada,"'=HYPERLINK(""x""), ""Ada""",member,repository,b1,api,write,group:devs=write; project-group:CORE/devs=write,,,2026-11-01T00:00:00.000Z,,`,
    );
  });
});

describe('export CSV edge cases', () => {
  const cells = (values: Partial<ExportRowValue>): ExportRowValue => ({ ...row, ...values, paths: [] });

  it('quotes a cell holding CR or LF alone, not only CRLF', async () => {
    const csv = await toCsv([cells({ displayName: 'two\nlines', resourceName: 'cr\ronly', role: 'x\r' })]);
    expect(csv.split('\r\n')[1]).toBe(
      `557058:ada,"two\nlines","x\r",repository,b1,"cr\ronly",write,,,,2026-11-01T00:00:00.000Z,,`,
    );
  });

  it('neutralises a leading =, +, -, @, tab or carriage return (and only those), in every column', async () => {
    const csv = await toCsv([
      cells({
        accountId: '-1',
        displayName: '+cmd',
        role: '@SUM(A1)',
        resourceName: '\t=x',
        explicitGrant: '\r=1+1',
        lastActivity: 'a=b',
      }),
    ]);
    expect(csv.split('\r\n')[1]).toBe(
      `'-1,'+cmd,'@SUM(A1),repository,b1,'\t=x,write,,"'\r=1+1",a=b,2026-11-01T00:00:00.000Z,,`,
    );
  });

  it('is the header line alone for no rows, and ends every line with CRLF', async () => {
    expect(await toCsv([])).toBe(
      'accountId,displayName,role,resourceType,resourceId,resourceName,permission,paths,explicitGrant,lastActivity,firstSeen,rolePaths,accessRequests\r\n',
    );
    expect(await toCsv([row, row])).toMatch(/^(?:[^\r]*\r\n){3}$/);
  });

  it('streams the same bytes from an async source, and passes on its failure', async () => {
    async function* twoRows() {
      yield row;
      yield cells({ displayName: 'ümlaut ✓' });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of csvStream(twoRows())) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(
      await toCsv([row, cells({ displayName: 'ümlaut ✓' })]),
    );

    async function* failing(): AsyncGenerator<ExportRowValue> {
      yield row;
      throw new Error('store read failed');
    }
    await expect(text(csvStream(failing()))).rejects.toThrow('store read failed');
  });
});

describe('csvLine', () => {
  it('writes the bytes csv-stringify writes with csvOptions, on random cells with every special character', () => {
    // A fixed linear congruential sequence: the same cells on every run.
    let state = 22;
    const next = (below: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % below;
    };
    const alphabet = [
      'a',
      'Z',
      ' ',
      ',',
      '"',
      '\r',
      '\n',
      '=',
      '+',
      '-',
      '@',
      '\t',
      "'",
      ';',
      'ü',
      '✓',
      '#',
      '0',
    ];
    const cell = () => {
      const kind = next(10);
      if (kind === 0) return null;
      if (kind === 1) return next(1000);
      return Array.from({ length: next(6) }, () => alphabet[next(alphabet.length)]).join('');
    };
    const columns = ['a', 'b', 'c', 'd'];
    const records = Array.from({ length: 5000 }, () => columns.map(cell));
    const expected = stringify(records, csvOptions(columns));
    expect(csvLine(columns) + records.map(csvLine).join('')).toBe(expected);
  });
});
