// BBQL filters and `fields=` trimming in isolation.
import { describe, expect, it } from 'vitest';
import { compileBbql } from '../../../lib/simulator/bbql.js';
import { applyFields } from '../../../lib/simulator/fields.js';
import { HttpError } from '../../../lib/simulator/http.js';

type Row = { key: string; private: boolean; n: number };
const fields = { 'project.key': (r: Row) => r.key, is_private: (r: Row) => r.private, size: (r: Row) => r.n };
const rows: Row[] = [
  { key: 'CORE', private: true, n: 1 },
  { key: 'WEB', private: false, n: 5 },
  { key: 'OPS', private: true, n: 9 },
];
const run = (q: string) => rows.filter(compileBbql(q, fields)).map((r) => r.key);

describe('BBQL', () => {
  it('filters by equality, inequality, contains, comparisons, AND/OR and parentheses', () => {
    expect(run('project.key="CORE"')).toEqual(['CORE']);
    expect(run('project.key != "CORE"')).toEqual(['WEB', 'OPS']);
    expect(run('project.key ~ "o"')).toEqual(['CORE', 'OPS']);
    expect(run('size >= 5 AND is_private = true')).toEqual(['OPS']);
    expect(run('(project.key = "WEB" OR project.key = "OPS") AND size < 9')).toEqual(['WEB']);
  });
  it('refuses unknown fields and bad syntax with 400', () => {
    for (const q of [
      'colour="red"',
      'project.key=',
      'project.key "x"',
      '(project.key="x"',
      'project.key="x" junk',
    ]) {
      expect(() => compileBbql(q, fields), q).toThrow(HttpError);
    }
  });
});

describe('fields', () => {
  const body = () => ({
    values: [{ slug: 'a', links: { self: 1 }, project: { key: 'K', links: {} } }],
    pagelen: 10,
    next: 'n',
  });
  it('excludes paths, applying value paths to each value of an envelope', () => {
    expect(applyFields(body(), '-values.links')).toEqual({
      values: [{ slug: 'a', project: { key: 'K', links: {} } }],
      pagelen: 10,
      next: 'n',
    });
    expect(applyFields(body(), '-links,-values.project.links')).toEqual({
      values: [{ slug: 'a', project: { key: 'K' } }],
      pagelen: 10,
      next: 'n',
    });
  });
  it('whitelists paths and keeps next only when asked', () => {
    expect(applyFields(body(), 'values.slug,values.project.key,next')).toEqual({
      values: [{ slug: 'a', project: { key: 'K' } }],
      next: 'n',
    });
    expect(applyFields(body(), 'values.slug')).toEqual({ values: [{ slug: 'a' }] });
  });
  it('ignores + additions and empty parameters', () => {
    expect(applyFields(body(), '+values.extra')).toEqual(body());
    expect(applyFields(body(), null)).toEqual(body());
  });
});
