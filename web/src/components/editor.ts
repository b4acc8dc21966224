/**
 * The SQL editor: CodeMirror 6 with SQL highlighting in the dialect of the chosen resource. Tab is left
 * to the browser (no indent-with-Tab keymap) so keyboard users can always leave the editor; Ctrl/Cmd+Enter
 * submits. The editable element carries an aria-label, which is what names it for assistive technology.
 *
 * The editor lives in a shadow root. CodeMirror injects its styles at run time; in a document that means
 * a <style> element, which our CSP (style-src 'self', no 'unsafe-inline') rightly refuses, while in a
 * shadow root it uses constructed stylesheets (adoptedStyleSheets), which need no CSP exception. Its look
 * is therefore set here with EditorView.theme rather than in styles.css, which cannot reach inside.
 */
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { MySQL, PostgreSQL, sql, StandardSQL } from '@codemirror/lang-sql';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers, placeholder } from '@codemirror/view';

export interface SqlEditor {
  readonly element: HTMLElement;
  value(): string;
  setValue(text: string): void;
  setDialect(resourceType: string | undefined): void;
  focus(): void;
}

const MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const theme = EditorView.theme({
  '&': { border: '1px solid #d0d7de', borderRadius: '6px', backgroundColor: '#ffffff', fontSize: '0.95rem' },
  '&.cm-focused': { outline: '3px solid #f59e0b', outlineOffset: '2px' },
  '.cm-scroller': { fontFamily: MONO, minHeight: '9rem' },
  '.cm-content': { fontFamily: MONO, minHeight: '8.5rem' },
  '.cm-gutters': { backgroundColor: '#f6f7f9', color: '#57606a', borderRight: '1px solid #d0d7de' },
  '.cm-placeholder': { color: '#6e7781' },
});

const dialectOf = (type: string | undefined) => (type === 'mysql' ? MySQL : type === 'postgres' ? PostgreSQL : StandardSQL);

export function sqlEditor(options: { label: string; onSubmit: () => void; initial?: string }): SqlEditor {
  const language = new Compartment();
  const host = document.createElement('div');
  host.className = 'sql-editor-host';
  const shadow = host.attachShadow({ mode: 'open' });
  const view = new EditorView({
    parent: shadow,
    root: shadow,
    state: EditorState.create({
      doc: options.initial ?? '',
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle),
        language.of(sql({ dialect: PostgreSQL, upperCaseKeywords: false })),
        placeholder('select id, name from customers limit 10'),
        EditorView.lineWrapping,
        theme,
        EditorView.contentAttributes.of({ 'aria-label': options.label, 'data-testid': 'sql-editor' }),
        keymap.of([
          { key: 'Mod-Enter', preventDefault: true, run: () => (options.onSubmit(), true) },
          ...defaultKeymap,
          ...historyKeymap,
        ]),
      ],
    }),
  });
  return {
    element: host,
    value: () => view.state.doc.toString(),
    setValue: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    setDialect: (type) => view.dispatch({ effects: language.reconfigure(sql({ dialect: dialectOf(type), upperCaseKeywords: false })) }),
    focus: () => view.focus(),
  };
}
