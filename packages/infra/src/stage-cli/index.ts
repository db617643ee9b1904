import { withUsage } from "./cli-support.ts";
import { DLQ_STAGE_USAGE, dlqStageMain } from "./dlq.ts";
import { TOKEN_STAGE_USAGE, tokenStageMain } from "./token.ts";

/**
 * The `--stage` halves of the sandbox's `npm run dlq` and `npm run token`, which hand over to these when given
 * `--stage` (`npm run logs` and `npm run user` run logs.ts and user.ts directly). A usage mistake prints the
 * stage command's usage and returns 2; other failures throw, for the sandbox CLI's runner to print.
 */
export const dlqStageCli = (argv: string[]) => withUsage(() => dlqStageMain(argv), DLQ_STAGE_USAGE);
export const tokenStageCli = (argv: string[]) => withUsage(() => tokenStageMain(argv), TOKEN_STAGE_USAGE);
