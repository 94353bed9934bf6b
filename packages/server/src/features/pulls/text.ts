// What git cannot store in a commit message: the check lives with the title and body schemas in @trunkflow/api.
export { messageTextProblem, pullBodySchema, pullTitleSchema } from '@trunkflow/api';
