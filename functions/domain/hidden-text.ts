/**
 * Text a reviewer reads (a command, a reason) can carry characters that change what it says without
 * being seen: bidirectional overrides and isolates that reorder what is displayed (U+202A–U+202E,
 * U+2066–U+2069, U+200E/U+200F, U+061C), zero-width and invisible characters (U+200B–U+200D,
 * U+2060–U+2064, U+FEFF, U+180E, Hangul fillers, variation selectors, tag characters), and control
 * characters other than tab and newline (a lone carriage return rewrites a terminal line). Every
 * surface (Slack, the web UI, the CLI) shows such text through `revealHidden`: each hidden character
 * becomes its code point, visible in angle brackets (`<U+202E>`), and the surface adds
 * HIDDEN_TEXT_WARNING. Pure, browser-safe.
 */

const HIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB]|\r(?!\n)|[\u{E0000}-\u{E007F}]/gu;

export interface RevealedText {
  /** The text with every hidden character written as its code point, e.g. `<U+202E>`. */
  readonly text: string;
  /** How many hidden characters there were; 0 means `text` is the input unchanged. */
  readonly hidden: number;
}

const codePoint = (character: string) => `<U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;

export function revealHidden(text: string): RevealedText {
  let hidden = 0;
  const shown = text.replace(HIDDEN, (character) => {
    hidden += 1;
    return codePoint(character);
  });
  return { text: shown, hidden };
}

export const hasHiddenText = (text: string | undefined): boolean => !!text && revealHidden(text).hidden > 0;

/** What every surface says beside text that had hidden characters. */
export const HIDDEN_TEXT_WARNING =
  'Warning: this text contains hidden characters (bidirectional controls or invisible characters), shown here as <U+…>. What an editor or terminal displays may differ from what runs.';
