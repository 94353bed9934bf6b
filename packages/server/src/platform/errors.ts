// Typed domain errors with stable codes; platform/http maps them to HTTP statuses in one place.

export type ErrorCode =
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'merge_conflict'
  | 'payload_too_large'
  | 'too_many_requests'
  | 'unavailable';

export class TrunkflowError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends TrunkflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('validation_failed', message, details);
  }
}

export class UnauthenticatedError extends TrunkflowError {
  constructor(message = 'missing or invalid token: send "Authorization: Bearer <token>" (trunkflow login stores one)') {
    super('unauthenticated', message);
  }
}

export class ForbiddenError extends TrunkflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('forbidden', message, details);
  }
}

export class NotFoundError extends TrunkflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('not_found', message, details);
  }
}

export class ConflictError extends TrunkflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('conflict', message, details);
  }
}

/** Too many of something at once (open streams): `details.limit` says how many are allowed. */
export class TooManyRequestsError extends TrunkflowError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('too_many_requests', message, details);
  }
}

/** A squash merge whose changes collide with trunk; `details.paths` lists the files. */
export class MergeConflictError extends TrunkflowError {
  constructor(message: string, paths: string[]) {
    super('merge_conflict', message, { paths });
  }
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  merge_conflict: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  unavailable: 503,
};
