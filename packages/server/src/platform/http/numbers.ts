// Strict decimal integers for path, query and header values; declared with the HTTP contract in @trunkflow/api.
export { nonNegativeIntegerParam, positiveIntegerParam } from '@trunkflow/api';
