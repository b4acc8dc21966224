/**
 * The live status line on stderr while a command waits. On a terminal it is one line redrawn in place
 * every second (so "expires in" counts down); into a pipe or a log it prints a line only when the state
 * changes, so logs stay readable.
 */
import type { Sink } from './output';
import { terminalWidth } from './output';

export class StatusLine {
  private lastKey: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private render: (() => string) | undefined;
  private drawn = false;
  private pinned: string | undefined;

  constructor(private readonly sink: Sink) {}

  /** `key` identifies the state (a change prints a new line off a terminal); `render` draws it now. */
  show(key: string, render: () => string): void {
    this.render = render;
    if (this.sink.isTTY) {
      this.draw();
      this.timer ??= setInterval(() => this.draw(), 1000);
      this.timer.unref();
    } else if (key !== this.lastKey) {
      this.sink.write(`${render()}\n`);
    }
    this.lastKey = key;
  }

  private draw(): void {
    if (!this.render) return;
    const width = terminalWidth(this.sink);
    let text = this.render();
    // The link is what a person acts on: when the line is too wide, it gets a line of its own, whole.
    const link = / — (https?:\/\/\S+)$/.exec(text);
    if (link && [...text].length > width - 1) {
      if (this.pinned !== link[1]) {
        this.sink.write(`\r\x1b[2K${link[1]}\n`);
        this.pinned = link[1];
      }
      text = text.slice(0, link.index);
    }
    const chars = [...text];
    const line = chars.length > width - 1 ? `${chars.slice(0, Math.max(0, width - 2)).join('')}…` : text;
    this.sink.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  /** Removes the line (terminal) so the result prints on a clean screen. */
  clear(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.sink.isTTY && this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
  }
}
