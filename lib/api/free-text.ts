// Text people write into records others read (a reason, a comment): kept as written, but without the
// control characters that would turn it into instructions where it is shown.
import * as z from 'zod';

/**
 * A reason or comment: any text but control characters other than newline and tab (an escape sequence
 * would reach the terminals, chat messages and spreadsheets where decisions are read).
 */
export const freeText = z.string().refine(
  (text) =>
    ![...text].some((character) => {
      const code = character.charCodeAt(0);
      return (code < 0x20 && character !== '\n' && character !== '\t') || (code >= 0x7f && code <= 0x9f);
    }),
  'text without control characters (newline and tab allowed)',
);
