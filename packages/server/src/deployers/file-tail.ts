// Follows a file an app appends its output to, handing each new chunk on; trims the file once it grows large.
import { type FileHandle, open, truncate } from 'node:fs/promises';

export interface FileTailOptions {
  pollMs: number;
  /** Once this much has been read, the file is emptied (the app appends with O_APPEND, so it writes from 0 again). */
  maxBytes: number;
}

/**
 * An app's output goes to files rather than pipes, so the app does not depend on the server
 * that started it: after a server restart a pipe would be gone, and the app's next log line
 * would fail with EPIPE. The server follows the files instead, and a restarted server picks up
 * where the app is.
 */
export class FileTail {
  private handle: FileHandle | null = null;
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private readonly buffer = Buffer.alloc(65_536);

  constructor(
    private readonly path: string,
    private readonly onChunk: (chunk: Buffer) => void,
    private readonly options: FileTailOptions,
  ) {}

  /** From the start of the file, or from its current end (output an earlier run wrote was read then). */
  async start(fromEnd: boolean): Promise<void> {
    this.handle = await open(this.path, 'a+');
    this.offset = fromEnd ? (await this.handle.stat()).size : 0;
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  /** Reads what is there now; callers await it before they act on "the app said X". */
  poll(): Promise<void> {
    this.reading ??= this.readAll().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  /** Reads the rest, then lets go of the file. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.poll();
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
  }

  private async readAll(): Promise<void> {
    const handle = this.handle;
    if (handle === null) return;
    try {
      const { size } = await handle.stat();
      // Emptied from outside (or by us, below): start over at its beginning.
      if (size < this.offset) this.offset = 0;
      for (;;) {
        const { bytesRead } = await handle.read(this.buffer, 0, this.buffer.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.onChunk(Buffer.from(this.buffer.subarray(0, bytesRead)));
      }
      if (this.offset >= this.options.maxBytes) {
        // A line the app writes between the last read and this truncation is lost: the price of a bounded file.
        await truncate(this.path, 0);
        this.offset = 0;
      }
    } catch {
      // The file went away with its tree (a destroy): nothing more to read.
    }
  }
}
