import { describe, expect, it } from 'vitest';
import { hasHiddenText, revealHidden } from '../../../functions/domain/hidden-text';

describe('revealHidden', () => {
  it('writes bidi overrides, isolates and zero-width characters as <U+XXXX>', () => {
    // "Trojan source": the override makes the comment display after the statement it hides.
    const command = 'delete from orders /*\u202E } \u2066if (admin)\u2069 \u2066 */ where id = 1';
    expect(revealHidden(command)).toEqual({ text: 'delete from orders /*<U+202E> } <U+2066>if (admin)<U+2069> <U+2066> */ where id = 1', hidden: 4 });
    expect(revealHidden('drop\u200Btable\u200C\u200D\u2060\uFEFF x').text).toBe('drop<U+200B>table<U+200C><U+200D><U+2060><U+FEFF> x');
    expect(revealHidden('\u202A\u202B\u202C\u202D\u2067\u2068\u200E\u200F\u061C').hidden).toBe(9);
  });

  it('reveals control characters and a lone carriage return, not tabs, newlines or CRLF', () => {
    expect(revealHidden('select 1;\rdrop table x').text).toBe('select 1;<U+000D>drop table x');
    expect(revealHidden('a\u0000b\u001Bc').text).toBe('a<U+0000>b<U+001B>c');
    expect(revealHidden('select 1\r\n\tfrom t\n')).toEqual({ text: 'select 1\r\n\tfrom t\n', hidden: 0 });
  });

  it('reveals tag characters beyond the basic plane whole', () => {
    expect(revealHidden('x\u{E0041}y').text).toBe('x<U+E0041>y');
  });

  it('leaves ordinary text, accents and other scripts alone', () => {
    for (const text of ['select name from customers where name = \'Amélie van Rossum\'', 'שלום', 'مرحبا', '日本語', '👍']) {
      expect(revealHidden(text)).toEqual({ text, hidden: 0 });
      expect(hasHiddenText(text)).toBe(false);
    }
    expect(hasHiddenText('a\u202Eb')).toBe(true);
    expect(hasHiddenText(undefined)).toBe(false);
  });
});
