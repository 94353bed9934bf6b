// The projects store: project rows and their PR number counter, with no business rules.
import type { Visibility } from '../../platform/auth/roles.js';

export interface Project {
  id: string;
  name: string;
  trunk: string;
  allowDirectTrunkPush: boolean;
  dismissStaleApprovals: boolean;
  requiredApprovals: number;
  visibility: Visibility;
  createdAt: string;
}

export interface ProjectStore {
  byName(name: string): Promise<Project | null>;
  byId(id: string): Promise<Project | null>;
  /** Every project, by name. */
  list(): Promise<Project[]>;
  /** Throws a unique violation when the name is taken (a racing create). */
  insert(project: Project): Promise<void>;
  /** Takes the project's next PR number: 1, 2, … with no gaps unless a transaction rolls back. */
  takeNumber(projectId: string): Promise<number>;
}
