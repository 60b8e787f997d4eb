import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExitCode, UserError } from '../../errors.js';
import { CONTROLS } from '../../evidence/controls.js';
import { attestationsInPeriod, terminationsInPeriod } from '../../evidence/build.js';
import { policyRepo } from '../../git/policy-at-ref.js';
import { canonicalJson } from '../../journal/canonical-json.js';
import { parseRecord, type JournalLine } from '../../journal/record.js';
import { verifyJournalLines } from '../../journal/verify.js';
import { loadPlanningPolicy, makePlan } from '../../run/plan-run.js';
import { parseInstant } from '../../policy/time.js';
import { buildReport } from '../../report/build.js';
import { renderReportHtml } from '../../report/html.js';
import { renderReportMarkdown } from '../../report/render.js';
import { verifierFromFile } from '../../signing/ed25519.js';
import { policyKeys } from '../../run/keys.js';
import type { JournalRecord } from '../../types/index.js';
import { stderrLogger, writeErr, writeOut } from '../output.js';
import { parseNow, planFiles, withStateStore } from '../workspace.js';
import { plural } from '../../wording/plural.js';

export interface EvidenceCommandOptions {
  policies: string;
  people?: string;
  snapshot?: string;
  from: string;
  to: string;
  out: string;
  journal?: string;
  stateDir?: string;
  state?: string;
  publicKey?: string;
}

const DAY_MS = 86_400_000;

/** A date (whole day, inclusive) or an instant. */
function periodBound(flag: string, text: string, end: boolean): number {
  try {
    const ms = parseInstant(text);
    return end && /^\d{4}-\d{2}-\d{2}$/.test(text) ? ms + DAY_MS : ms;
  } catch {
    throw new UserError(`${flag} ${text}: expected a date (YYYY-MM-DD) or an ISO 8601 instant`);
  }
}

/** Journal lines as written (so an auditor can re-check their hashes), with their record where they hold one. */
function journalLines(lines: readonly JournalLine[]): { raw: string; record: JournalRecord | null }[] {
  return lines
    .filter((l) => l.terminated && l.bytes.length > 0)
    .map((l) => {
      const p = parseRecord(l.bytes);
      return { raw: l.bytes.toString('utf8'), record: 'record' in p ? p.record : null };
    });
}

/** Commits that touched the policy folder in the period: who changed the policy, when, and what. */
async function policyHistory(policiesDir: string, fromMs: number, toMs: number) {
  try {
    const { git, path } = await policyRepo(policiesDir);
    const out = await git.raw([
      'log',
      `--since=${new Date(fromMs).toISOString()}`,
      `--until=${new Date(toMs).toISOString()}`,
      '--format=%x1e%H%x1f%an <%ae>%x1f%aI%x1f%cn <%ce>%x1f%G?%x1f%s',
      '--name-status',
      '--',
      path,
    ]);
    return out
      .split('\x1e')
      .filter((c) => c.trim())
      .map((chunk) => {
        const [head, ...files] = chunk.split('\n');
        const [sha, author, date, committer, signature, subject] = head!.split('\x1f');
        return { sha, author, date, committer, signed: signature === 'G', subject, files: files.filter(Boolean).map((f) => f.replace(/\t/g, ' ')) };
      });
  } catch (e) {
    return { error: `policy history unavailable: ${(e as Error).message.split('\n')[0]}` };
  }
}

/**
 * `lockstep evidence --from DATE --to DATE --out DIR`: the package an auditor asks for —
 * the journal extract of the period with the chain verification, every termination of the
 * period with its HR time and the revocation time in each system, the access reviews
 * attested in the period, the policy's change history, the report, and the control mapping — each file hashed in a manifest. A
 * journal that fails verification is said so on the first line, and the command exits 1.
 */
export async function evidenceCommand(opts: EvidenceCommandOptions): Promise<number> {
  const fromMs = periodBound('--from', opts.from, false);
  const toMs = periodBound('--to', opts.to, true);
  if (toMs <= fromMs) throw new UserError(`--to ${opts.to} is not after --from ${opts.from}`);
  const log = stderrLogger();
  const inputs = planFiles(opts);
  const policy = await loadPlanningPolicy(inputs.policiesDir, { offline: inputs.snapshotFile !== undefined, peopleFile: inputs.peopleFile, log });
  const verifier = opts.publicKey
    ? await verifierFromFile(resolve(opts.publicKey), `--public-key ${opts.publicKey}`)
    : (await policyKeys(policy, { withPrivateKey: false })).verifier;
  const out = resolve(opts.out);
  const files = new Map<string, string>();
  const now = parseNow(undefined);
  const { verification, lines, plan, roster, journalLabel, backend } = await withStateStore(policy, opts, { log, write: false }, async (store) => {
    const content = await store.journal.content();
    if (!content) throw new UserError(`${store.journal.label}: no journal there`);
    const verification = verifyJournalLines(content.lines, { checkpoint: content.checkpoint, verifier, ...store.journal.layout });
    if (content.checkpoint) files.set('journal-checkpoint.json', `${canonicalJson(content.checkpoint)}\n`);
    const made = await makePlan({ policy, peopleFile: inputs.peopleFile, snapshotFile: inputs.snapshotFile, store, now, log });
    return { verification, lines: journalLines(content.lines), plan: made.plan, roster: made.roster, journalLabel: store.journal.label, backend: store.backend };
  });
  await mkdir(out, { recursive: true });
  files.set('journal-verification.json', `${JSON.stringify({ journal: journalLabel, backend, ...verification }, null, 2)}\n`);
  const inPeriod = lines.filter(({ record }) => record && Date.parse(record.time) >= fromMs && Date.parse(record.time) < toMs);
  files.set('journal-extract.jsonl', inPeriod.map((l) => `${l.raw}\n`).join(''));
  const records = lines.flatMap((l) => (l.record ? [l.record] : []));

  files.set('terminations.json', `${JSON.stringify(terminationsInPeriod(roster.people, records, fromMs, toMs), null, 2)}\n`);
  const attestations = attestationsInPeriod(records, fromMs, toMs);
  files.set('attestations.json', `${JSON.stringify(attestations, null, 2)}\n`);
  files.set('policy-history.json', `${JSON.stringify(await policyHistory(policy.dir, fromMs, toMs), null, 2)}\n`);
  const report = buildReport({ plan, policy, people: roster.people, journal: records, now });
  files.set('report.json', `${JSON.stringify(report, null, 2)}\n`);
  files.set('report.md', renderReportMarkdown(report));
  files.set('report.html', renderReportHtml(report));
  files.set('controls.json', `${JSON.stringify(CONTROLS, null, 2)}\n`);

  const period = `${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()}`;
  const integrity = verification.ok
    ? `Journal chain verified: ${verification.message}.${verification.signatures.checked ? '' : verification.signatures.signed > 0 || verification.checkpoint?.keyId ? ' Signatures were not checked (no public key).' : ' The journal is not signed.'}`
    : `INTEGRITY FAILURE: the journal does not verify (${verification.message}). Records after the first bad one cannot be relied on.`;
  const readme = [
    `# Access evidence: ${policy.config.doc.metadata.name}, ${period}`,
    '',
    integrity,
    '',
    `Generated ${now.toISOString()} from policy commit ${policy.commit ?? '(not in Git)'}.`,
    '',
    '| file | what it shows |',
    '|---|---|',
    '| journal-extract.jsonl | every journal record of the period, byte for byte as written (hash-chained) |',
    '| journal-verification.json | the chain check of the whole journal, against its checkpoint and (with a key) every signature |',
    '| journal-checkpoint.json | the journal head kept apart from the records: the last seq, the hash of its line, when, and its signature |',
    '| terminations.json | each termination of the period: HR time, and the revocation time in each system |',
    '| attestations.json | each access review attested in the period: the merge commit, who merged it, the reviewer, keep / revoke / undecided counts |',
    '| policy-history.json | commits that changed the policy in the period: author, committer, signature, files |',
    '| report.json / report.md / report.html | access state now: former employees with access, orphans, exceptions, time to revoke, coverage |',
    '| controls.json | which file answers which control |',
    '| manifest.json | SHA-256 of every file here |',
    '',
    '## Controls',
    '',
    '| framework | control | evidence |',
    '|---|---|---|',
    ...CONTROLS.map((c) => `| ${c.framework} | ${c.control} | ${c.evidence.join(', ')} |`),
    '',
    '## Access reviews attested',
    '',
    ...(attestations.length === 0
      ? ['No access review was attested in the period.']
      : [
          '| review | recorded | commit | merged by | reviewer | keep | revoke | undecided |',
          '|---|---|---|---|---|---|---|---|',
          ...attestations.map(
            (a) =>
              `| ${a.review} | ${a.recordedAt} | ${a.commit ?? `(${a.git === 'not_git' ? 'not in Git' : 'uncommitted'})`} | ${a.merger ?? ''} | ${a.reviewer ?? ''} | ${a.counts.keep} | ${a.counts.revoke} | ${a.counts.undecided} |`,
          ),
        ]),
    '',
  ].join('\n');
  files.set('README.md', readme);
  const manifest: Record<string, string> = {};
  for (const [name, text] of files) {
    await writeFile(join(out, name), text);
    manifest[name] = createHash('sha256').update(text).digest('hex');
  }
  await writeFile(
    join(out, 'manifest.json'),
    `${JSON.stringify({ period: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() }, files: manifest }, null, 2)}\n`,
  );
  writeOut(`evidence for ${period} written to ${opts.out}: ${plural(inPeriod.length, 'journal record')}, ${plural(files.size + 1, 'file')}\n`);
  if (!verification.ok) {
    writeErr(`${integrity}\n`);
    return ExitCode.Error;
  }
  return ExitCode.Ok;
}
