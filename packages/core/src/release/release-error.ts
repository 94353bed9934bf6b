// The error raised when release facts cannot produce a version, with a message saying how to fix them.
export type ReleaseErrorCode = 'invalid-last-tag';

export class ReleaseError extends Error {
  override readonly name = 'ReleaseError';
  readonly code: ReleaseErrorCode;

  constructor(code: ReleaseErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
