import { resolve } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { readRecordings } from '../../record/recording.js';
import { replayProblems, replayRun, type RunReplay } from '../../record/replay.js';
import { silentLogger, writeOut } from '../output.js';

/**
 * `lockstep replay DIR`: every recorded run under DIR replayed (src/record/replay.ts).
 * Exit 0 when each call answered as recorded and no request went unanswered, 1 otherwise.
 */
export async function replayCommand(dir: string, opts: { format?: string }): Promise<number> {
  if (opts.format !== undefined && opts.format !== 'text' && opts.format !== 'json') throw new UserError(`--format: text or json, not ${opts.format}`);
  const replays: RunReplay[] = [];
  for (const run of readRecordings(resolve(dir))) replays.push(await replayRun(run, silentLogger));
  const problems = replays.flatMap(replayProblems);
  if (opts.format === 'json') writeOut(JSON.stringify({ same: problems.length === 0, runs: replays }, null, 2) + '\n');
  else writeOut(replayText(replays));
  return problems.length ? ExitCode.Error : ExitCode.Ok;
}

function replayText(replays: readonly RunReplay[]): string {
  const lines: string[] = [];
  for (const r of replays) {
    lines.push(`${r.command} recorded ${r.recordedAt} (${r.dir})`);
    for (const p of r.providers) {
      if (p.skipped) {
        lines.push(`  ${p.provider} (${p.type}): not replayed: ${p.skipped}`);
        continue;
      }
      const same = p.calls.filter((c) => c.same).length;
      const unused = p.unused ? `; ${p.unused} recorded exchange${p.unused === 1 ? '' : 's'} not asked for` : '';
      lines.push(`  ${p.provider} (${p.type}): ${same} of ${p.calls.length} call${p.calls.length === 1 ? '' : 's'} answered as recorded${unused}`);
    }
    for (const problem of replayProblems(r)) lines.push(`  ✗ ${problem}`);
  }
  const problems = replays.flatMap(replayProblems).length;
  lines.push(problems ? `${problems} difference${problems === 1 ? '' : 's'} from the recording` : 'every call answered as recorded');
  return lines.join('\n') + '\n';
}
