// What `npm start` and `bbgov serve` both print once the server answers: the contract line scripts wait
// for, then the reviewer page's URL on its own line.
import { describe, expect, it } from 'vitest';
import { listeningLines } from '../../../lib/local/local-services.js';

describe('listening lines', () => {
  it('keeps `api listening on URL` exactly, then names the reviewer page', () => {
    expect(listeningLines('http://127.0.0.1:3000')).toEqual([
      'api listening on http://127.0.0.1:3000',
      'reviewer page: http://127.0.0.1:3000/ui/',
    ]);
  });
});
