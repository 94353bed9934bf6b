// The API's pipeline enums are the domain's, value for value: the contract package holds copies, so clients need not load core.
import {
  ENVIRONMENT_KIND_VALUES,
  ENVIRONMENT_STATUS_VALUES,
  RELEASE_STATUS_VALUES,
  RUN_STATUS_VALUES,
  RUN_TRIGGER_VALUES,
  STEP_KIND_VALUES,
  STEP_STATUS_VALUES,
} from '@trunkflow/api';
import { ENVIRONMENT_KINDS, RUN_STATUSES, STEP_KINDS, STEP_STATUSES } from '@trunkflow/core';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_STATUSES, RELEASE_STATUSES, RUN_TRIGGERS } from '../src/features/pipeline/model.js';

describe('pipeline API enums', () => {
  it.each([
    ['environment kinds', ENVIRONMENT_KIND_VALUES, ENVIRONMENT_KINDS],
    ['run statuses', RUN_STATUS_VALUES, RUN_STATUSES],
    ['step kinds', STEP_KIND_VALUES, STEP_KINDS],
    ['step statuses', STEP_STATUS_VALUES, STEP_STATUSES],
    ['run triggers', RUN_TRIGGER_VALUES, RUN_TRIGGERS],
    ['environment statuses', ENVIRONMENT_STATUS_VALUES, ENVIRONMENT_STATUSES],
    ['release statuses', RELEASE_STATUS_VALUES, RELEASE_STATUSES],
  ] as const)('has the same %s as the server', (_what, api, domain) => {
    expect([...api]).toEqual([...domain]);
  });
});
