/** Progress on stderr: a bar redrawn in place on a TTY, plain lines every 10% otherwise. */
export function progress(total: number, label: string, stream: NodeJS.WriteStream = process.stderr) {
  const t0 = Date.now();
  let lastDecile = -1;
  let lastDraw = 0;
  const tty = Boolean(stream.isTTY) && !process.env.CI;
  return {
    update(done: number, errors: number) {
      const rate = done / Math.max(0.001, (Date.now() - t0) / 1000);
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 80 && done < total) return;
        lastDraw = now;
        const width = 28;
        const fill = Math.round((width * done) / Math.max(1, total));
        stream.write(`\r${label} [${'█'.repeat(fill)}${'░'.repeat(width - fill)}] ${done}/${total} ${rate.toFixed(1)}/s${errors ? ` ${errors} errors` : ''}  `);
      } else {
        const decile = Math.floor((10 * done) / Math.max(1, total));
        if (decile !== lastDecile && (decile > lastDecile || done === total)) {
          lastDecile = decile;
          stream.write(`${label}: ${done}/${total} (${Math.round((100 * done) / Math.max(1, total))}%) ${rate.toFixed(1)}/s${errors ? `, ${errors} errors` : ''}\n`);
        }
      }
    },
    end() {
      if (tty) stream.write('\n');
    },
  };
}
