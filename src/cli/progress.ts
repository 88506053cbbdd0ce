/** A one-line progress bar on a TTY, periodic plain lines otherwise (CI logs stay readable). */
export interface Progress {
  update(done: number): void;
  finish(summary: string): void;
}

export function progressBar(label: string, total: number, out: NodeJS.WriteStream = process.stderr): Progress {
  const start = performance.now();
  let last = 0;
  let lastPlain = 0;
  const render = (done: number): string => {
    const secs = (performance.now() - start) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    const width = 30;
    const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${rate.toLocaleString('en-US')}/s`;
  };
  return {
    update(done) {
      const now = performance.now();
      if (out.isTTY) {
        if (now - last < 100 && done < total) return;
        last = now;
        out.write(`\r${render(done)}`);
      } else if (now - lastPlain >= 2000) {
        lastPlain = now;
        out.write(`${render(done)}\n`);
      }
    },
    finish(summary) {
      out.write(`${out.isTTY ? '\r\x1b[K' : ''}${label}: ${summary}\n`);
    },
  };
}
