// Free TCP ports on loopback, asked of the kernel rather than guessed.
import { createServer } from 'node:net';

/**
 * A port the kernel just handed out and that is free again. Another process could take it
 * before the app binds it; the app then fails to listen, and the deploy's health wait says so.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the kernel gave no port'))));
    });
  });
}
