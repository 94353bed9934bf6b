// Reading pull requests: lists, one PR with its reviews and checks summary, and the check run that counts.
import { NotFoundError } from '../../platform/errors.js';
import type { Project } from '../projects/service.js';
import type { PullsContext } from './context.js';
import type { CheckRun, PullRequest, PullStateFilter, Review } from './model.js';

/** `pending` while the head's `checks.run` job has not recorded a run yet; the other fields then say nothing. */
export type CheckStatus = 'pending' | 'completed';

/** A stored check run, or the pending one of an open PR's head. */
export interface CheckRunView extends CheckRun {
  status: CheckStatus;
}

export interface ChecksSummary {
  status: CheckStatus;
  sha: string;
  ok: boolean;
  failing: string[];
  createdAt: string;
  configError: string | null;
}

export interface PullRequestDetail extends PullRequest {
  reviews: Review[];
  checks: ChecksSummary | null;
}

export function summarise(run: CheckRun & { status?: CheckStatus }): ChecksSummary {
  return {
    status: run.status ?? 'completed',
    sha: run.sha,
    ok: run.ok,
    failing: run.findings.filter((finding) => finding.status === 'fail').map((finding) => finding.id),
    createdAt: run.createdAt,
    configError: run.configError,
  };
}

export class PullReads {
  constructor(private readonly ctx: Pick<PullsContext, 'store'>) {}

  async list(project: Project, state: PullStateFilter = 'open'): Promise<PullRequest[]> {
    return this.ctx.store.list(project.id, state);
  }

  async get(project: Project, number: number): Promise<PullRequest> {
    const pull = await this.ctx.store.byNumber(project.id, number);
    if (!pull) {
      throw new NotFoundError(
        `no pull request #${number} in project ${project.name}: list them with \`trunkflow pr list --project ${project.name}\``,
      );
    }
    return pull;
  }

  async detail(project: Project, number: number): Promise<PullRequestDetail> {
    const pull = await this.get(project, number);
    const [reviews, run] = await Promise.all([this.ctx.store.reviews(pull.id, project.id), this.view(pull)]);
    return {
      ...pull,
      reviews: reviews.map(({ reviewerRole: _role, ...review }) => review),
      checks: run ? summarise(run) : null,
    };
  }

  /**
   * The check run of the head sha; while an open PR's head has none yet, a pending one (its job is
   * queued or running); else the latest run (whose sha then tells it is stale).
   */
  async checks(project: Project, number: number): Promise<CheckRunView> {
    const pull = await this.get(project, number);
    const run = await this.view(pull);
    if (!run) {
      throw new NotFoundError(
        `no checks yet for pull request #${number}: they run on every push; wait a moment, or push again if this persists`,
      );
    }
    return run;
  }

  private async view(pull: PullRequest): Promise<CheckRunView | null> {
    const head = await this.ctx.store.checkRun(pull.id, pull.headSha);
    if (head) return { ...head, status: 'completed' };
    if (pull.state === 'open') {
      return {
        sha: pull.headSha,
        status: 'pending',
        ok: false,
        findings: [],
        configError: null,
        createdAt: pull.updatedAt,
      };
    }
    const latest = await this.ctx.store.latestCheckRun(pull.id);
    return latest ? { ...latest, status: 'completed' } : null;
  }

  /** What the gate judges: the head's run, else the latest (stale) one, else none. */
  async currentRun(pull: PullRequest): Promise<CheckRun | null> {
    return (await this.ctx.store.checkRun(pull.id, pull.headSha)) ?? (await this.ctx.store.latestCheckRun(pull.id));
  }
}
