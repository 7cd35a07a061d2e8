// Text from the API printed to a terminal: a reason, a comment or a display name is written by someone
// else, and a control sequence in it could clear the screen, forge lines or hide text from whoever reads.

/**
 * C0 and C1 controls (newline and tab included: one value, one line), DEL, and the bidirectional
 * overrides and isolates that can reorder what is shown.
 */
function isUnsafe(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/**
 * `text` with every control character and bidirectional override written as a visible escape (`\u001b`,
 * `\n`…), so what is printed is exactly one line of what was stored, never a terminal instruction.
 */
export function terminalSafe(text: string): string {
  let safe = '';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (!isUnsafe(code)) safe += character;
    else if (character === '\n') safe += '\\n';
    else if (character === '\t') safe += '\\t';
    else safe += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return safe;
}
